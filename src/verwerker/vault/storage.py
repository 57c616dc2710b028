"""Where ciphertext lives on disk, and the master key in use. No ORM.

Layout: ``VAULT_DIR/<first two hex digits of the id>/<id as 32 hex digits>``; a blob being written is
``<id>.partial`` beside it and becomes ``<id>`` by an atomic rename when it is committed. File names
carry nothing but the id. The directory holds a CACHEDIR.TAG so backup tools that honour it skip it
(P16; docs/backups.md).
"""

from __future__ import annotations

import base64
import os
import uuid
from collections.abc import Iterator
from pathlib import Path

from django.conf import settings

from verwerker.lib.keys import ensure_key_file, ensure_private_dir
from verwerker.vault import crypto

PARTIAL_SUFFIX = ".partial"
CACHEDIR_TAG = (
    "Signature: 8a477f597d28d172789f06886806bc55\n"
    "# This file is a cache directory tag created by Verwerker.\n"
    "# This directory holds the encrypted vault of client data files. It must not be backed up:\n"
    "# the clients keep their own copies, and deletion is by destroying keys (see docs/backups.md).\n"
)


def vault_dir() -> Path:
    """The vault directory, created (mode 0700, with its CACHEDIR.TAG) on first use."""
    root = ensure_private_dir(Path(settings.VAULT_DIR))
    tag = root / "CACHEDIR.TAG"
    if not tag.exists():
        tmp = root / "CACHEDIR.TAG.tmp"
        tmp.write_text(CACHEDIR_TAG, encoding="ascii")
        os.replace(tmp, tag)
    return root


def blob_path(blob_id: uuid.UUID, *, partial: bool = False, root: Path | None = None) -> Path:
    hex_id = blob_id.hex
    return (root or vault_dir()) / hex_id[:2] / (hex_id + (PARTIAL_SUFFIX if partial else ""))


def fsync_dir(path: Path) -> None:
    """Make a rename or unlink in ``path`` durable."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def remove_blob_files(blob_id: uuid.UUID, *, root: Path | None = None) -> int:
    """Remove the blob's ciphertext (final and partial); return how many files were removed."""
    root = root or vault_dir()
    removed = 0
    for partial in (False, True):
        try:
            os.unlink(blob_path(blob_id, partial=partial, root=root))
            removed += 1
        except FileNotFoundError:
            pass
    return removed


def iter_vault_files() -> Iterator[tuple[Path, uuid.UUID | None, bool]]:
    """Every file in the vault's blob folders: (path, blob id or None if the name is not one, partial?)."""
    root = vault_dir()
    for sub in sorted(root.iterdir()):
        if not sub.is_dir() or len(sub.name) != 2:
            continue
        for path in sub.iterdir():
            name = path.name
            partial = name.endswith(PARTIAL_SUFFIX)
            stem = name[: -len(PARTIAL_SUFFIX)] if partial else name
            try:
                blob_id = uuid.UUID(hex=stem) if len(stem) == 32 else None
            except ValueError:
                blob_id = None
            yield path, blob_id, partial


def master_key() -> bytes:
    """The master key in use: VERWERKER_MASTER_KEY(_FILE), or the embedded default's key file (created once)."""
    if settings.MASTER_KEY:
        return crypto.parse_master_key(settings.MASTER_KEY, source="VERWERKER_MASTER_KEY")
    path = Path(settings.MASTER_KEY_FILE)
    return crypto.parse_master_key(ensure_key_file(path, nbytes=32), source=f"the key file {path}")


def install_key_file(path: Path, key: bytes) -> None:
    """Replace the key file at ``path`` with ``key`` atomically (mode 0600); used by key rotation."""

    tmp = path.with_name(path.name + ".new")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="ascii") as fh:
        fh.write(base64.b64encode(key).decode() + "\n")
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)
    fsync_dir(path.parent)
