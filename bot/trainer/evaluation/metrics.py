"""Intent and entity scores from predictions: accuracy, macro-F1, per-intent scores, confusions."""

from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from bot.trainer.data.annotations import EntitySpan

CONFUSION_EXAMPLES = 3  # texts shown with each confusion


@dataclass(frozen=True)
class Prediction:
    text: str
    accept: tuple[str, ...]  # the first is the reference intent
    predicted: str

    @property
    def correct(self) -> bool:
        return self.predicted in self.accept

    @property
    def expected(self) -> str:
        """The reference intent; an accepted alternative when the model chose one."""
        return self.predicted if self.correct else self.accept[0]


def _f1(precision: float, recall: float) -> float:
    return 2 * precision * recall / (precision + recall) if precision + recall else 0.0


def _scores(true_positives: int, predicted: int, actual: int) -> dict[str, float]:
    precision = true_positives / predicted if predicted else 0.0
    recall = true_positives / actual if actual else 0.0
    return {"precision": round(precision, 4), "recall": round(recall, 4), "f1": round(_f1(precision, recall), 4)}


def intent_report(predictions: Sequence[Prediction], worst: int = 10) -> dict:
    """Accuracy, macro-F1 over the intents the data contains, per-intent scores and the worst confusions."""
    support = Counter(p.expected for p in predictions)
    predicted = Counter(p.predicted for p in predictions)
    hits = Counter(p.expected for p in predictions if p.correct)
    per_intent = {intent: {**_scores(hits[intent], predicted[intent], support[intent]), "support": support[intent]}
                  for intent in sorted(support)}
    confused: dict[tuple[str, str], list[str]] = defaultdict(list)
    for p in predictions:
        if not p.correct:
            confused[(p.expected, p.predicted)].append(p.text)
    ranked = sorted(confused.items(), key=lambda item: (-len(item[1]), item[0]))[:worst]
    return {
        "examples": len(predictions),
        "accuracy": round(sum(hits.values()) / len(predictions), 4) if predictions else None,
        "macro_f1": round(sum(s["f1"] for s in per_intent.values()) / len(per_intent), 4) if per_intent else None,
        "per_intent": per_intent,
        "confusions": [{"expected": e, "predicted": p, "count": len(texts), "examples": texts[:CONFUSION_EXAMPLES]}
                       for (e, p), texts in ranked],
    }


def confusion_matrix(predictions: Sequence[Prediction]) -> tuple[list[str], list[list[int]]]:
    """Labels (reference intents first, then anything else predicted) and counts[expected][predicted]."""
    expected = sorted({p.expected for p in predictions})
    labels = expected + sorted({p.predicted for p in predictions} - set(expected))
    index = {label: i for i, label in enumerate(labels)}
    matrix = [[0] * len(labels) for _ in labels]
    for p in predictions:
        matrix[index[p.expected]][index[p.predicted]] += 1
    return labels, matrix


def entity_report(expected: Sequence[Sequence[EntitySpan]], predicted: Sequence[Sequence[EntitySpan]]) -> dict:
    """Precision and recall of entities, a hit being the same type over the same characters."""
    true_positives: Counter[str] = Counter()
    found: Counter[str] = Counter()
    actual: Counter[str] = Counter()
    for gold, guess in zip(expected, predicted, strict=True):
        gold_keys = {(s.entity, s.start, s.end) for s in gold}
        guess_keys = {(s.entity, s.start, s.end) for s in guess}
        for entity, _, _ in gold_keys:
            actual[entity] += 1
        for key in guess_keys:
            found[key[0]] += 1
            true_positives[key[0]] += key in gold_keys
    per_entity = {entity: {**_scores(true_positives[entity], found[entity], actual[entity]), "support": actual[entity]}
                  for entity in sorted(actual | found)}
    return {"examples": len(expected),
            **_scores(sum(true_positives.values()), sum(found.values()), sum(actual.values())),
            "per_entity": per_entity}
