"""Folders and files only their owner may read (0700/0600): the database, logs, secrets and exports
all hold customers' data or keys to it."""

import os
from pathlib import Path

PRIVATE_DIR = 0o700
PRIVATE_FILE = 0o600


def private_dir(path: Path) -> Path:
    """Creates the folder and any missing parents owner-only; folders that exist keep their mode
    (they may be shared on purpose, like a system-wide data directory)."""
    missing = [folder for folder in (path, *path.parents) if not folder.exists()]
    for folder in reversed(missing):
        folder.mkdir(mode=PRIVATE_DIR, exist_ok=True)
        os.chmod(folder, PRIVATE_DIR)  # mkdir's mode is cut by the umask
    return path


def private_file(path: Path) -> Path:
    """The file, created empty if missing, readable by its owner only."""
    private_dir(path.parent)
    os.close(os.open(path, os.O_WRONLY | os.O_CREAT, PRIVATE_FILE))
    os.chmod(path, PRIVATE_FILE)
    return path


def write_private(path: Path, data: bytes) -> Path:
    """Writes the file owner-only from its first byte (never readable by others, even briefly)."""
    private_file(path)
    path.write_bytes(data)
    return path
