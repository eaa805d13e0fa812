"""Tells a running engine to load a new model (Rasa's `PUT /model`), keeping its conversations.

Rasa builds a new agent for the new model; conversations survive only because the engine's
tracker store is `engine_plugins.tracker_store.ProcessTrackerStore` (see endpoints.yml).
"""

from pathlib import Path

import httpx

# Loading unpacks the model and builds every component: tens of seconds on two cores.
LOAD_TIMEOUT = 600


class ReloadFailed(RuntimeError):
    pass


def engine_is_running(rasa_url: str, timeout: float = 5) -> bool:
    try:
        return httpx.get(f"{rasa_url.rstrip('/')}/status", timeout=timeout).status_code == 200
    except httpx.HTTPError:
        return False


def load_model(rasa_url: str, model: Path, timeout: float = LOAD_TIMEOUT) -> None:
    """Swaps the engine's model for `model` (a path the engine's machine can read)."""
    try:
        response = httpx.put(f"{rasa_url.rstrip('/')}/model", json={"model_file": str(model.resolve())},
                             timeout=timeout)
    except httpx.HTTPError as error:
        raise ReloadFailed(f"the engine at {rasa_url} did not answer: {error}") from error
    if response.status_code != 204:
        raise ReloadFailed(f"the engine at {rasa_url} refused the model: {response.status_code} {response.text[:500]}")
