"""The base of every frame: an immutable record a stage reacts to or passes on unchanged."""

from dataclasses import dataclass


@dataclass(frozen=True)
class Frame:
    pass
