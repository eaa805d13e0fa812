"""Comparing two evaluation runs: what got better, what got worse, per data set and per intent."""

from bot.trainer.evaluation.comparison import compare


def run(name: str, accuracy: float, order_f1: float, greet_f1: float, stories_passed: int) -> dict:
    return {
        "run": name,
        "datasets": {"heldout_pl": {"accuracy": accuracy, "macro_f1": (order_f1 + greet_f1) / 2,
                                    "per_intent": {"order_status": {"f1": order_f1}, "greet": {"f1": greet_f1}},
                                    "entities": {"f1": 0.9}}},
        "stories": {"total": 10, "passed": stories_passed},
    }


def test_changes_are_split_into_better_and_worse_biggest_first():
    comparison = compare(run("20261123T100000Z", 0.90, 0.80, 1.00, 9), run("now", 0.95, 0.95, 0.90, 10))
    assert comparison.previous_run == "20261123T100000Z"
    assert [(c.dataset, c.measure) for c in comparison.better] == [
        ("heldout_pl", "F1 of order_status"), ("test stories", "share passed"), ("heldout_pl", "accuracy"),
        ("heldout_pl", "macro-F1")]
    assert [(c.measure, c.before, c.after) for c in comparison.worse] == [("F1 of greet", 1.0, 0.9)]
    lines = comparison.lines()
    assert "  worse:  heldout_pl: F1 of greet 1.000 → 0.900 (-0.100)" in lines


def test_noise_and_new_intents_are_not_changes():
    previous = run("before", 0.900, 0.80, 1.0, 9)
    current = run("now", 0.903, 0.80, 1.0, 9)
    current["datasets"]["heldout_pl"]["per_intent"]["survey_start"] = {"f1": 0.5}
    comparison = compare(previous, current)
    assert not comparison.better and not comparison.worse
    assert comparison.lines()[1].strip().startswith("no change")
