"""Writes of the vault: store (streaming), read, shred, rotate the master key. The only way to blobs.

Transaction boundaries. Opening a writer inserts the row (state ``writing``, data key already wrapped)
in its own transaction, so an interrupted write leaves a row the purge can find. ``commit`` renames
the finished ciphertext into place first and then, in one transaction, marks the row stored and
records the event. Shredding clears the wrapped key and sets ``shredding`` in one transaction with its
audit events (the deletion proper), and only after that commits removes the files and sets
``shredded``. A crash in between leaves a keyless file, which the purge removes later.

Plaintext exists only in memory: the writer encrypts segment by segment into ``<id>.partial``, the
reader decrypts segment by segment from the file into a preallocated buffer.
"""

from __future__ import annotations

import hashlib
import io
import os
import uuid
from collections.abc import Iterable, Iterator

from django.db import transaction
from django.utils import timezone

from verwerker.audit.actions import EventSpec, do_record_event, do_record_events
from verwerker.audit.actors import Actor
from verwerker.audit.events import EventType, Outcome
from verwerker.clients.models import Client
from verwerker.vault import crypto, storage
from verwerker.vault.crypto import ShreddedError, VaultError, WrongKeyError
from verwerker.vault.models import Blob, BlobPurpose, BlobState, DeletionReason, ReadPurpose

LIVE_STATES = (BlobState.WRITING, BlobState.STORED)
_READ_CHUNK = crypto.SEGMENT_SIZE


class BlobMissingError(VaultError):
    """The blob's row says it is stored, but its ciphertext file is gone."""


