"""Rasa's own checks on the repo's data and model: validation, test stories, held-out accuracy."""

import os
import re
import subprocess

import httpx
import pytest
import yaml

from bot.settings import PROJECT_ROOT

RASA = str(PROJECT_ROOT / ".venv" / "engine" / "bin" / "rasa")
ENV = {**os.environ, "RASA_TELEMETRY_ENABLED": "false", "SQLALCHEMY_SILENCE_UBER_WARNING": "1", "TF_CPP_MIN_LOG_LEVEL": "2"}
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
    data = yaml.safe_load((PROJECT_ROOT / "tests" / "data" / "heldout" / f"{language}.yml").read_text(encoding="utf-8"))
    rows = [(re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", line[2:].strip()), block["intent"])
            for block in data["nlu"] for line in block["examples"].splitlines() if line.startswith("- ")]
    with httpx.Client(base_url=stack.engine_url, timeout=30) as client:
        hits = sum(client.post("/model/parse", json={"text": text}).json()["intent"]["name"] == intent
                   for text, intent in rows)
    assert hits / len(rows) >= MIN_HELDOUT_ACCURACY
