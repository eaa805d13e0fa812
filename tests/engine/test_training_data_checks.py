"""Rasa's own checks on the repo's data and model: validation, test stories, held-out accuracy."""

import os
import subprocess

import httpx
import pytest

from benchmarks.run import heldout_rows
from bot.processes import ENGINE_ENV, RASA_BIN
from bot.settings import PROJECT_ROOT

RASA = str(RASA_BIN)
ENV = {**os.environ, **ENGINE_ENV}
# A floor well under the benchmark's numbers: it catches a broken retrain, not noise.
MIN_HELDOUT_ACCURACY = 0.92


def test_rasa_data_validate_passes_with_warnings_as_errors():
    result = subprocess.run(
        [RASA, "data", "validate", "--data", "nlu_data", "stories", "--domain", "domain.yml",
         "--config", "config.yml", "--fail-on-warnings"],
        cwd=PROJECT_ROOT, env=ENV, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]


def test_every_test_story_passes(tmp_path):
    # --e2e checks the customer's words too: every user turn must get the story's intent and entities.
    result = subprocess.run(
        [RASA, "test", "core", "--stories", "tests/stories", "--model", "models", "--out", str(tmp_path),
         "--e2e", "--fail-on-prediction-errors"],
        cwd=PROJECT_ROOT, env=ENV, capture_output=True, text=True, timeout=900)
    failed = tmp_path / "failed_test_stories.yml"
    assert result.returncode == 0, (failed.read_text() if failed.exists() else "") + result.stderr[-3000:]


@pytest.mark.parametrize("language", ["pl", "en"])
def test_heldout_intent_accuracy(stack, language):
    rows = heldout_rows(language)
    with httpx.Client(base_url=stack.engine_url, timeout=30) as client:
        hits = sum(client.post("/model/parse", json={"text": text}).json()["intent"]["name"] in accepted
                   for text, accepted in rows)
    assert hits / len(rows) >= MIN_HELDOUT_ACCURACY
