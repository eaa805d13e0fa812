"""Typed frames that flow through the voice pipeline, one module per family."""

from voice.frames.base import Frame

__all__ = ["Frame"]
