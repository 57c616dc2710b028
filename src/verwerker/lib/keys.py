"""Key files of the embedded default: created once, mode 0600, never overwritten."""

from __future__ import annotations

import base64
import os
import secrets
from pathlib import Path


def ensure_private_dir(path: Path) -> Path:
    """Create ``path`` (mode 0700) if it is missing; leave an existing directory's mode alone."""
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    return path


def ensure_private_file(path: Path) -> Path:
    """Create ``path`` empty with mode 0600 if it is missing, and take group and other access away from
    an existing one (an install made before this rule). SQLite creates its ``-wal`` and ``-shm`` files
    with the mode of the database file, so a database made here keeps those private too."""
    ensure_private_dir(path.parent)
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    except FileExistsError:
        for existing in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
            try:
                if existing.stat().st_mode & 0o077:
                    existing.chmod(0o600)
            except (FileNotFoundError, PermissionError):
                pass  # not there, or not ours to change
    return path


def ensure_key_file(path: Path, *, nbytes: int = 32, text: bool = False) -> str:
    """Return the key in ``path``, creating it with ``nbytes`` random bytes on first use.

    The file is created with O_EXCL and mode 0600, so two processes starting at once agree on one key
    and no other user can read it. ``text`` keys are URL-safe text (for Django's SECRET_KEY); others are
    stored base64-encoded and returned as that text.
    """
    ensure_private_dir(path.parent)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text(encoding="ascii").strip()
    value = secrets.token_urlsafe(nbytes * 2) if text else base64.b64encode(secrets.token_bytes(nbytes)).decode()
    with os.fdopen(fd, "w", encoding="ascii") as fh:
        fh.write(value + "\n")
    return value
