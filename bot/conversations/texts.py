"""The gateway's own words to customers, per language, from config/gateway_texts.yml."""

from datetime import datetime, tzinfo
from functools import lru_cache
from pathlib import Path

import yaml

from text.wording import clock_time, fill


class GatewayTexts:
    def __init__(self, texts: dict[str, dict[str, str]], default_language: str) -> None:
        self._texts = texts
        self._default = default_language

    def language(self, code: str | None) -> str:
        return code if code in self._texts else self._default

    def say(self, key: str, language: str | None, channel: str | None = None, **values: object) -> str:
        """The text for `key`; a channel's own wording (`<key>_voice`) wins where there is one.
        Placeholders may say how to write their value (counts, places, days): text/wording.py."""
        language = self.language(language)
        texts = self._texts[language]
        text = texts.get(f"{key}_{channel}") if channel else None
        return fill(text or texts[key], language, **values)

    def moment(self, key: str, value: datetime, zone: tzinfo, language: str | None) -> str:
        """A moment in the shop's time zone, worded by a text with {day} and {time}:
        "w poniedziałek, 8 grudnia, do 10:00" / "by 10:00 on Monday 8 December"."""
        local = value.astimezone(zone)
        return self.say(key, language, day=local.date(), time=clock_time(local))


@lru_cache
def load_texts(path: Path, default_language: str) -> GatewayTexts:
    return GatewayTexts(yaml.safe_load(path.read_text(encoding="utf-8")), default_language)
