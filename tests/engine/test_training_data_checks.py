"""Rasa's own checks on the repo's data and model: validation, test stories, held-out accuracy."""

import pytest

from bot.settings import PROJECT_ROOT
from bot.trainer.data.project import ProjectLayout
from bot.trainer.data.rasa_cli import run_rasa, story_test_argv, validate_argv
from bot.trainer.evaluation.datasets import heldout_set

LAYOUT = ProjectLayout(PROJECT_ROOT)
# A floor well under the benchmark's numbers: it catches a broken retrain, not noise.
MIN_HELDOUT_ACCURACY = 0.92


def test_rasa_data_validate_passes_with_warnings_as_errors():
    result = run_rasa(validate_argv(LAYOUT), PROJECT_ROOT, timeout=300)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]


def test_every_test_story_passes(tmp_path):
    result = run_rasa(story_test_argv(LAYOUT, tmp_path) + ["--fail-on-prediction-errors"], PROJECT_ROOT, timeout=900)
    failed = tmp_path / "failed_test_stories.yml"
    assert result.returncode == 0, (failed.read_text() if failed.exists() else "") + result.stderr[-3000:]


@pytest.mark.parametrize("language", ["pl", "en"])
def test_heldout_intent_accuracy(stack, language):
    rows = heldout_set(LAYOUT, language).rows
    with stack.engine.client(timeout=30) as client:
        hits = sum(client.post("/model/parse", json={"text": row.text}).json()["intent"]["name"] in row.accept
                   for row in rows)
    assert hits / len(rows) >= MIN_HELDOUT_ACCURACY
