"""The words actions put inside replies (actions/labels.yml) exist in both languages, and each user sees them in
theirs; the messages themselves are the domain's responses, rendered by Rasa (channel variants included)."""
from __future__ import annotations

import re
import unicodedata

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from actions.heritage import ActionFindPlaces, ActionPlaceInfo, kind_label
from actions.labels import LANGUAGES, label, labels
from bot.knowledge.portal import CHANNEL_KINDS
from bot.knowledge.schema import ONLINE_LEVELS, SITE_KINDS, SITE_RANKS
from bot.settings import PROJECT_ROOT
from bot.tickets.models import CANCELLED, CONFIRMED, EXPIRED, PAID, PENDING_PAYMENT
from tests.actions.conftest import make_tracker, rendered, run_action
from tests.conftest import KNOWLEDGE_DIR

ACTIONS_SOURCE = "\n".join(p.read_text(encoding="utf-8") for p in (PROJECT_ROOT / "actions").glob("*.py"))
# Keys built from the knowledge's closed lists; the literal keys are read from the actions' source.
GENERATED_KEYS = ([f"{prefix}.{kind}" for kind in SITE_KINDS for prefix in ("kind", "kinds")]
                  + [f"rank.{rank}" for rank in SITE_RANKS] + [f"weekday.{day}" for day in range(7)]
                  + [f"procedure.level.{level}" for level in ONLINE_LEVELS]
                  + [f"procedure.channel.{kind}" for kind in CHANNEL_KINDS]
                  + [f"booking.status.{status}" for status in (PENDING_PAYMENT, CONFIRMED, PAID, CANCELLED, EXPIRED)])
LITERAL_KEYS = sorted(set(re.findall(r"""\blabel\(\s*["']([^"'{]+)["']""", ACTIONS_SOURCE)))
SITE = yaml.safe_load((KNOWLEDGE_DIR / "sites.yml").read_text(encoding="utf-8"))["sites"][0]


def has_vietnamese_letters(text: str) -> bool:
    return "đ" in text.lower() or any(unicodedata.combining(ch) for ch in unicodedata.normalize("NFD", text))


def test_every_label_has_both_languages_in_nfc_and_nothing_else():
    for key, texts in labels().items():
        assert set(texts) == set(LANGUAGES), key
        for text in texts.values():
            assert text.strip() and text == unicodedata.normalize("NFC", text), key


@pytest.mark.parametrize("key", GENERATED_KEYS + LITERAL_KEYS)
def test_every_label_the_actions_use_exists(key):
    assert key in labels()


def test_the_fallback_offers_only_intents_the_domain_has(rasa_domain):
    offered = {key.removeprefix("intent.") for key in labels() if key.startswith("intent.")}
    assert offered and offered <= set(rasa_domain.intents)


@given(st.sampled_from(SITE_KINDS), st.sampled_from((None, *SITE_RANKS)))
def test_for_any_kind_and_rank_an_english_card_says_them_in_english(kind, rank):
    english, vietnamese = kind_label(kind, rank, "en"), kind_label(kind, rank, "vi")
    assert not has_vietnamese_letters(english) and "{" not in english  # no unfilled variable either
    assert vietnamese.lower().startswith(kind) and (rank is None or vietnamese.endswith(f"di tích {rank}"))


def test_the_domain_holds_messages_not_labels(rasa_domain):
    labels_in_domain = [name for name in rasa_domain.responses
                        if name.startswith(("utter_label_", "utter_button_", "utter_weekday_", "utter_intent_label_"))]
    assert labels_in_domain == []


def test_the_actions_send_only_responses_the_domain_has(rasa_domain):
    sent = set(re.findall(r"""response=["'](utter_\w+)["']""", ACTIONS_SOURCE))
    sent |= set(re.findall(r"""_response\w*\s*=\s*["'](utter_\w+)["']""", ACTIONS_SOURCE))
    assert sent and sent <= set(rasa_domain.responses)


@pytest.mark.asyncio
@pytest.mark.parametrize("language", LANGUAGES)
async def test_a_sites_card_comes_with_its_buttons_in_the_users_language(language, domain, rasa_domain,
                                                                        knowledge_db):
    tracker = make_tracker(SITE["name"], "ask_place_info", entities=[{"entity": "place", "value": SITE["id"]}],
                           language=language)
    messages, _ = await run_action(ActionPlaceInfo(), tracker, domain)
    [card] = await rendered(messages, rasa_domain, language)
    assert [b["title"] for b in card["buttons"]] == [
        label("place.button.hours", language), label("place.button.fee", language),
        label("place.button.location", language), label("place.button.nearby", language, area=SITE["former_area"])]
    assert ("Opening hours:" in card["text"]) == (language == "en")


@pytest.mark.asyncio
async def test_an_english_list_of_a_kind_is_headed_by_its_english_plural(domain, rasa_domain, knowledge_db):
    tracker = make_tracker("complexes in Quảng Yên", "find_places", language="en",
                           entities=[{"entity": "category", "value": "complex"},
                                     {"entity": "area", "value": "Quảng Yên"}])
    messages, _ = await run_action(ActionFindPlaces(), tracker, domain)
    [reply] = await rendered(messages, rasa_domain, "en")
    assert reply["text"].startswith("Relic complexes in Quảng Yên (")


@pytest.mark.asyncio
async def test_a_channel_variant_of_a_response_is_what_that_channel_gets(domain, rasa_domain, knowledge_db):
    from rasa.shared.core.domain import Domain

    variant = {"text": "[telegram] {name}", "channel": "telegram"}
    with_variant = Domain.from_dict({**domain, "responses": {
        **domain["responses"], "utter_place_card": [variant, *domain["responses"]["utter_place_card"]]}})
    tracker = make_tracker(SITE["name"], "ask_place_info", entities=[{"entity": "place", "value": SITE["id"]}])
    messages, _ = await run_action(ActionPlaceInfo(), tracker, domain)
    [telegram] = await rendered(messages, with_variant, "vi", channel="telegram")
    [web] = await rendered(messages, with_variant, "vi", channel="rest")
    assert telegram["text"] == f"[telegram] {SITE['name']}" and len(telegram["buttons"]) == 4
    assert web["text"].startswith(SITE["name"]) and "[telegram]" not in web["text"]
