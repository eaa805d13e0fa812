"""The gateway's own words to customers, per language, from config/gateway_texts.yml."""

from functools import lru_cache
from pathlib import Path

import yaml


class GatewayTexts:
    def __init__(self, texts: dict[str, dict[str, str]], default_language: str) -> None:
        self._texts = texts
        self._default = default_language

    def language(self, code: str | None) -> str:
        return code if code in self._texts else self._default

    def say(self, key: str, language: str | None, channel: str | None = None, **values: object) -> str:
        """The text for `key`; a channel's own wording (`<key>_voice`) wins where there is one."""
        texts = self._texts[self.language(language)]
        text = texts.get(f"{key}_{channel}") if channel else None
        return (text or texts[key]).format(**values)


@lru_cache
def load_texts(path: Path, default_language: str) -> GatewayTexts:
    return GatewayTexts(yaml.safe_load(path.read_text(encoding="utf-8")), default_language)
