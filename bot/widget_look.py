"""The chat widget's look as the shop owner sets it in the console: a few of its texts in Polish and
English and its colours, checked, stored as the "widget" settings section and laid over the defaults
in config/widget_texts.yml. The rest of the widget's texts stay as shipped."""

import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy.orm import Session, sessionmaker

from bot.page_texts import WidgetText, widget_texts
from shop.owner_settings import LiveSettings, Problem, stored

SECTION = "widget"
LANGUAGES = ("pl", "en")
# The texts a shop brands, with the longest each may be (the widget's header and input have little room).
EDITABLE_TEXTS: dict[str, int] = {"title": 60, "subtitle": 100, "intro": 600, "input_placeholder": 60,
                                  "human_button": 40}
COLOURS = ("accent", "on_accent")  # the launcher, header and the customer's messages; the text on them
HEX_COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")
MIN_CONTRAST = 4.5  # WCAG AA for body text: the customer's own messages are on_accent on accent


@dataclass(frozen=True)
class WidgetLook:
    """The editable texts by language and key, and the colours as #rrggbb."""

    texts: dict[str, dict[str, str]]
    colours: dict[str, str]


def load_defaults(path: Path) -> WidgetLook:
    """The look a new install starts from: config/widget_texts.yml's `widget` texts and `widget_colours`."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    texts = {language: {key: data["widget"][language][key] for key in EDITABLE_TEXTS} for language in LANGUAGES}
    if not all(isinstance(text, str) for by_key in texts.values() for text in by_key.values()):
        raise ValueError(f"{path}: the texts a shop owner edits must be plain strings: {', '.join(EDITABLE_TEXTS)}")
    colours = {name: str(data["widget_colours"][name]).lower() for name in COLOURS}
    if not all(HEX_COLOUR.match(colour) for colour in colours.values()):
        raise ValueError(f"{path}: widget_colours must be #RRGGBB")
    return WidgetLook(texts, colours)


def _luminance(colour: str) -> float:
    channels = [int(colour[i:i + 2], 16) / 255 for i in (1, 3, 5)]
    r, g, b = (c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(one: str, other: str) -> float:
    """WCAG's contrast ratio of two #rrggbb colours, 1 to 21."""
    lighter, darker = sorted((_luminance(one), _luminance(other)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


@dataclass(frozen=True)
class WidgetForm:
    """What the admin typed: texts by language and key, colours by name."""

    texts: dict[str, dict[str, str]]
    colours: dict[str, str]

    @classmethod
    def of(cls, look: WidgetLook) -> "WidgetForm":
        return cls({language: dict(by_key) for language, by_key in look.texts.items()}, dict(look.colours))

    def problems(self) -> list[Problem]:
        found = [Problem(f"{language}_{key}", "widget_text")
                 for language, by_key in self.texts.items() for key, text in by_key.items()
                 if not 0 < len(text) <= EDITABLE_TEXTS[key]]
        found += [Problem(name, "colour_format") for name, colour in self.colours.items()
                  if not HEX_COLOUR.match(colour)]
        if not found and contrast(self.colours["accent"], self.colours["on_accent"]) < MIN_CONTRAST:
            found.append(Problem("on_accent", "colour_contrast"))
        return found

    def stored(self) -> dict[str, Any]:
        """The section as saved in the database (only after `problems()` found none)."""
        return {"texts": {language: dict(by_key) for language, by_key in self.texts.items()},
                "colours": {name: colour.lower() for name, colour in self.colours.items()}}

    def shown(self) -> dict[str, str]:
        """Field by field, as the audit log shows them: "pl_title": "Pomoc", "accent": "#0b7a5a"."""
        return {**{f"{language}_{key}": text for language, by_key in self.texts.items() for key, text in by_key.items()},
                **{name: colour.lower() for name, colour in self.colours.items()}}


def apply(defaults: WidgetLook, saved: dict[str, Any] | None) -> WidgetLook:
    """The look in force: what was saved in the console over the defaults (keys no longer editable are ignored)."""
    if not saved:
        return defaults
    texts = {language: {key: saved["texts"].get(language, {}).get(key, default) for key, default in by_key.items()}
             for language, by_key in defaults.texts.items()}
    return WidgetLook(texts, {name: saved["colours"].get(name, default) for name, default in defaults.colours.items()})


class LiveWidgetLook(LiveSettings[WidgetLook]):
    """The widget's look in force in this gateway."""

    def __init__(self, sessions: sessionmaker[Session], defaults: WidgetLook, keep_seconds: float = 5.0,
                 monotonic: Callable[[], float] = time.monotonic) -> None:
        super().__init__(sessions, defaults, lambda session: apply(defaults, stored(session, SECTION)),
                         keep_seconds, monotonic)


def texts_in_force(look: WidgetLook, path: Path, language: str) -> dict[str, WidgetText]:
    """All the widget's texts in `language` (English for a language it does not speak), the owner's over the YAML's."""
    return {**widget_texts(path, language), **look.texts[language if language in LANGUAGES else "en"]}


def _mix(colour: str, with_colour: str, share: float) -> str:
    """`colour` with `share` of `with_colour` blended in."""
    channels = (round(int(colour[i:i + 2], 16) * (1 - share) + int(with_colour[i:i + 2], 16) * share)
                for i in (1, 3, 5))
    return "#" + "".join(f"{channel:02x}" for channel in channels)


def palette(look: WidgetLook) -> dict[str, str]:
    """The widget's colour custom properties (--koliber-<name>) that follow from the owner's two colours."""
    accent = look.colours["accent"]
    return {"accent": accent, "accent-dark": _mix(accent, "#000000", 0.22),  # hover
            "accent-soft": _mix(accent, "#ffffff", 0.9),  # the queue notice's background
            "on-accent": look.colours["on_accent"]}
