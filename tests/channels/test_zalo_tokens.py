"""The Zalo OA access token is renewed before it runs out, from the newest single-use refresh token, once,
and survives a restart; without renewal settings the configured token is used as it is."""
from __future__ import annotations

import asyncio
import logging

import httpx
import pytest
from sqlalchemy import create_engine

from bot.channels.zalo import ZaloOutput, ZaloSettings
from bot.zalo_tokens import RENEW_BEFORE_SECONDS, RETRY_AFTER_SECONDS, ZaloAccessToken, ZaloTokenStore
from tests.conversations.fake_apis import ZALO_ACCESS_TOKEN, ZALO_APP_SECRET, ZALO_REFRESH_TOKEN, FakeApis

APP_ID = "360846524940903967"


class Clock:
    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def apis():
    fake = FakeApis()
    yield fake
    fake.close()


@pytest.fixture
def store(tmp_path):
    return ZaloTokenStore(create_engine(f"sqlite:///{tmp_path / 'tokens.db'}", future=True))


def keeper(apis: FakeApis, store: ZaloTokenStore, clock: Clock, seed: str = ZALO_REFRESH_TOKEN) -> ZaloAccessToken:
    return ZaloAccessToken(APP_ID, "", ZALO_APP_SECRET, seed, apis.url, store, clock)


async def token(keeper_: ZaloAccessToken) -> str:
    async with httpx.AsyncClient() as http:
        return await keeper_.get(http)


@pytest.mark.asyncio
async def test_without_renewal_settings_the_configured_token_is_used_as_it_is(apis):
    static = ZaloAccessToken(APP_ID, ZALO_ACCESS_TOKEN, oauth_base_url=apis.url)
    assert await token(static) == ZALO_ACCESS_TOKEN and not apis.zalo_renewals


@pytest.mark.asyncio
async def test_the_first_use_renews_with_the_configured_refresh_token_and_then_reuses_the_new_token(apis, store):
    clock = Clock()
    tokens = keeper(apis, store, clock)
    first = await token(tokens)
    assert first == apis.zalo_access_token != ZALO_ACCESS_TOKEN
    renewal = apis.zalo_renewals[0]
    assert renewal.headers["secret_key"] == ZALO_APP_SECRET
    assert renewal.params == {"refresh_token": ZALO_REFRESH_TOKEN, "app_id": APP_ID, "grant_type": "refresh_token"}
    clock.now += 90000 - RENEW_BEFORE_SECONDS - 60  # still more than an hour left
    assert await token(tokens) == first and len(apis.zalo_renewals) == 1


@pytest.mark.asyncio
async def test_a_token_near_its_end_is_renewed_from_the_newest_refresh_token_even_after_a_restart(apis, store):
    clock = Clock()
    first = await token(keeper(apis, store, clock))
    restarted = keeper(apis, store, clock)  # same database, same (already spent) refresh token in the environment
    assert await token(restarted) == first and len(apis.zalo_renewals) == 1
    clock.now += 90000 - RENEW_BEFORE_SECONDS + 1
    second = await token(restarted)
    assert second == apis.zalo_access_token != first
    assert apis.zalo_renewals[1].params["refresh_token"] != ZALO_REFRESH_TOKEN  # the one the first renewal gave


@pytest.mark.asyncio
async def test_users_arriving_together_when_the_token_is_due_cause_one_renewal(apis, store):
    tokens = keeper(apis, store, Clock())
    async with httpx.AsyncClient() as http:
        given = await asyncio.gather(*(tokens.get(http) for _ in range(10)))
    assert len(set(given)) == 1 and len(apis.zalo_renewals) == 1


@pytest.mark.asyncio
async def test_a_new_refresh_token_from_the_operator_takes_over_from_the_stored_one(apis, store):
    clock = Clock()
    await token(keeper(apis, store, clock))
    apis.zalo_refresh_token = "zalo-reauthorised-refresh-0123456789"  # the app was authorised again
    fresh = await token(keeper(apis, store, clock, seed="zalo-reauthorised-refresh-0123456789"))
    assert fresh == apis.zalo_access_token and apis.zalo_renewals[-1].params["refresh_token"] == \
        "zalo-reauthorised-refresh-0123456789"


@pytest.mark.asyncio
async def test_a_refused_renewal_keeps_the_old_token_says_so_and_is_retried_later_not_at_once(apis, store, caplog):
    clock = Clock()
    tokens = keeper(apis, store, clock)
    first = await token(tokens)
    apis.zalo_refresh_token = "someone-else-spent-it"
    clock.now += 90000 - RENEW_BEFORE_SECONDS + 1
    with caplog.at_level(logging.INFO):
        assert await token(tokens) == first
        assert await token(tokens) == first
    assert len(apis.zalo_renewals) == 2  # no second attempt within the retry pause
    assert "could not be renewed" in caplog.text
    clock.now += RETRY_AFTER_SECONDS + 1
    await token(tokens)
    assert len(apis.zalo_renewals) == 3


@pytest.mark.asyncio
async def test_a_token_the_api_calls_invalid_is_renewed_and_the_reply_still_delivered(apis, store, caplog):
    settings = ZaloSettings(APP_ID, "oa-secret", "", apis.url, ZALO_APP_SECRET, ZALO_REFRESH_TOKEN, apis.url)
    tokens = keeper(apis, store, Clock())
    with caplog.at_level(logging.DEBUG):
        async with httpx.AsyncClient() as http:
            await tokens.get(http)
            apis.zalo_access_token = "revoked-by-zalo"  # the stored token stops working before its time
            apis.zalo_refresh_token = tokens._pair.refresh_token
            output = ZaloOutput(settings, http, "user-1", tokens)
            await output.send_text_message("user-1", "Xin chào")
    assert output.sent and [c.params["message"]["text"] for c in apis.zalo_sent("user-1")] == ["Xin chào"]
    assert len(apis.zalo_renewals) == 2
    for secret in (ZALO_APP_SECRET, ZALO_REFRESH_TOKEN, apis.zalo_access_token, apis.zalo_refresh_token):
        assert secret not in caplog.text
