"""How the held-out evaluation compares an annotated procedure with what the bot found: the words marked, read as
the bot reads them; where they name several procedures, the one the bot found among them counts."""
from __future__ import annotations

import asyncio

from bot.nlu.evaluation import Example, score


def fake_normaliser():
    ids = {"hộ chiếu": "ho chieu", "làm hộ chiếu": "cap-ho-chieu-pho-thong", "sổ đỏ": "so do"}

    def normalise(entity: str, value: str) -> str:
        return ids.get(value, value)

    def meanings(entity: str, value: str) -> set[str]:
        return {"cap-ho-chieu-pho-thong", "trinh-bao-mat-ho-chieu"} if value == "hộ chiếu" else set()

    normalise.meanings = meanings  # type: ignore[attr-defined]
    return normalise


def f1_of(annotated: str, found: str, text: str = "làm hộ chiếu mất bao lâu") -> float | None:
    async def parse(_: str) -> dict:
        return {"intent": {"name": "ask_processing_time"}, "entities": [{"entity": "procedure", "value": found}]}

    example = Example("vi", text, "ask_processing_time", {("procedure", annotated)}, "procedures")
    return asyncio.run(score([example], parse, fake_normaliser()))["all"].entity_f1


def test_a_name_of_several_procedures_is_found_when_the_bot_picks_one_of_them():
    assert f1_of("hộ chiếu", "làm hộ chiếu") == 1.0


def test_a_procedure_outside_what_the_words_may_mean_is_a_miss():
    assert f1_of("hộ chiếu", "dang-ky-xe-lan-dau") == 0.0
    assert f1_of("sổ đỏ", "dang-ky-xe-lan-dau", "làm sổ đỏ lần đầu") == 0.0


def test_without_meanings_the_comparison_is_exact():
    async def parse(_: str) -> dict:
        return {"intent": {"name": "x"}, "entities": [{"entity": "procedure", "value": "cap-ho-chieu-pho-thong"}]}

    example = Example("vi", "làm hộ chiếu", "x", {("procedure", "hộ chiếu")}, "procedures")
    assert asyncio.run(score([example], parse))["all"].entity_f1 == 0.0
