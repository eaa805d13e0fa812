"""Rasa's command lines the trainer tools run, in the engine's environment (Rasa lives in .venv/engine)."""

import os
import subprocess
from pathlib import Path

from bot.processes import ENGINE_ENV, RASA_BIN, InternalSecrets
from bot.settings import get_settings
from bot.trainer.data.project import ProjectLayout


def _relative(layout: ProjectLayout, path: Path) -> str:
    return str(path.relative_to(layout.root)) if path.is_relative_to(layout.root) else str(path)


def training_data(layout: ProjectLayout) -> list[str]:
    return [_relative(layout, p) for p in (layout.nlu_dir, *layout.story_dirs)]


def train_argv(layout: ProjectLayout) -> list[str]:
    """The Makefile's `train` target: Rasa restores unchanged components from its cache."""
    return [str(RASA_BIN), "train", "--data", *training_data(layout), "--domain", _relative(layout, layout.domain),
            "--config", _relative(layout, layout.config), "--out", _relative(layout, layout.model.parent),
            "--fixed-model-name", layout.model.name.removesuffix(".tar.gz"), "--quiet"]


def validate_argv(layout: ProjectLayout) -> list[str]:
    """The Makefile's `validate` target."""
    return [str(RASA_BIN), "data", "validate", "--data", *training_data(layout), "--domain",
            _relative(layout, layout.domain), "--config", _relative(layout, layout.config), "--fail-on-warnings"]


def story_test_argv(layout: ProjectLayout, out_dir: Path) -> list[str]:
    # --e2e checks the customer's words too: every user turn must get the story's intent and entities.
    return [str(RASA_BIN), "test", "core", "--stories", _relative(layout, layout.test_story_dir),
            "--model", _relative(layout, layout.model), "--out", str(out_dir), "--e2e"]


def run_rasa(argv: list[str], cwd: Path, timeout: float, capture: bool = True) -> subprocess.CompletedProcess[str]:
    """Runs a Rasa command quietly and offline; output is captured unless `capture` is false. `rasa test`
    reads endpoints.yml, which names the action server's secret from the environment."""
    env = {**os.environ, **ENGINE_ENV, **InternalSecrets.from_settings(get_settings()).env()}
    return subprocess.run(argv, cwd=cwd, env=env, text=True, timeout=timeout, capture_output=capture)
