"""The clarifying fallback and the hand-over to official channels."""
from __future__ import annotations

import logging

import pytest
import yaml

from actions.core import ActionAskAffirmation, ActionRequestHuman
from tests.actions.conftest import make_tracker, rendered, run_action
from tests.conftest import KNOWLEDGE_DIR

UNSURE = [("nlu_fallback", 0.5), ("help", 0.41), ("out_of_scope", 0.3), ("request_human", 0.2), ("greet", 0.1),
          ("bot_challenge", 0.05)]


@pytest.mark.asyncio
async def test_unsure_bot_offers_the_three_likeliest_intents_as_buttons(domain):
    messages, _ = await run_action(ActionAskAffirmation(), make_tracker("giup toi voi", "nlu_fallback", UNSURE),
                                   domain)
    [message] = messages
    assert message["response"] == "utter_ask_affirmation"
    assert [b["payload"] for b in message["buttons"]] == ["/help", "/request_human", "/greet", "/out_of_scope"]
    assert [b["title"] for b in message["buttons"]] == ["Bạn giúp được gì?", "Gặp nhân viên", "Chào hỏi",
                                                       "Không phải"]


@pytest.mark.asyncio
async def test_button_titles_follow_the_users_language_and_keep_entities(domain):
    tracker = make_tracker("help pls", "nlu_fallback", UNSURE, language="en",
                           entities=[{"entity": "language", "value": "en"}, {"entity": "place", "value": "yen-tu"}])
    messages, _ = await run_action(ActionAskAffirmation(), tracker, domain)
    buttons = messages[0]["buttons"]
    assert buttons[0] == {"title": "What can you do?", "payload": '/help{"place": "yen-tu"}'}
    assert buttons[-1]["title"] == "None of these"


@pytest.mark.asyncio
async def test_request_human_lists_the_official_contacts_from_the_knowledge_files(domain, rasa_domain, knowledge_db):
    messages, _ = await run_action(ActionRequestHuman(), make_tracker("cho gặp nhân viên", "request_human"), domain)
    assert messages[0]["response"] == "utter_request_human_intro"
    text = (await rendered(messages, rasa_domain))[1]["text"]
    contacts = yaml.safe_load((KNOWLEDGE_DIR / "contacts.yml").read_text(encoding="utf-8"))["contacts"]
    for contact in contacts:
        assert contact["name"] in text
        if contact.get("phone"):
            assert str(contact["phone"]) in text


@pytest.mark.asyncio
async def test_without_contacts_the_bot_says_so_instead_of_inventing_one(domain, tmp_path, monkeypatch):
    from actions import base
    from bot.db import get_engine
    from bot.schema import migrate

    url = f"sqlite:///{tmp_path / 'empty.db'}"
    migrate(get_engine(url))
    monkeypatch.setenv("QN_DATABASE_URL", url)
    base.knowledge_base.cache_clear()
    messages, _ = await run_action(ActionRequestHuman(), make_tracker("gặp nhân viên", "request_human"), domain)
    base.knowledge_base.cache_clear()
    assert [m["response"] for m in messages] == ["utter_request_human_none"]


@pytest.mark.asyncio
async def test_a_broken_database_gives_a_polite_reply_and_a_log_without_the_user_id(domain, tmp_path, monkeypatch,
                                                                                      caplog):
    from actions import base

    monkeypatch.setenv("QN_DATABASE_URL", f"sqlite:///{tmp_path / 'no-tables.db'}")
    base.knowledge_base.cache_clear()
    with caplog.at_level(logging.ERROR):
        messages, events = await run_action(ActionRequestHuman(),
                                            make_tracker("gặp nhân viên", "request_human", sender="0912345678"),
                                            domain)
    base.knowledge_base.cache_clear()
    assert [m["response"] for m in messages] == ["utter_internal_error"] and events == []
    assert "action_request_human failed" in caplog.text and "0912345678" not in caplog.text
