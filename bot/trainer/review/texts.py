"""Interface text of the console's pages (review, dashboard, administration), per language, from
the YAML file each page names (config/review_texts.yml and its siblings)."""

from functools import lru_cache
from pathlib import Path

import yaml

from bot.handoff.agents import LANGUAGES


@lru_cache
def _load(path: Path) -> dict[str, dict[str, str]]:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def console_texts(path: Path, language: str) -> dict[str, str]:
    texts = _load(path)
    return texts.get(language) or texts["en"]


def pick_language(asked: str | None, remembered: str | None, agent_languages: list[str]) -> str:
    """The language asked for in the URL, else the one chosen before, else the trainer's first."""
    for candidate in (asked, remembered, *agent_languages):
        if candidate in LANGUAGES:
            return candidate
    return "en"