class BlobWriter:
    """Streams plaintext into one new blob. Get one from ``open_blob_writer``.

    ``write(data)`` any number of times, then ``commit()`` (returns the stored Blob) or
    ``abort(reason)``; ``plaintext_sha256()`` between them ends the writing and tells what was written.
    As a context manager: an exception inside aborts, a clean exit commits if neither was called.
    """

    def __init__(self, blob: Blob, data_key: bytes, actor: Actor):
        self.blob = blob
        self._actor = actor
        self._path = storage.blob_path(blob.id, partial=True)
        self._path.parent.mkdir(mode=0o700, exist_ok=True)
        # Written at aligned offsets (storage.AlignedFile: larger page-cache folios, less kernel time).
        self._file = storage.AlignedFile(os.open(self._path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
        # The plaintext's SHA-256 is taken by the encryptor, beside the encryption (crypto's "Speed").
        self._sha = hashlib.sha256()
        self._enc = crypto.StreamEncryptor(data_key, self._file, hasher=self._sha)
        self._ended = False  # the last segment is encrypted: no more writes
        self._done = False

    @property
    def size(self) -> int:
        """Plaintext bytes written so far."""
        return self._enc.plaintext_size

    def write(self, data) -> int:
        """Encrypt and append ``data`` (bytes-like). Raises VaultError after commit or abort."""
        if self._done or self._ended:
            raise VaultError("this blob writer is closed")
        return self._enc.write(data)

    def _end(self) -> None:
        if not self._ended:
            self._ended = True
            self._enc.finish()

    def plaintext_sha256(self) -> str:
        """The SHA-256 (hex) of all the plaintext written, taken beside the encryption, so a caller that
        checks a declared checksum needs no hash of its own. Ends the writing (the last segment is
        encrypted); ``commit()`` or ``abort()`` follows. Raises VaultError after commit or abort."""
        if self._done:
            raise VaultError("this blob writer is closed")
        self._end()
        return self._sha.hexdigest()

    def commit(self) -> Blob:
        """Finish the ciphertext, move it into place and mark the blob stored (audited).

        Raises VaultError if the blob was shredded meanwhile (then nothing is kept).
        """
        if self._done:
            raise VaultError("this blob writer is closed")
        self._done = True
        try:
            self._end()
            self._file.flush()
            os.fsync(self._file.fileno())
        finally:
            self._file.close()
        final = storage.blob_path(self.blob.id)
        os.replace(self._path, final)
        storage.fsync_dir(final.parent)
        now = timezone.now()
        blob = self.blob
        blob.size, blob.sha256, blob.stored_at, blob.state = self.size, self._sha.hexdigest(), now, BlobState.STORED
        with transaction.atomic():
            updated = Blob.objects.filter(pk=blob.pk, state=BlobState.WRITING).update(
                state=BlobState.STORED, size=blob.size, sha256=blob.sha256, stored_at=now
            )
            if updated:
                do_record_event(
                    EventType.BLOB_STORED,
                    actor=self._actor,
                    client_id=blob.client_id,
                    obj=blob,
                    details={"purpose": blob.purpose, "size": blob.size, "sha256": blob.sha256},
                )
        if not updated:
            storage.remove_blob_files(blob.pk)
            raise VaultError("the blob was shredded while it was being written; nothing was kept")
        return blob

    def abort(self, reason: str = "aborted") -> None:
        """Give up: destroy the data key and remove the partial ciphertext (audited). Idempotent."""
        if self._done:
            return
        self._done = True
        try:
            self._file.close()
        except OSError:  # its last buffered bytes failed to reach the disk (full, say): the shred goes on
            pass
        _shred([self.blob.pk], actor=self._actor, reason=DeletionReason.ABANDONED_WRITE, event=EventType.BLOB_ABORTED,
               detail=reason)

    def __enter__(self) -> BlobWriter:
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc_type is not None:
            self.abort(f"error: {exc_type.__name__}")
        elif not self._done:
            self.commit()


def _client_id(client: Client | int | None) -> int | None:
    if client is None:  # one of the house's own records (facilities)
        return None
    return client.pk if isinstance(client, Client) else int(client)


def open_blob_writer(*, client: Client | int | None, purpose: str, name: str = "", actor: Actor) -> BlobWriter:
    """Start a new blob for ``client``: inserts its row (state writing) and opens ``<id>.partial``.

    ``name`` is a display name and must not hold personal data. Raises KeyConfigError if the master
    key cannot be loaded, ValueError for an unknown purpose.
    """
    if purpose not in BlobPurpose.values:
        raise ValueError(f"unknown blob purpose {purpose!r}")
    master = storage.master_key()
    data_key = crypto.generate_data_key()
    blob_id = uuid.uuid4()
    blob = Blob(
        id=blob_id,
        client_id=_client_id(client),
        purpose=purpose,
        name=name[:255],
        state=BlobState.WRITING,
        wrapped_key=crypto.wrap_key(master, data_key, blob_id.bytes),
        master_key_id=crypto.key_id(master),
    )
    with transaction.atomic():
        blob.save(force_insert=True)
    return BlobWriter(blob, data_key, actor)


def do_store_blob(source, *, client: Client | int | None, purpose: str, name: str = "", actor: Actor) -> Blob:
    """Store ``source`` (bytes, a binary file-like object, or an iterable of bytes) as one blob.

    Streams: a file-like source is read in 1 MiB pieces. Any error aborts the blob and is re-raised.
    """
    with open_blob_writer(client=client, purpose=purpose, name=name, actor=actor) as writer:
        if isinstance(source, (bytes, bytearray, memoryview)):
            writer.write(source)
        elif hasattr(source, "readinto"):
            buf = bytearray(_READ_CHUNK)
            view = memoryview(buf)
            while n := source.readinto(buf):
                writer.write(view[:n])
        elif hasattr(source, "read"):
            while chunk := source.read(_READ_CHUNK):
                writer.write(chunk)
        else:
            for chunk in source:
                writer.write(chunk)
        return writer.commit()


class BlobReader(io.RawIOBase):
    """Decrypting, read-only view of one blob: ``read(n)``, ``readinto(b)``, and iteration by chunks.

    Memory stays at about four segments (4 MiB: three read ahead, one decrypted) whatever the blob's size.
    Any VaultError raised while reading means the whole blob must be treated as bad, even if some bytes
    were already returned.
    """

    def __init__(self, blob: Blob, data_key: bytes, path):
        super().__init__()
        self.blob = blob
        try:
            self._file = open(path, "rb", buffering=0)  # noqa: SIM115 - closed with the reader
        except FileNotFoundError:
            raise BlobMissingError(f"blob {blob.pk}: its ciphertext file is missing") from None
        size = os.fstat(self._file.fileno()).st_size
        try:
            self._dec = crypto.StreamDecryptor(data_key, self._file, size)
        except VaultError:
            self._file.close()
            raise
        self._segment: memoryview | None = None
        self._pos = 0
        self._total = 0
        self._eof = False

    def readable(self) -> bool:
        return True

    def _next(self, out: memoryview | None = None) -> bool:
        if self._eof:
            return False
        segment = self._dec.next_segment(out)
        if segment is None:
            self._eof = True
            if self.blob.size is not None and self._total != self.blob.size:
                raise crypto.TamperedError(f"blob {self.blob.pk}: its plaintext size does not match the record")
            return False
        self._segment, self._pos = segment, 0
        self._total += len(segment)
        return True

    def readinto(self, b) -> int:
        view = memoryview(b).cast("B")
        if (self._segment is None or self._pos >= len(self._segment)) and len(view) >= self._dec.segment_size:
            # A whole segment fits: decrypt straight into the caller's buffer, saving a copy.
            self._segment = None
            if not self._next(view):
                return 0
            n = len(self._segment)  # type: ignore[arg-type]
            self._segment = None
            return n
        while self._segment is None or self._pos >= len(self._segment):
            if not self._next():
                return 0
        n = min(len(view), len(self._segment) - self._pos)
        view[:n] = self._segment[self._pos : self._pos + n]
        self._pos += n
        return n

    def iter_chunks(self) -> Iterator[bytes]:
        """The plaintext in pieces of at most one segment (1 MiB)."""
        if self._segment is not None and self._pos < len(self._segment):
            yield bytes(self._segment[self._pos :])
            self._pos = len(self._segment)
        while self._next():
            self._pos = len(self._segment)  # type: ignore[arg-type]
            yield bytes(self._segment)  # type: ignore[arg-type]

    def __iter__(self):
        return self.iter_chunks()

    def close(self) -> None:
        dec = getattr(self, "_dec", None)
        if dec is not None:
            dec.close()  # no read-ahead left running on the file about to be closed
        file = getattr(self, "_file", None)
        if file is not None:
            file.close()
        super().close()


def open_blob_reader(blob: Blob | uuid.UUID | str, *, actor: Actor, purpose: str) -> BlobReader:
    """A streaming reader of a stored blob (re-read from the database, so a shred is always seen).

    Every read is a decision (P15): who (``actor``) and why (``purpose``, a ReadPurpose) are required,
    and BLOB_READ is recorded with them before a byte is returned. Raises ValueError for an unknown
    purpose, ShreddedError, WrongKeyError, BlobMissingError, VaultError (still being written),
    Blob.DoesNotExist.
    """
    purpose = _read_purpose(purpose)
    blob_id = blob.pk if isinstance(blob, Blob) else uuid.UUID(str(blob))
    row = Blob.objects.get(pk=blob_id)
    if row.state in (BlobState.SHREDDING, BlobState.SHREDDED) or row.wrapped_key is None:
        raise ShreddedError(f"blob {row.pk} was crypto-shredded on {row.shredded_at:%Y-%m-%d}; it cannot be read")
    if row.state != BlobState.STORED:
        raise VaultError(f"blob {row.pk} is still being written")
    master = storage.master_key()
    if row.master_key_id != crypto.key_id(master):
        raise WrongKeyError(
            f"blob {row.pk} is wrapped with master key {row.master_key_id}, but the key in use is "
            f"{crypto.key_id(master)}"
        )
    data_key = crypto.unwrap_key(master, row.wrapped_key, row.pk.bytes)  # type: ignore[arg-type]
    reader = BlobReader(row, data_key, storage.blob_path(row.pk))
    try:
        # No blob name in the details: the audit log is append-only and outlives the blob, and a name
        # (a consent document's, an import's) can name a person. The blob's id identifies it.
        do_record_event(EventType.BLOB_READ, actor=actor, client_id=row.client_id, obj=row,
                        details={"purpose": purpose, "blob_purpose": row.purpose, "size": row.size})
    except BaseException:
        reader.close()
        raise
    return reader


def _read_purpose(purpose: str) -> str:
    if purpose not in ReadPurpose.values:
        raise ValueError(f"unknown read purpose {purpose!r} (one of: {', '.join(ReadPurpose.values)})")
    return str(purpose)


def read_blob_bytes(blob: Blob | uuid.UUID | str, *, actor: Actor, purpose: str) -> bytes:
    """The whole plaintext in memory (never on disk): for what must hold it whole anyway, such as the
    profiler's table reader, reports and certificates. One copy: whole segments are decrypted straight
    into a buffer of the recorded size, which is copied once into the bytes returned.
    Audited like open_blob_reader, whose arguments and errors it shares."""
    with open_blob_reader(blob, actor=actor, purpose=purpose) as reader:
        size = reader.blob.size
        if size is None:  # pragma: no cover - a stored blob always has its size
            return b"".join(reader.iter_chunks())
        out = bytearray(size)
        view = memoryview(out)
        pos = 0
        while pos < size and (n := reader.readinto(view[pos:])):
            pos += n
        # Read on to the end: the last segment's flag and the recorded size are checked there.
        if pos < size or reader.readinto(bytearray(1)):  # pragma: no cover - the reader raises first
            raise crypto.TamperedError(f"blob {reader.blob.pk}: its plaintext size does not match the record")
        view.release()
        return bytes(out)


def do_set_blob_records(blob: Blob | uuid.UUID | str, records: int | None) -> None:
    """Note how many records a stored blob holds, as its reader counted them (opaque to the vault).

    No event of its own: the caller's action (a data file's profiling) records the count with its event.
    Runs in the caller's transaction.
    """
    Blob.objects.filter(pk=getattr(blob, "pk", blob)).update(records=records)


def finish_shred(blob_ids: Iterable[uuid.UUID]) -> int:
    """Second phase of a shred: remove the keyless blobs' files, then mark them shredded. Idempotent."""
    ids = list(blob_ids)
    # No fsync of the directories: the deletion is the key, destroyed and committed already. An unlink
    # lost in a crash leaves a keyless file, which the purge removes.
    root = storage.vault_dir()
    for blob_id in ids:
        storage.remove_blob_files(blob_id, root=root)
    with transaction.atomic():
        return Blob.objects.filter(pk__in=ids, state=BlobState.SHREDDING).update(state=BlobState.SHREDDED)


def _shred(blob_ids: list, *, actor: Actor, reason: str, event: EventType = EventType.BLOB_SHREDDED,
           detail: str = "") -> list[uuid.UUID]:
    if reason not in DeletionReason.values:
        raise ValueError(f"unknown deletion reason {reason!r} (one of: {', '.join(DeletionReason.values)})")
    reason = str(reason)
    now = timezone.now()
    with transaction.atomic():
        rows = list(
            Blob.objects.select_for_update()
            .filter(pk__in=blob_ids)
            .values_list("pk", "client_id", "state", "purpose", "size", "sha256")
        )
        live = [r for r in rows if r[2] in LIVE_STATES]
        Blob.objects.filter(pk__in=[r[0] for r in live], state__in=LIVE_STATES).update(
            wrapped_key=None, state=BlobState.SHREDDING, shredded_at=now, shred_reason=reason[:40]
        )
        do_record_events(
            [
                EventSpec(
                    event,
                    client_id=client_id,
                    object_type="vault.blob",
                    object_id=str(pk),
                    details={
                        "reason": reason,
                        **({"detail": detail[:200]} if detail else {}),
                        "purpose": purpose,
                        "size": size,
                        "sha256": sha,
                        "was": state,
                        "method": "cryptographic erase (data key destroyed)",
                    },
                )
                for pk, client_id, state, purpose, size, sha in live
            ],
            actor=actor,
        )
        pending = [r[0] for r in rows if r[2] != BlobState.SHREDDED]
        transaction.on_commit(lambda: finish_shred(pending))
    return [r[0] for r in live]


def do_shred_blobs(blob_ids: Iterable, *, actor: Actor, reason: str) -> list[uuid.UUID]:
    """Crypto-shred several blobs in one transaction; return the ids that were live until now.

    Destroys each wrapped data key and records one event per blob in the same transaction; removes
    the ciphertext files after commit. Idempotent: already-shredded blobs are skipped (and a file
    left behind by an interrupted shred is removed). ``reason`` is a DeletionReason (ValueError if not).
    """
    return _shred(list(blob_ids), actor=actor, reason=reason)


def do_shred_blob(blob: Blob | uuid.UUID, *, actor: Actor, reason: str) -> bool:
    """Crypto-shred one blob (see do_shred_blobs). True if it was live until now."""
    blob_id = blob.pk if isinstance(blob, Blob) else blob
    return bool(_shred([blob_id], actor=actor, reason=reason))


def do_rotate_master_key(new_key: bytes, *, actor: Actor, old_key: bytes | None = None, chunk_size: int = 500) -> dict:
    """Re-wrap every live data key under ``new_key``; the ciphertext files are not touched.

    ``old_key`` defaults to the master key in use. One transaction per chunk, so the rotation can be
    rerun after an interruption: rows already under the new key are skipped. Blobs wrapped with a
    third key are counted as ``other`` and left alone. Audited once per run. Raises WrongKeyError
    if a row claiming the old key does not unwrap with it.
    """
    old_key = old_key if old_key is not None else storage.master_key()
    old_id, new_id = crypto.key_id(old_key), crypto.key_id(new_key)
    rewrapped = 0
    if old_id != new_id:
        while True:
            with transaction.atomic():
                batch = list(
                    Blob.objects.select_for_update()
                    .filter(master_key_id=old_id, wrapped_key__isnull=False)
                    .only("pk", "wrapped_key", "master_key_id")[:chunk_size]
                )
                if not batch:
                    break
                for blob in batch:
                    data_key = crypto.unwrap_key(old_key, blob.wrapped_key, blob.pk.bytes)  # type: ignore[arg-type]
                    blob.wrapped_key = crypto.wrap_key(new_key, data_key, blob.pk.bytes)
                    blob.master_key_id = new_id
                Blob.objects.bulk_update(batch, ["wrapped_key", "master_key_id"])
                rewrapped += len(batch)
    live = Blob.objects.filter(wrapped_key__isnull=False)
    result = {
        "old_key_id": old_id,
        "new_key_id": new_id,
        "rewrapped": rewrapped,
        "under_new_key": live.filter(master_key_id=new_id).count(),
        "other": live.exclude(master_key_id__in=[old_id, new_id]).count(),
    }
    do_record_event(
        EventType.MASTER_KEY_ROTATED,
        actor=actor,
        outcome=Outcome.SUCCESS if result["other"] == 0 else Outcome.FAILURE,
        details=result,
    )
    return result
