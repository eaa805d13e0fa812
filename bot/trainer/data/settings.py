"""The trainer tools' settings: the `trainer:` section of config/trainer.yml."""

from dataclasses import dataclass
from pathlib import Path

import yaml

DEFAULT_MIN_EXAMPLES = 5


@dataclass(frozen=True)
class TrainerSettings:
    min_examples: int = DEFAULT_MIN_EXAMPLES  # per intent, in each language
    # Intents only the gateway sends (as `/intent_name`); customers never type them, so they need no examples.
    trigger_only_intents: frozenset[str] = frozenset()


def load_trainer_settings(path: Path) -> TrainerSettings:
    """The settings in `path`, or the defaults when the file does not exist."""
    if not path.exists():
        return TrainerSettings()
    section = (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("trainer") or {}
    return TrainerSettings(
        min_examples=int(section.get("min_examples", DEFAULT_MIN_EXAMPLES)),
        trigger_only_intents=frozenset(section.get("trigger_only_intents") or ()),
    )
