"""Training the model: whether it is out of date, and `rasa train` as the Makefile runs it."""

from pathlib import Path

from bot.trainer.data.project import ProjectLayout
from bot.trainer.data.rasa_cli import run_rasa, train_argv

TRAIN_TIMEOUT = 3 * 3600  # a full training on two cores takes about 20 minutes


def _newest_change(paths: list[Path]) -> float:
    files = [f for p in paths for f in ([p] if p.is_file() else p.rglob("*")) if f.is_file()]
    return max((f.stat().st_mtime for f in files), default=0.0)


def model_is_stale(layout: ProjectLayout) -> bool:
    """True when there is no model or any training input changed after it was written."""
    return not layout.model.exists() or layout.model.stat().st_mtime < _newest_change(layout.training_inputs)


def train(layout: ProjectLayout) -> bool:
    """Trains into the layout's model file, Rasa's progress going to the terminal; True on success."""
    return run_rasa(train_argv(layout), layout.root, TRAIN_TIMEOUT, capture=False).returncode == 0
