"""Interface text of the widget and the demo shop page, per language, from config/widget_texts.yml."""

from functools import lru_cache
from pathlib import Path

import yaml


@lru_cache
def _load(path: Path) -> dict:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def _pick(section: dict[str, dict[str, str]], language: str) -> dict[str, str]:
    return section.get(language) or section["en"]


def widget_texts(path: Path, language: str) -> dict[str, str]:
    return _pick(_load(path)["widget"], language)


def shop_page_texts(path: Path, language: str) -> dict[str, str]:
    return _pick(_load(path)["shop_page"], language)


def survey_page_texts(path: Path, language: str) -> dict[str, str]:
    return _pick(_load(path)["survey_page"], language)


def rating_page_texts(path: Path, language: str) -> dict[str, str]:
    return _pick(_load(path)["rating_page"], language)


def contact_page_texts(path: Path, language: str) -> dict[str, str]:
    return _pick(_load(path)["contact_page"], language)
