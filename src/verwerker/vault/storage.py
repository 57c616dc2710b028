"""Where ciphertext lives on disk, and the master key in use. No ORM.

Layout: ``VAULT_DIR/<first two hex digits of the id>/<id as 32 hex digits>``; a blob being written is
``<id>.partial`` beside it and becomes ``<id>`` by an atomic rename when it is committed. File names
carry nothing but the id. The directory holds a CACHEDIR.TAG so backup tools that honour it skip it
(P16; docs/backups.md).
"""

from __future__ import annotations

import base64
import ctypes
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


# Writes of a blob's ciphertext start and end on multiples of this many bytes (see AlignedFile).
WRITE_ALIGN = 1 << 20
# Every this many bytes written, AlignedFile asks the kernel to start writing them to disk (see there).
WRITEBACK_EVERY = 32 << 20
_SYNC_FILE_RANGE_WRITE = 2


def _load_sync_file_range():
    """libc's sync_file_range (Linux; Python's os has none), or None where there is none."""
    try:
        fn = ctypes.CDLL(None, use_errno=True).sync_file_range
    except (AttributeError, OSError):
        return None
    fn.argtypes = [ctypes.c_int, ctypes.c_int64, ctypes.c_int64, ctypes.c_uint]
    fn.restype = ctypes.c_int
    return fn


_sync_file_range = _load_sync_file_range()


class AlignedFile:
    """A write-only file (from an open descriptor, which it owns) whose writes start and end at offsets
    that are multiples of ``WRITE_ALIGN``; what is left over goes out in front of the next write. The bytes
    in the file are the same as with plain writes.

    Why: a ciphertext is a 16-byte header and then segments of 1 MiB + 16 bytes, so written as it comes
    every write starts 16 bytes further into a page than the last, and the page cache builds each MiB of it
    from nine folios (4 KiB, 4 KiB, 8 KiB ... 512 KiB: each as large as the offset's alignment allows)
    where an aligned write of 1 MiB gets one. Measured (issue 23): a StreamEncryptor writing 1 GiB into a
    file with its fsync, ten each, alternately, load 2-3: 0.39 s of system time (median) written as it
    comes, 0.33 s aligned; ``do_store_blob`` of 1 GiB on SQLite, the code before and this in processes
    in turns (B A A B B A A B), four stores each, load 3.4-6.1: system time 0.280 s before, 0.254 s after
    (medians of 16), all CPU 1.122 s and 1.097 s, wall 1.453 s and 1.415 s. A small gain, for the same
    bytes.

    Every ``WRITEBACK_EVERY`` bytes it starts the writeback of what it has written
    (``sync_file_range(SYNC_FILE_RANGE_WRITE)``: it sends the pages to the disk, not waiting for them), so the
    disk works while later segments are encrypted and the fsync at commit finds little left to wait for.
    Measured on the machine alone (issue 23, load 0.2-0.5; a StreamEncryptor with its SHA-256 writing 1 GiB
    into an AlignedFile, then the fsync; six each, alternately, each 2.5 s after the last): 1.312 s wall
    (median) without, of which the fsync 0.330 s, and 1.037 s with it every 32 MiB, the fsync 0.011 s; the
    same CPU (1.42 and 1.41 s). (Tried before under load 7-19, when the CPU, not the disk, bounded the
    stream, it showed no gain.) ``do_store_blob`` of 1 GiB on SQLite, main's code (without this file) and
    this in processes in turns (B A A B), four stores each, load 0.5-0.7: 1.150 s wall before, 0.767 s
    after (medians of 8), CPU 1.434 s and 1.289 s.

    The leftover is at most ``WRITE_ALIGN`` - 1 bytes, 16 more with each segment (16 KiB after a GiB), and
    it is copied once; it and the next piece go to the kernel in one ``writev``.
    ``flush()`` writes the leftover (the end of the file); ``close()`` closes without it (an aborted blob's
    partial file is removed anyway).
    """

    def __init__(self, fd: int):
        self._fd = fd
        self._pos = 0  # bytes handed to the kernel; a multiple of WRITE_ALIGN until flush()
        self._held = bytearray()
        self._kicked = 0  # bytes whose writeback has been started

    @property
    def held(self) -> int:
        """Bytes written to this object but not yet to the file."""
        return len(self._held)

    def fileno(self) -> int:
        return self._fd

    def write(self, data) -> int:
        view = memoryview(data).cast("B")
        n = len(view)
        end = self._pos + len(self._held) + n
        cut = n - end % WRITE_ALIGN  # how much of ``data`` goes out now, after what is held
        # A new bytearray each time rather than one resized: a view of the old one may still be alive.
        if cut < 0:
            self._held = self._held + view
            return n
        self._writev([self._held, view[:cut]])
        self._pos = end - end % WRITE_ALIGN
        self._held = bytearray(view[cut:])
        if self._pos - self._kicked >= WRITEBACK_EVERY and _sync_file_range is not None:
            # Only a hint: if it fails, the fsync at commit does all the writing, as without it.
            _sync_file_range(self._fd, self._kicked, self._pos - self._kicked, _SYNC_FILE_RANGE_WRITE)
            self._kicked = self._pos
        return n

    def flush(self) -> None:
        if self._held:
            self._writev([self._held])
            self._pos += len(self._held)
            self._held = bytearray()

    def close(self) -> None:
        if self._fd >= 0:
            fd, self._fd = self._fd, -1
            os.close(fd)

    def _writev(self, buffers) -> None:
        parts = [memoryview(b) for b in buffers if len(b)]
        while parts:
            written = os.writev(self._fd, parts)
            if not written:
                raise OSError("the ciphertext file took no bytes")
            while parts and written >= len(parts[0]):
                written -= len(parts.pop(0))
            if parts:
                parts[0] = parts[0][written:]


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
