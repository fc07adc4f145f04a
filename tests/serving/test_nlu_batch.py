"""bot/serving.py's nlu_batch: messages analysed together get what each gets analysed alone (Rasa's way)."""
from __future__ import annotations

import asyncio

import pytest

from bot.settings import PROJECT_ROOT


def _heldout_texts() -> list[str]:
    from bot.nlu.evaluation import load_heldout

    return [example.text for example in load_heldout(PROJECT_ROOT / "tests/nlu/heldout_independent")][::3]


def _same_analysis(together: dict, alone: dict) -> None:
    """The same intent, entities, language and ranking; the same confidences up to float32 rounding (a batch's
    matrix products round differently: 1.8e-6 measured on one text, so 1e-5)."""
    assert together["intent"]["name"] == alone["intent"]["name"], alone["text"]
    assert together["intent"]["confidence"] == pytest.approx(alone["intent"]["confidence"], abs=1e-5)
    assert together["entities"] == alone["entities"], alone["text"]
    ranked = [(i["name"], i["confidence"]) for i in together["intent_ranking"]]
    expected = [(i["name"], i["confidence"]) for i in alone["intent_ranking"]]
    assert [name for name, _ in ranked] == [name for name, _ in expected], alone["text"]
    assert [c for _, c in ranked] == pytest.approx([c for _, c in expected], abs=1e-5)
    assert {k: v for k, v in together.items() if k not in ("intent", "intent_ranking")} == \
        {k: v for k, v in alone.items() if k not in ("intent", "intent_ranking")}


def _count_batches(agent, monkeypatch) -> list[int]:
    """How many texts each of DIET's TensorFlow calls classifies, from now on."""
    from rasa.nlu.classifiers.diet_classifier import DIETClassifier

    [diet] = [node._component for node in agent.processor.graph_runner._instantiated_nodes.values()
              if isinstance(node._component, DIETClassifier)]
    batches: list[int] = []
    run_inference = diet.model.run_inference

    def counted(model_data, *args, **kwargs):
        batches.append(model_data.number_of_examples())
        return run_inference(model_data, *args, **kwargs)

    monkeypatch.setattr(diet.model, "run_inference", counted)
    return batches


def _analyse_together(processor, texts: list[str]) -> list[dict]:
    """`texts` waiting at once, analysed in one pass as the event loop would find them."""
    from rasa.core.channels.channel import UserMessage

    from bot import serving

    outcomes = serving._parse_together(processor, [(UserMessage(text), None, True) for text in texts])
    assert all(error is None for _, error in outcomes)
    return [parsed for parsed, _ in outcomes]


def test_texts_analysed_four_at_a_time_get_what_each_gets_alone(agent, monkeypatch):
    from rasa.core.channels.channel import UserMessage

    from bot import serving

    serving.install(off=["nlu_cache"])  # every text analysed, both ways
    try:
        batches = _count_batches(agent, monkeypatch)
        processor, texts = agent.processor, _heldout_texts()
        alone = [serving._original_parse(processor, UserMessage(text), None) for text in texts]
        together = [parsed for start in range(0, len(texts), 4)
                    for parsed in _analyse_together(processor, texts[start:start + 4])]
        assert len(texts) > 200 and max(batches) == 4
        for mine, rasas in zip(together, alone, strict=True):
            _same_analysis(mine, rasas)
    finally:
        serving.install()


def test_when_a_batch_cannot_be_analysed_each_message_is_analysed_alone(agent, monkeypatch):
    from rasa.core.channels.channel import UserMessage

    from bot import serving

    serving.install(off=["nlu_cache"])
    try:
        processor = agent.processor
        run = processor.graph_runner.run

        def refuse_batches(inputs, targets):
            if len(inputs.get("__message__", [])) > 1:
                raise RuntimeError("a batch")
            return run(inputs=inputs, targets=targets)

        monkeypatch.setattr(processor.graph_runner, "run", refuse_batches)
        texts = ["xin chào", "vé bảo tàng bao nhiêu", "dk tam tru can giay to gi"]
        for mine, text in zip(_analyse_together(processor, texts), texts, strict=True):
            _same_analysis(mine, serving._original_parse(processor, UserMessage(text), None))
    finally:
        serving.install()


def test_turns_arriving_together_share_one_analysis_and_get_their_own_answers(agent, monkeypatch):
    """Through Agent.handle_text, as the channels call it: turns started together are analysed in one batch (in
    the analysis thread), and each gets the answers it gets alone."""
    batches = _count_batches(agent, monkeypatch)
    texts = ["giờ mở cửa của bảo tàng quảng ninh", "thủ tục làm căn cước cần gì", "where is Yen Tu", "chào bạn"]

    async def together() -> list:
        return await asyncio.gather(*(agent.handle_text(text, sender_id=f"batch-{i}") for i, text in enumerate(texts)))

    answers = asyncio.run(together())
    assert max(batches) > 1
    alone = [asyncio.run(agent.handle_text(text, sender_id=f"alone-{i}")) for i, text in enumerate(texts)]
    assert [[m.get("text") for m in answer] for answer in answers] == \
        [[m.get("text") for m in answer] for answer in alone]


def test_a_batch_waits_a_moment_for_turns_still_reading_their_tracker(agent, monkeypatch):
    """QN_NLU_BATCH_WAIT_MS: a turn that reaches its analysis while another turn is still reading its tracker is
    analysed together with it; without the wait, each alone. The answers are those of each turn alone."""
    from bot import serving

    batches = _count_batches(agent, monkeypatch)
    analyses = serving._analyses_of(agent.processor)
    get_tracker = agent.processor.get_tracker

    async def slow_get_tracker(conversation_id: str):
        if conversation_id.startswith("slow"):
            await asyncio.sleep(0.03)  # a slow tracker store
        return await get_tracker(conversation_id)

    monkeypatch.setattr(agent.processor, "get_tracker", slow_get_tracker)
    pairs = {0.0: ["bảo tàng có mở cửa thứ hai không vậy", "phí làm hộ chiếu là bao nhiêu tiền"],
             0.5: ["bảo tàng thứ ba có mở cửa không", "làm hộ chiếu mất bao nhiêu tiền vậy"]}
    answers = {}
    for wait, (quick, slow) in pairs.items():
        monkeypatch.setattr(analyses, "wait_seconds", wait)
        batches.clear()

        async def together(quick: str = quick, slow: str = slow, wait: float = wait) -> list:
            return await asyncio.gather(agent.handle_text(quick, sender_id=f"quick-{wait}"),
                                        agent.handle_text(slow, sender_id=f"slow-{wait}"))

        answers[wait] = asyncio.run(together())
        assert batches == ([1, 1] if wait == 0 else [2])
    assert analyses.coming == 0
    monkeypatch.setattr(analyses, "wait_seconds", 0.0)
    for wait, texts in pairs.items():
        alone = [asyncio.run(agent.handle_text(text, sender_id=f"alone-{wait}-{i}")) for i, text in enumerate(texts)]
        assert [[m.get("text") for m in answer] for answer in answers[wait]] == \
            [[m.get("text") for m in answer] for answer in alone]
