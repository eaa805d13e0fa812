"""What got better and what got worse between two evaluation runs (results of `koliber eval`)."""

from dataclasses import dataclass, field

# Smaller moves are one or two sentences flipping, not a change worth a line.
TOLERANCE = 0.005


@dataclass(frozen=True)
class Change:
    dataset: str
    measure: str  # "accuracy", "macro-F1", "F1 of order_status", "entity F1", "test stories passed"
    before: float
    after: float

    @property
    def delta(self) -> float:
        return self.after - self.before

    def line(self) -> str:
        return f"{self.dataset}: {self.measure} {self.before:.3f} → {self.after:.3f} ({self.delta:+.3f})"


@dataclass
class Comparison:
    previous_run: str
    better: list[Change] = field(default_factory=list)
    worse: list[Change] = field(default_factory=list)

    def lines(self) -> list[str]:
        lines = [f"Compared with the previous run ({self.previous_run}):"]
        if not self.better and not self.worse:
            return lines + ["  no change beyond ±{:.3f}".format(TOLERANCE)]
        lines += [f"  better: {c.line()}" for c in self.better]
        lines += [f"  worse:  {c.line()}" for c in self.worse]
        return lines


def _measures(results: dict) -> dict[tuple[str, str], float]:
    """Every comparable number of a run, keyed by (data set, measure)."""
    values: dict[tuple[str, str], float] = {}
    for name, data in (results.get("datasets") or {}).items():
        for key, label in (("accuracy", "accuracy"), ("macro_f1", "macro-F1")):
            if data.get(key) is not None:
                values[(name, label)] = data[key]
        for intent, scores in (data.get("per_intent") or {}).items():
            values[(name, f"F1 of {intent}")] = scores["f1"]
        if data.get("entities"):
            values[(name, "entity F1")] = data["entities"]["f1"]
    stories = results.get("stories")
    if stories and stories.get("total"):
        values[("test stories", "share passed")] = stories["passed"] / stories["total"]
    return values


def compare(previous: dict, current: dict, tolerance: float = TOLERANCE) -> Comparison:
    """Measures both runs have, sorted by how much they moved; new or dropped measures are not changes."""
    before, after = _measures(previous), _measures(current)
    changes = [Change(dataset, measure, before[(dataset, measure)], value)
               for (dataset, measure), value in after.items() if (dataset, measure) in before]
    moved = sorted((c for c in changes if abs(c.delta) > tolerance), key=lambda c: -abs(c.delta))
    return Comparison(previous.get("run", "?"), [c for c in moved if c.delta > 0], [c for c in moved if c.delta < 0])
