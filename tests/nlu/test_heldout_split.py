"""The held-out split measures what users will see only if training never saw it."""
from bot.nlu.evaluation import STYLES, leaked, load_heldout, training_texts
from bot.settings import PROJECT_ROOT

HELDOUT = PROJECT_ROOT / "tests" / "nlu" / "heldout"


def test_no_heldout_example_is_in_training_even_folded_or_nearly():
    assert leaked(load_heldout(HELDOUT), training_texts(PROJECT_ROOT / "data" / "nlu")) == []


def test_every_style_covers_every_intent_it_is_trained_on():
    examples = load_heldout(HELDOUT)
    trained = {line.split(":", 1)[1].strip() for path in (PROJECT_ROOT / "data" / "nlu").glob("*.yml")
               for line in path.read_text(encoding="utf-8").splitlines() if line.startswith("- intent:")}
    for style in STYLES:
        assert {e.intent for e in examples if e.style == style} == trained, style
