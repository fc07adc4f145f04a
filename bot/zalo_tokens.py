"""The Zalo OA access token, renewed before it runs out.

An OA access token lasts about a day (Zalo says how long in `expires_in`). Zalo's OAuth server exchanges a
refresh token for a new access token and a new refresh token; each refresh token can be used once. So:

- With ZALO_APP_SECRET and ZALO_OA_REFRESH_TOKEN set, the channel renews the access token an hour before it
  expires (or at once, when the OA API calls the token invalid: error -216), and keeps the newest pair in the
  database (QN_DATABASE_URL), so that a restart continues from it instead of from the refresh token already
  spent. A refresh token the operator puts in the environment later (after authorising the app again) takes
  over from the stored pair.
- Without them, ZALO_OA_ACCESS_TOKEN is used as it is, and the operator renews it by hand.

Renewals are serialised: in one process by a lock, across processes (several servers on one PostgreSQL) by
locking the stored row while renewing. Tokens are secrets: they are never logged, and the environment's
refresh token is remembered only as a hash.

It lives beside bot/settings.py, which reads the Zalo credentials an operator configures (ZaloSettings); this
module keeps the ones Zalo hands back. It is not in bot/channels/: a channel turns messages into Rasa turns and
knows nothing of the database, while this is a credential with a table of its own (its schema in bot/migrations).
"""
from __future__ import annotations

import asyncio
import hashlib
import logging
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Callable

import httpx
from sqlalchemy import Column, DateTime, String, Text, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from bot.db import Base
from bot.schema import migrate

logger = logging.getLogger(__name__)


RENEW_BEFORE_SECONDS = 3600.0  # renew this long before the access token expires
RETRY_AFTER_SECONDS = 60.0  # after a failed renewal, wait this long before trying again
INVALID_TOKEN_ERROR = -216  # the OA API's "Access token is invalid"


class StoredZaloToken(Base):
    __tablename__ = "zalo_tokens"
    app_id = Column(String(64), primary_key=True)
    access_token = Column(Text, nullable=False)
    refresh_token = Column(Text, nullable=False)
    expires_at = Column(DateTime(timezone=True), nullable=False)
    # sha256 of the environment's refresh token this pair descends from: a new one there takes over
    seed_hash = Column(String(64), nullable=False)
    renewed_at = Column(DateTime(timezone=True), nullable=False)


@dataclass(frozen=True)
class TokenPair:
    access_token: str
    refresh_token: str
    expires_at: float  # Unix time


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


class ZaloTokenStore:
    """The newest token pair per Zalo app, in the database."""

    def __init__(self, engine: Engine):
        self.engine = engine
        migrate(engine)

    def load(self, app_id: str, seed: str) -> TokenPair | None:
        """The stored pair, unless it descends from another refresh token than `seed`."""
        with Session(self.engine) as session:
            return _pair_from(session.get(StoredZaloToken, app_id), seed)

    def renew(self, app_id: str, seed: str, due: Callable[[TokenPair | None], bool],
              exchange: Callable[[str], TokenPair | None]) -> tuple[TokenPair | None, bool]:
        """If `due(stored pair)`, exchange the newest refresh token for a new pair and store it, with the row
        locked meanwhile (PostgreSQL: another server renewing waits, then finds the new pair). Returns the
        pair to use and whether it is fresh (False: the exchange failed, the stored pair is all there is)."""
        with Session(self.engine) as session, session.begin():
            row = session.execute(select(StoredZaloToken).where(StoredZaloToken.app_id == app_id)
                                  .with_for_update()).scalar_one_or_none()
            current = _pair_from(row, seed)
            if not due(current):
                return current, True
            renewed = exchange(current.refresh_token if current else seed)
            if renewed is None:
                return current, False
            now = datetime.now(timezone.utc)
            values = dict(access_token=renewed.access_token, refresh_token=renewed.refresh_token,
                          expires_at=datetime.fromtimestamp(renewed.expires_at, timezone.utc), seed_hash=_hash(seed),
                          renewed_at=now)
            if row is None:
                session.add(StoredZaloToken(app_id=app_id, **values))
            else:
                for name, value in values.items():
                    setattr(row, name, value)
            return renewed, True


