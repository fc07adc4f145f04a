"""Conversations through the REST channel of a running bot, as a user would have them."""
from __future__ import annotations

import uuid

import yaml

from bot.channels.guard import APOLOGY


def new_user() -> str:
    return f"test-{uuid.uuid4().hex[:8]}"


def test_vietnamese_greeting_gets_a_vietnamese_answer(running_bot):
    [reply] = running_bot.say(new_user(), "xin chào bạn")
    assert "Xin chào" in reply["text"] and "Quảng Ninh" in reply["text"]


def test_english_greeting_gets_an_english_answer_and_the_language_follows_the_user(running_bot):
    user = new_user()
    [reply] = running_bot.say(user, "hello, good morning")
    assert reply["text"].startswith("Hello")
    assert running_bot.slot(user, "language") == "en"
    [reply] = running_bot.say(user, "bạn giúp được gì?")
    assert reply["text"].startswith("Tôi có thể giúp bạn")
    assert running_bot.slot(user, "language") == "vi"


def test_help_without_diacritics_and_in_teencode(running_bot):
    assert running_bot.texts(new_user(), "ban giup duoc gi")[0].startswith("Tôi có thể giúp bạn")
    assert running_bot.texts(new_user(), "bot lam dc j z")[0].startswith("Tôi có thể giúp bạn")


def test_out_of_scope_question_is_declined_politely(running_bot):
    [reply] = running_bot.say(new_user(), "giá vàng hôm nay bao nhiêu?")
    assert "ngoài phạm vi" in reply["text"]


def test_gibberish_gets_a_clarifying_question_with_buttons_then_a_way_out(running_bot):
    user = new_user()
    [first] = running_bot.say(user, "qwrtx zzkp vbnm")
    assert first["buttons"], "the bot offers its best guesses as buttons"
    assert first["buttons"][-1]["payload"] == "/out_of_scope"
    [second] = running_bot.say(user, "/out_of_scope")  # "none of these"
    assert "nói cách khác" in second["text"]
    [again] = running_bot.say(user, "xkcd plmq rrrt")  # still not understood: the guesses once more
    assert again["buttons"][-1]["payload"] == "/out_of_scope"
    [last] = running_bot.say(user, "/out_of_scope")
    assert "gặp nhân viên" in last["text"] and {b["payload"] for b in last["buttons"]} == {"/help", "/request_human"}


def test_choosing_a_guess_answers_that_intent(running_bot):
    user = new_user()
    [first] = running_bot.say(user, "qwrtx zzkp vbnm")
    help_button = next((b for b in first["buttons"] if b["payload"] == "/help"), None)
    payload = help_button["payload"] if help_button else "/help"
    assert running_bot.texts(user, payload)[0].startswith("Tôi có thể giúp bạn")


def test_asking_for_a_person_lists_the_official_contacts_and_follows_a_staff_load(running_bot):
    texts = " ".join(running_bot.texts(new_user(), "cho tôi gặp nhân viên"))
    path = running_bot.knowledge_dir / "contacts.yml"
    document = yaml.safe_load(path.read_text(encoding="utf-8"))
    for contact in document["contacts"]:
        assert contact["name"] in texts
    removed = document["contacts"].pop()
    path.write_text(yaml.safe_dump(document, allow_unicode=True), encoding="utf-8")
    running_bot.staff_load()  # the bot keeps running
    texts = " ".join(running_bot.texts(new_user(), "cho tôi gặp nhân viên"))
    assert removed["name"] not in texts


def test_a_10000_character_message_gets_an_answer(running_bot):
    replies = running_bot.say(new_user(), "xin chào " + "a" * 10000)
    assert replies and all(len(m.get("text", "")) < 4096 for m in replies)


def test_when_the_action_server_is_down_the_user_still_gets_a_polite_reply(running_bot):
    running_bot.stop_actions()
    try:
        assert running_bot.texts(new_user(), "cho tôi gặp nhân viên") == [APOLOGY["vi"]]
        assert running_bot.texts(new_user(), "I want to talk to a human") == [APOLOGY["en"]]
        # Answers that need no action keep working.
        assert running_bot.texts(new_user(), "xin chào")[0].startswith("Xin chào")
    finally:
        running_bot.start_actions()
    # Back at once, and whole: Rasa does not keep using connections to the stopped server, and the restarted
    # server answers from the knowledge base (the official contacts), neither apology.
    contacts = yaml.safe_load((running_bot.knowledge_dir / "contacts.yml").read_text(encoding="utf-8"))["contacts"]
    assert contacts[0]["name"] in " ".join(running_bot.texts(new_user(), "cho tôi gặp nhân viên"))
