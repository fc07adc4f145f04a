"""The staff page, served by the Rasa server under /webhooks/staff/ (Rasa adds routes through input channels,
listed in credentials.yml): no other process to run, and in production the proxy in front of Rasa serves it too.

    GET /webhooks/staff/                 the page (?from=YYYY-MM-DD&to=YYYY-MM-DD or ?days=N, &channel=telegram)
    GET /webhooks/staff/unanswered.csv   the grouped unanswered questions of the same period and channel
    GET /webhooks/staff/plotly.min.js    plotly.js as the plotly package ships it (staff may be offline: no CDN)

Every route needs QN_STAFF_TOKEN: as HTTP Basic's password (a browser asks for it; any user name) or as
`Authorization: Bearer <token>`. Without it, or while QN_STAFF_TOKEN is unset: 401 and nothing else. The report
is read in a worker thread, so turns in progress keep the event loop.
"""
from __future__ import annotations

import asyncio
import base64
import binascii
import hmac
import logging
from datetime import date
from functools import lru_cache
from typing import Any, Awaitable, Callable, Text

from rasa.core.channels.channel import InputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sqlalchemy.exc import SQLAlchemyError

from bot.conversations.store import conversations_engine, conversations_url
from bot.db import get_engine
from bot.insight.page import PLOTLY_JS, render_page, unanswered_csv
from bot.insight.report import Period, Report, read_report
from bot.knowledge.repository import KnowledgeBase
from bot.settings import Settings, current_settings

logger = logging.getLogger(__name__)
DEFAULT_DAYS, MOST_DAYS = 7, 366
UNAUTHORISED_HEADERS = {"WWW-Authenticate": 'Basic realm="Quang Ninh assistant staff", charset="UTF-8"'}


def presented_token(authorization: str) -> str:
    """The credential in an Authorization header: Bearer's token, or Basic's password."""
    scheme, _, value = authorization.strip().partition(" ")
    if scheme.lower() == "bearer":
        return value.strip()
    if scheme.lower() == "basic":
        try:
            decoded = base64.b64decode(value.strip(), validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            return ""
        return decoded.partition(":")[2]
    return ""


def is_staff(authorization: str, staff_token: str) -> bool:
    """Constant-time comparison; nobody is staff while no token is configured."""
    if not staff_token:
        return False
    return hmac.compare_digest(presented_token(authorization).encode("utf-8"), staff_token.encode("utf-8"))


def period_asked(args: dict[str, str]) -> Period:
    """The period in the query (?from=&to=, or ?days=), the last 7 days by default; ValueError if malformed."""
    if args.get("from") or args.get("to"):
        default = Period.last_days(DEFAULT_DAYS)
        first = date.fromisoformat(args["from"]) if args.get("from") else default.first
        last = date.fromisoformat(args["to"]) if args.get("to") else default.last
        period = Period(first, last)
    else:
        period = Period.last_days(int(args.get("days") or DEFAULT_DAYS))
    if not 0 <= (period.last - period.first).days < MOST_DAYS:
        raise ValueError("period")
    return period


@lru_cache(maxsize=1)
def plotly_js() -> bytes:
    from plotly.offline import get_plotlyjs

    return get_plotlyjs().encode("utf-8")


def build_report(settings: Settings, period: Period, channel: str | None) -> Report:
    knowledge_engine = get_engine(settings.database_url)
    knowledge = KnowledgeBase(knowledge_engine)
    with knowledge.consistent_reads():  # one version read for the whole report, as for an action
        try:
            return read_report(conversations_engine(conversations_url(settings)), period, channel, knowledge,
                               knowledge_engine)
        except SQLAlchemyError:  # no bookings table yet (nothing loaded): the conversations alone
            logger.warning("staff page: bookings unreadable", exc_info=True)
            return read_report(conversations_engine(conversations_url(settings)), period, channel, knowledge)


class StaffPageInput(InputChannel):
    @classmethod
    def name(cls) -> Text:
        return "staff"

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        staff = Blueprint("staff_page", __name__)

        async def report_for(request: Request) -> Report | response.HTTPResponse:
            args = {key: values[0] for key, values in request.args.items() if values}
            try:
                period = period_asked(args)
            except ValueError:
                return response.text("Bad period: use from=YYYY-MM-DD&to=YYYY-MM-DD (at most a year)", status=400)
            return await asyncio.to_thread(build_report, current_settings(), period, args.get("channel") or None)

        def refused(request: Request) -> response.HTTPResponse | None:
            if is_staff(request.headers.get("Authorization", ""), current_settings().staff_token):
                return None
            return response.text("401 Unauthorized", status=401, headers=UNAUTHORISED_HEADERS)

        @staff.route("/", methods=["GET"])
        async def page(request: Request) -> response.HTTPResponse:
            if (refusal := refused(request)) is not None:
                return refusal
            report = await report_for(request)
            if isinstance(report, response.HTTPResponse):
                return report
            base, query = request.path.rstrip("/") + "/", request.query_string
            return response.html(render_page(report, f"{base}{PLOTLY_JS}",
                                             f"{base}unanswered.csv" + (f"?{query}" if query else "")),
                                 headers={"Cache-Control": "no-store"})

        @staff.route("/unanswered.csv", methods=["GET"])
        async def unanswered(request: Request) -> response.HTTPResponse:
            if (refusal := refused(request)) is not None:
                return refusal
            report = await report_for(request)
            if isinstance(report, response.HTTPResponse):
                return report
            return response.text(unanswered_csv(report), content_type="text/csv; charset=utf-8",
                                 headers={"Content-Disposition": 'attachment; filename="unanswered.csv"',
                                          "Cache-Control": "no-store"})

        @staff.route(f"/{PLOTLY_JS}", methods=["GET"])
        async def plotly(request: Request) -> response.HTTPResponse:
            if (refusal := refused(request)) is not None:
                return refusal
            return response.raw(plotly_js(), content_type="application/javascript; charset=utf-8",
                                headers={"Cache-Control": "private, max-age=86400"})

        return staff
