"""Tells a running engine to load a new model (Rasa's `PUT /model`), keeping its conversations.

Rasa builds a new agent for the new model; conversations survive because they live in the
engine's tracker store (the app's database, engine_plugins/tracker_store.py), not in the agent.
"""

from pathlib import Path

import httpx

from bot.engine.address import EngineAddress

# Loading unpacks the model and builds every component: tens of seconds on two cores.
LOAD_TIMEOUT = 600


class ReloadFailed(RuntimeError):
    pass


def engine_is_running(engine: EngineAddress, timeout: float = 5) -> bool:
    try:
        with engine.client(timeout) as client:
            return client.get("/status").status_code == 200
    except httpx.HTTPError:
        return False


def load_model(engine: EngineAddress, model: Path, timeout: float = LOAD_TIMEOUT) -> None:
    """Swaps the engine's model for `model` (a path the engine's machine can read)."""
    try:
        with engine.client(timeout) as client:
            response = client.put("/model", json={"model_file": str(model.resolve())})
    except httpx.HTTPError as error:
        raise ReloadFailed(f"the engine at {engine.url} did not answer: {error}") from error
    if response.status_code != 204:
        raise ReloadFailed(f"the engine at {engine.url} refused the model: {response.status_code} {response.text[:500]}")
