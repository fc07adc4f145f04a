"""VNPAY's two callbacks, served by the Rasa server (Rasa adds routes through input channels):

- GET /webhooks/vnpay/ipn: VNPAY's server-to-server notification. The only way a booking becomes PAID:
  signature, order, amount and status are checked (bot/tickets/payments.py) and the answer follows
  VNPAY's RspCode protocol.
  The callback that marks a booking paid (only one ever does) then has the e-ticket pushed into the chat the
  booking was made from (bot/notifications/jobs.py, through Rasa's trigger-intent API), after VNPAY has its answer.
- GET /webhooks/vnpay/return: where the user's browser lands after paying. It changes nothing; it says
  whether the payment went through and that the e-ticket is in the chat.

Without QN_VNPAY_* configuration both answer 404 and the bot offers paying at the counter only.

It lives beside bot/tickets/payments.py, not in bot/channels/: nobody talks to the bot here; it is the payment's
concern (a booking's state, read and written in the database), reached over HTTP. It is registered in
credentials.yml as an input channel only because that is how Rasa adds routes to its server, as the staff page
(bot/insight/channel.py) is.
"""
from __future__ import annotations

import asyncio
import html
import logging
from typing import Any, Awaitable, Callable, Text

from rasa.core.channels.channel import InputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request

from bot.notifications.jobs import announce_payment
from bot.settings import current_settings
from bot.tickets.payments import configured_gateway, vnpay_ipn, vnpay_return_ok
from bot.tickets.repository import booking_repository

logger = logging.getLogger(__name__)

RETURN_PAGE = """<!doctype html><html lang="vi"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>{title}</title></head>
<body style="font-family: sans-serif; max-width: 32rem; margin: 2rem auto; padding: 0 1rem">
<h1>{title}</h1><p>{body}</p><p lang="en"><em>{body_en}</em></p></body></html>"""

PAGES = {
    True: ("Thanh toán thành công",
           "Mã đặt vé {code}. Vé điện tử (mã QR) đã được gửi vào cuộc trò chuyện của bạn; nếu chưa thấy, bạn nhắn "
           "“xem vé {code}”.",
           "Payment received for booking {code}. Your e-ticket QR has been sent to your chat; if it is not there, "
           "send “my booking {code}”."),
    False: ("Thanh toán chưa thành công",
            "Vé {code} chưa được thanh toán. Bạn có thể đặt lại trong cuộc trò chuyện hoặc trả tại quầy vé.",
            "Booking {code} is not paid. You can book again in the chat or pay at the ticket counter."),
}


def _params(request: Request) -> dict[str, str]:
    return {key: values[0] for key, values in request.args.items() if values}


async def _announce(code: str) -> None:
    try:
        await announce_payment(code)
    except Exception:  # noqa: BLE001 - the notification job sends it on its next run
        logger.exception("could not push the e-ticket of %s; the notification job will", code)


class VnpayCallbackInput(InputChannel):
    @classmethod
    def name(cls) -> Text:
        return "vnpay"

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        callbacks = Blueprint("vnpay_callbacks", __name__)

        @callbacks.route("/ipn", methods=["GET"])
        async def ipn(request: Request) -> response.HTTPResponse:
            gateway = configured_gateway()
            if gateway is None:
                return response.json({"RspCode": "99", "Message": "Payment gateway not configured"}, status=404)
            params = _params(request)
            result = await asyncio.to_thread(vnpay_ipn, params, gateway,
                                          booking_repository(current_settings().database_url))
            logger.info("VNPAY IPN for %s: %s", params.get("vnp_TxnRef", "?")[:12], result.answer["RspCode"])
            if result.paid_now:  # VNPAY gets its answer now; the e-ticket follows in the chat
                request.app.add_task(_announce(result.paid_now))
            return response.json(result.answer)

        @callbacks.route("/return", methods=["GET"])
        async def returned(request: Request) -> response.HTTPResponse:
            gateway = configured_gateway()
            if gateway is None:
                return response.text("Not found", status=404)
            params = _params(request)
            title, body, body_en = PAGES[vnpay_return_ok(params, gateway)]
            code = html.escape(params.get("vnp_TxnRef", "")[:12])
            return response.html(RETURN_PAGE.format(title=title, body=body.format(code=code),
                                                    body_en=body_en.format(code=code)))

        return callbacks
