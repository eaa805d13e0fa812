"""Interface text of the widget and the demo shop page, per language, from config/widget_texts.yml.
A widget text that goes with a number is a map of its forms by CLDR plural category (the widget
picks one in the browser)."""

from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml


@lru_cache
def _load(path: Path) -> dict:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


WidgetText = str | dict[str, str]  # one string, or its forms by plural category ("one", "few", ...)


def _pick(section: dict[str, dict[str, Any]], language: str) -> dict[str, Any]:
    return section.get(language) or section["en"]


def widget_texts(path: Path, language: str) -> dict[str, WidgetText]:
    return _pick(_load(path)["widget"], language)


def shop_page_texts(path: Path, language: str) -> dict[str, str]:
    return _pick(_load(path)["shop_page"], language)


def survey_page_texts(path: Path, language: str) -> dict[str, str]:
    return _pick(_load(path)["survey_page"], language)


def rating_page_texts(path: Path, language: str) -> dict[str, str]:
    return _pick(_load(path)["rating_page"], language)


def contact_page_texts(path: Path, language: str) -> dict[str, str]:
    return _pick(_load(path)["contact_page"], language)
