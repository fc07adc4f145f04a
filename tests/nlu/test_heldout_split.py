"""The held-out sets measure what users will see only if training never saw them."""
import pytest

from bot.nlu.evaluation import HELDOUT_SETS, STYLES, leaked, load_heldout, training_texts
from bot.settings import PROJECT_ROOT

SETS = [PROJECT_ROOT / path for path in HELDOUT_SETS.values()]


@pytest.mark.parametrize("heldout", SETS, ids=list(HELDOUT_SETS))
def test_no_heldout_example_is_in_training_even_folded_or_nearly(heldout):
    assert leaked(load_heldout(heldout), training_texts(PROJECT_ROOT / "data" / "nlu")) == []


@pytest.mark.parametrize("heldout", SETS, ids=list(HELDOUT_SETS))
def test_every_style_covers_every_intent_it_is_trained_on(heldout):
    examples = load_heldout(heldout)
    trained = {line.split(":", 1)[1].strip() for path in (PROJECT_ROOT / "data" / "nlu").glob("*.yml")
               for line in path.read_text(encoding="utf-8").splitlines() if line.startswith("- intent:")}
    for style in STYLES:
        assert {e.intent for e in examples if e.style == style} == trained, style


def test_the_independent_set_is_large_enough_to_measure_each_style():
    examples = load_heldout(SETS[1])
    assert len(examples) >= 600 and all(sum(e.style == style for e in examples) >= 150 for style in STYLES)
