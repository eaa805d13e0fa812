"""Everything the gateway and the widget say exists in Polish and English, with the same placeholders."""

import string

import pytest
import yaml

from bot.settings import PROJECT_ROOT

CONFIG = PROJECT_ROOT / "config"


def _placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def _sections():
    gateway = yaml.safe_load((CONFIG / "gateway_texts.yml").read_text(encoding="utf-8"))
    widget = yaml.safe_load((CONFIG / "widget_texts.yml").read_text(encoding="utf-8"))
    handoff = yaml.safe_load((CONFIG / "handoff.yml").read_text(encoding="utf-8"))
    return {"gateway": gateway, "widget": widget["widget"], "shop page": widget["shop_page"],
            "working hours": handoff["hours_description"]}


@pytest.mark.parametrize("name", ["gateway", "widget", "shop page", "working hours"])
def test_both_languages_say_the_same_things(name):
    texts = _sections()[name]
    assert set(texts) == {"pl", "en"}
    if isinstance(texts["pl"], str):
        assert texts["pl"].strip() and texts["en"].strip()
        return
    assert set(texts["pl"]) == set(texts["en"])
    for key in texts["pl"]:
        assert texts["pl"][key].strip() and texts["en"][key].strip(), key
        assert _placeholders(texts["pl"][key]) == _placeholders(texts["en"][key]), key