def _pair_from(row: StoredZaloToken | None, seed: str) -> TokenPair | None:
    """The stored pair, if there is one and it descends from `seed`."""
    if row is None or row.seed_hash != _hash(seed):
        return None
    expires_at = row.expires_at if row.expires_at.tzinfo else row.expires_at.replace(tzinfo=timezone.utc)
    return TokenPair(row.access_token, row.refresh_token, expires_at.timestamp())


class ZaloAccessToken:
    """Gives the access token to send with now, renewing it when due (see the module's docstring)."""

    def __init__(self, app_id: str, static_token: str, app_secret: str = "", refresh_token: str = "",
                 oauth_base_url: str = "https://oauth.zaloapp.com", store: ZaloTokenStore | None = None,
                 clock: Callable[[], float] = time.time):
        self.app_id, self.static_token = app_id, static_token
        self.app_secret, self.seed = app_secret, refresh_token
        self.oauth_url = f"{oauth_base_url.rstrip('/')}/v4/oa/access_token"
        self.store, self.clock = store, clock
        self._pair: TokenPair | None = None
        self._lock = asyncio.Lock()
        self._failed_at = float("-inf")

    @property
    def renews(self) -> bool:
        return bool(self.app_secret and self.seed and self.store is not None)

    async def get(self, http: httpx.AsyncClient) -> str:
        if not self.renews:
            return self.static_token
        assert self.store is not None  # renews implies a store
        if self._pair is None:
            self._pair = self.store.load(self.app_id, self.seed)
        if self._pair is not None and self._pair.expires_at - self.clock() > RENEW_BEFORE_SECONDS:
            return self._pair.access_token
        return await self._renew(http, rejected=None)

    async def rejected(self, http: httpx.AsyncClient, token: str) -> str | None:
        """The OA API called `token` invalid: a renewed token to retry with, or None."""
        if not self.renews:
            return None
        renewed = await self._renew(http, rejected=token)
        return renewed if renewed and renewed != token else None

    async def _renew(self, http: httpx.AsyncClient, rejected: str | None) -> str:
        async with self._lock:
            now = self.clock()
            known = self._pair
            if known and known.access_token != rejected and known.expires_at - now > RENEW_BEFORE_SECONDS:
                return known.access_token  # renewed while this call waited for the lock
            if now - self._failed_at < RETRY_AFTER_SECONDS:
                return known.access_token if known else self.static_token

            def due(stored: TokenPair | None) -> bool:
                return (stored is None or stored.access_token == rejected
                        or stored.expires_at - now <= RENEW_BEFORE_SECONDS)

            # The exchange is an HTTP call made while the stored row is locked: it runs in a worker thread
            # with a synchronous client, and the event loop goes on serving other users meanwhile.
            store = self.store
            assert store is not None  # renews implies a store
            pair, fresh = await asyncio.to_thread(store.renew, self.app_id, self.seed, due, self._exchange)
            if pair is not None:
                self._pair = pair
            if not fresh:
                self._failed_at = now
                logger.error("Zalo access token could not be renewed; replies to Zalo users may fail until it "
                             "is (README: Configuration, ZALO_OA_REFRESH_TOKEN)")
            return pair.access_token if pair else self.static_token

    def _exchange(self, refresh_token: str) -> TokenPair | None:
        """Zalo's OAuth server: a refresh token for a new access token and refresh token."""
        try:
            answer = httpx.post(self.oauth_url, headers={"secret_key": self.app_secret}, timeout=20,
                                data={"refresh_token": refresh_token, "app_id": self.app_id,
                                      "grant_type": "refresh_token"})
            body = answer.json()
        except (httpx.HTTPError, ValueError) as error:
            logger.warning("Zalo's OAuth server gave no answer: %s", type(error).__name__)
            return None
        try:
            pair = TokenPair(str(body["access_token"]), str(body["refresh_token"]),
                             self.clock() + float(body["expires_in"]))
        except (KeyError, TypeError, ValueError):
            detail = {key: body.get(key) for key in ("error", "error_name", "error_description", "message")} \
                if isinstance(body, dict) else "not a JSON object"
            logger.warning("Zalo refused to renew the access token: %s", detail)
            return None
        logger.info("Zalo access token renewed; valid for %.0f hours", (pair.expires_at - self.clock()) / 3600)
        return pair
