"""Our Rasa components, on messages, without a trained model."""
from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st
from rasa.shared.nlu.training_data.message import Message

from bot.nlu.entry_points import EntryPointClassifier, recognise
from bot.nlu.vocabulary import OutOfVocabularyGuard, known_share


def test_qr_payloads_and_coordinates_are_recognised_exactly():
    assert recognise("site-den-cua-ong") == ("open_site", [{"entity": "place", "value": "den-cua-ong",
                                                              "start": 5, "end": 16}])
    intent, entities = recognise("21.0269, 107.3700")
    assert intent == "share_location" and [e["value"] for e in entities] == [21.0269, 107.37]
    assert recognise("đền Cửa Ông ở đâu") is None
    assert recognise("site-") is None and recognise("99.5, 300.1") is None


def test_entry_point_overrides_the_guess_and_keeps_the_language():
    message = Message(data={"text": "site-yen-tu", "intent": {"name": "greet", "confidence": 0.9},
                            "entities": [{"entity": "language", "value": "en"}]})
    EntryPointClassifier().process([message])
    assert message.get("intent") == {"name": "open_site", "confidence": 1.0}
    assert [e["entity"] for e in message.get("entities")] == ["language", "place"]


def _guard(vocabulary):
    return OutOfVocabularyGuard({}, None, None, set(vocabulary))


def test_gibberish_loses_confidence_and_known_text_keeps_it():
    guard = _guard({"ve", "bao", "tang", "nhieu", "tien"})
    gibberish = Message(data={"text": "qwrtx zzkp", "intent": {"name": "affirm", "confidence": 0.97},
                              "intent_ranking": [{"name": "affirm", "confidence": 0.97}]})
    known = Message(data={"text": "vé bảo tàng bao nhiêu tiền", "intent": {"name": "x", "confidence": 0.9},
                          "intent_ranking": [{"name": "x", "confidence": 0.9}]})
    guard.process([gibberish, known])
    assert gibberish.get("intent")["confidence"] == 0.0
    assert gibberish.get("intent_ranking")[0]["confidence"] == 0.0
    assert known.get("intent")["confidence"] == 0.9


def test_known_share_counts_folded_expanded_words():
    assert known_share("vé bn tiền", {"ve", "bao", "nhieu", "tien"}) == 1.0
    assert known_share("ve xyz", {"ve"}) == 0.5
    assert known_share("123 456", set()) == 1.0


def test_named_things_are_featurised_as_their_type():
    from bot.nlu.masking import EntityMasker
    from bot.nlu.tokenizer import VietnameseTokenizer

    text = "chùa Ngọa Vân ở Đông Triều có gì"
    message = Message(data={"text": text, "entities": [
        {"entity": "place", "value": "chua-ngoa-van", "start": 0, "end": 13},
        {"entity": "area", "value": "Đông Triều", "start": 17, "end": 27}]})
    message.set("text_tokens", VietnameseTokenizer(VietnameseTokenizer.get_default_config()).tokenize(message, "text"))
    EntityMasker({}).process([message])
    assert [t.lemma for t in message.get("text_tokens")] == ["__place__", "o", "__area__", "co", "gi"]
    # The featurizer of words as typed sees the same shape; the message's text itself is untouched.
    assert [t.text for t in message.get("text_tokens")][:2] == ["__place__", "ở"]
    assert message.get("text") == text


@given(st.lists(st.sampled_from(["Yen", "Tu", "Relic", "and", "Scenic", "Site", "Bạch", "Đằng"]), min_size=1,
                max_size=8))
def test_a_name_of_any_length_is_featurised_as_one_word(name_words):
    """A long English name ("Yen Tu Relic and Scenic Site") must give the question the shape a short one does."""
    from bot.nlu.masking import EntityMasker
    from bot.nlu.tokenizer import VietnameseTokenizer

    name = " ".join(name_words)
    text = f"tell me about {name}"
    start = text.index(name)
    message = Message(data={"text": text, "entities": [
        {"entity": "place", "value": "x", "start": start, "end": start + len(name)}]})
    message.set("text_tokens", VietnameseTokenizer(VietnameseTokenizer.get_default_config()).tokenize(message, "text"))
    EntityMasker({}).process([message])
    tokens = message.get("text_tokens")
    assert [t.lemma for t in tokens] == ["tell", "me", "about", "__place__"]
    assert (tokens[3].start, tokens[3].end) == (start, len(text))  # the one token covers the whole name
