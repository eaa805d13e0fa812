"""The file of generated secrets `make run` relies on: created once, owner-only, never overwritten."""

import os
import secrets
from pathlib import Path

# What a new install can generate for itself (Twilio's token comes from Twilio).
GENERATED = ("KOLIBER_ENGINE_TOKEN", "KOLIBER_ACTIONS_TOKEN", "KOLIBER_API_KEY")


def ensure_generated_secrets(path: Path) -> list[str]:
    """Adds the secrets the file lacks; returns their names. Values already set are kept, so
    running it again changes nothing and a restart keeps its API key."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    present = set()
    if path.exists():
        present = {line.split("=", 1)[0].strip() for line in path.read_text().splitlines() if "=" in line}
    missing = [name for name in GENERATED if name not in present and not os.environ.get(name)]
    if missing:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        with os.fdopen(descriptor, "a") as out:
            out.writelines(f"{name}={secrets.token_urlsafe(32)}\n" for name in missing)
    os.chmod(path, 0o600)
    return missing
