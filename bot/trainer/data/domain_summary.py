"""What the review tools need from domain.yml: intents, entities, and each response's texts."""

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

# nlu_fallback is not declared in the domain (the FallbackClassifier predicts it), but a trainer
# never labels an example with it: it is what the inbox is for.
NOT_LABELS = frozenset({"nlu_fallback"})


@dataclass(frozen=True)
class ReviewDomain:
    intents: tuple[str, ...]
    entities: tuple[str, ...]
    # response name -> every text variant (all languages), as written with {slot} placeholders
    response_texts: dict[str, tuple[str, ...]]

    def texts_of(self, *responses: str) -> list[str]:
        return [text for name in responses for text in self.response_texts.get(name, ())]


def _names(section: object) -> tuple[str, ...]:
    items = section if isinstance(section, list) else list(section or {})
    return tuple(str(next(iter(item)) if isinstance(item, dict) else item) for item in items)


@lru_cache(maxsize=4)
def _load(path: Path, _mtime_ns: int) -> ReviewDomain:
    data = yaml.load(path.read_text(encoding="utf-8"), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader)) or {}
    responses = {str(name): tuple(str(v["text"]) for v in variants or [] if isinstance(v, dict) and v.get("text"))
                 for name, variants in (data.get("responses") or {}).items()}
    return ReviewDomain(
        intents=tuple(i for i in _names(data.get("intents")) if i not in NOT_LABELS),
        entities=_names(data.get("entities")),
        response_texts=responses,
    )


def load_review_domain(path: Path) -> ReviewDomain:
    """The domain as it is on disk now; re-read only when the file changes (trainers edit it)."""
    return _load(path, path.stat().st_mtime_ns)
