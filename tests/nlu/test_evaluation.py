"""The held-out scorer counts what it should: intent accuracy and entity F1 by style and by topic."""
import asyncio

from bot.nlu.evaluation import Example, report, score


def test_scores_by_style_and_topic_with_normalised_entity_values():
    examples = [
        Example("vi", "Yên Tử ở đâu", "ask_place_location", {("place", "Yên Tử")}, "heritage"),
        Example("vi", "chào", "greet", set(), "core"),
        Example("en", "hi", "greet", set(), "core"),
    ]
    answers = {
        "Yên Tử ở đâu": {"intent": {"name": "ask_place_location"},
                         "entities": [{"entity": "place", "value": "yen-tu"}, {"entity": "language", "value": "vi"}]},
        "chào": {"intent": {"name": "goodbye"}, "entities": [{"entity": "area", "value": "x"}]},
        "hi": {"intent": {"name": "greet"}, "entities": []},
    }

    async def parse(text):
        return answers[text]

    normalise = {"Yên Tử": "yen-tu", "yen-tu": "yen-tu", "x": "x"}
    scores = asyncio.run(score(examples, parse, lambda entity, value: normalise[value]))
    assert (scores["vi"].total, scores["vi"].correct) == (2, 1)
    assert scores["vi/heritage"].accuracy == 1.0 and scores["vi/core"].accuracy == 0.0
    assert scores["vi"].entity_f1 == 2 * 0.5 * 1.0 / 1.5  # one right of two predicted, the one expected found
    assert scores["en"].accuracy == 1.0 and scores["en"].entity_f1 is None
    assert len(scores["vi"].errors) == 1 and "chào" in scores["vi"].errors[0]
    assert "vi/heritage" in report(scores)
