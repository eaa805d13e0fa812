"""Intent and entity scores on small hand-made predictions, checked against hand-computed numbers."""

import pytest

from bot.trainer.data.annotations import EntitySpan
from bot.trainer.evaluation.metrics import Prediction, confusion_matrix, entity_report, intent_report

PREDICTIONS = [
    Prediction("gdzie paczka", ("order_status",), "order_status"),
    Prediction("status", ("order_status",), "order_status"),
    Prediction("kiedy dojdzie", ("order_status",), "delivery_time"),
    Prediction("ile trwa dostawa", ("delivery_time",), "delivery_time"),
    Prediction("hej", ("greet",), "nlu_fallback"),
    # A benchmark row accepting two intents: either is right, and the one chosen is its reference.
    Prediction("when will it come", ("order_status", "delivery_time"), "delivery_time"),
]


def test_accuracy_counts_any_accepted_intent():
    assert intent_report(PREDICTIONS)["accuracy"] == pytest.approx(4 / 6, abs=1e-4)


def test_per_intent_scores_and_macro_f1_over_the_intents_in_the_data():
    report = intent_report(PREDICTIONS)
    # order_status: 2 of 3 found, 2 of 2 predictions right; delivery_time: 2 of 2 found, 2 of 3 right.
    assert report["per_intent"]["order_status"] == {"precision": 1.0, "recall": 0.6667, "f1": 0.8, "support": 3}
    assert report["per_intent"]["delivery_time"] == {"precision": 0.6667, "recall": 1.0, "f1": 0.8, "support": 2}
    assert report["per_intent"]["greet"] == {"precision": 0.0, "recall": 0.0, "f1": 0.0, "support": 1}
    assert "nlu_fallback" not in report["per_intent"]  # predicted, never expected: no row of its own
    assert report["macro_f1"] == pytest.approx((0.8 + 0.8 + 0.0) / 3, abs=1e-4)


def test_worst_confusions_come_first_with_their_texts():
    many = PREDICTIONS + [Prediction("witam", ("greet",), "nlu_fallback")]
    assert intent_report(many)["confusions"] == [
        {"expected": "greet", "predicted": "nlu_fallback", "count": 2, "examples": ["hej", "witam"]},
        {"expected": "order_status", "predicted": "delivery_time", "count": 1, "examples": ["kiedy dojdzie"]},
    ]


def test_confusion_matrix_rows_are_expected_intents_columns_include_other_predictions():
    labels, counts = confusion_matrix(PREDICTIONS)
    assert labels == ["delivery_time", "greet", "order_status", "nlu_fallback"]
    assert counts == [[2, 0, 0, 0], [0, 0, 0, 1], [1, 0, 2, 0], [0, 0, 0, 0]]


def test_empty_predictions_have_no_scores():
    assert intent_report([])["accuracy"] is None and intent_report([])["macro_f1"] is None


def test_entity_precision_and_recall_need_the_same_type_over_the_same_characters():
    order, email = EntitySpan("order_id", 10, 15, "48213"), EntitySpan("email", 20, 30, "a@b.pl")
    expected = [[order, email], [EntitySpan("postcode", 0, 6, "00-950")]]
    predicted = [[order, EntitySpan("email", 20, 28, "a@b")], [EntitySpan("postcode", 0, 6, "00-950"),
                                                              EntitySpan("order_id", 8, 13, "12345")]]
    report = entity_report(expected, predicted)
    assert (report["precision"], report["recall"]) == (0.5, 0.6667)
    assert report["per_entity"]["email"] == {"precision": 0.0, "recall": 0.0, "f1": 0.0, "support": 1}
    assert report["per_entity"]["order_id"] == {"precision": 0.5, "recall": 1.0, "f1": 0.6667, "support": 1}
    assert report["per_entity"]["postcode"]["f1"] == 1.0
