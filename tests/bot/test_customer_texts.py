"""Everything the gateway and the widget say exists in Polish and English, with the same placeholders;
a widget text that goes with a number has a form for every CLDR plural category of its language."""

import string

import pytest
import yaml
from babel import Locale

from bot.settings import PROJECT_ROOT

CONFIG = PROJECT_ROOT / "config"
LOCALES = {"pl": Locale.parse("pl_PL"), "en": Locale.parse("en_GB")}


def _placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def _forms(text: str | dict[str, str]) -> list[str]:
    return list(text.values()) if isinstance(text, dict) else [text]


def _sections():
    gateway = yaml.safe_load((CONFIG / "gateway_texts.yml").read_text(encoding="utf-8"))
    widget = yaml.safe_load((CONFIG / "widget_texts.yml").read_text(encoding="utf-8"))
    handoff = yaml.safe_load((CONFIG / "handoff.yml").read_text(encoding="utf-8"))
    notices = yaml.safe_load((CONFIG / "delay_notices.yml").read_text(encoding="utf-8"))
    review = yaml.safe_load((CONFIG / "review_texts.yml").read_text(encoding="utf-8"))
    return {"gateway": gateway, "widget": widget["widget"], "shop page": widget["shop_page"],
            "working hours": handoff["hours_description"], "delay notices": notices, "review": review}


@pytest.mark.parametrize("name", ["gateway", "widget", "shop page", "working hours", "delay notices", "review"])
def test_both_languages_say_the_same_things(name):
    texts = _sections()[name]
    assert set(texts) == {"pl", "en"}
    if isinstance(texts["pl"], str):
        assert texts["pl"].strip() and texts["en"].strip()
        return
    assert set(texts["pl"]) == set(texts["en"])
    optional = name == "delay notices"  # an empty offer or opt-out line means "nothing to add"
    for key in texts["pl"]:
        forms = {language: _forms(texts[language][key]) for language in ("pl", "en")}
        assert optional or all(form.strip() for language in forms for form in forms[language]), key
        assert len({frozenset(_placeholders(form)) for language in forms for form in forms[language]}) == 1, key


@pytest.mark.parametrize("language", ["pl", "en"])
def test_a_widget_text_with_forms_has_one_for_every_plural_category(language):
    """The browser picks the form by CLDR's cardinal rules (or the ordinal ones, for a place in a
    line); a category without a form would show the key instead of a sentence."""
    locale = LOCALES[language]
    cardinal, ordinal = set(locale.plural_form.tags) | {"other"}, set(locale.ordinal_form.tags) | {"other"}
    maps = {key: text for key, text in _sections()["widget"][language].items() if isinstance(text, dict)}
    assert {"queue_wait", "live_wait", "launcher_unread"} <= set(maps)
    for key, forms in maps.items():
        assert set(forms) in (cardinal, ordinal), key
