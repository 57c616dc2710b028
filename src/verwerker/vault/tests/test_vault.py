"""The vault through its actions: store, read, shred, rotate; with the real database and real files."""

import base64
import hashlib
import io
import os
import shutil

import pytest
from django.core.checks import run_checks

from verwerker.audit.actors import Actor
from verwerker.audit.events import EventType
from verwerker.audit.models import AuditEvent
from verwerker.vault import crypto, storage
from verwerker.vault.actions import (
    BlobMissingError,
    do_rotate_master_key,
    do_shred_blob,
    do_store_blob,
    open_blob_reader,
    open_blob_writer,
    read_blob_bytes,
)
from verwerker.vault.crypto import ShreddedError, TamperedError, TruncatedError, WrongKeyError
from verwerker.vault.models import Blob, BlobPurpose, BlobState, ReadPurpose

READER = Actor.system("test reader")

MIB = 1 << 20


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """``with committed():`` runs after-commit work (a shred's file removal) as a real commit would."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


def _store(client, data, actor, purpose=BlobPurpose.UPLOAD):
    return do_store_blob(data, client=client, purpose=purpose, name="adressen.csv", actor=actor)


@pytest.mark.parametrize("size", [0, 5, MIB, 3 * MIB + 7])
def test_a_blob_reads_back_exactly_as_it_was_stored(client_a, system_actor, size):
    data = os.urandom(size)
    blob = _store(client_a, data, system_actor)
    blob.refresh_from_db()
    assert blob.state == BlobState.STORED
    assert blob.size == size and blob.sha256 == hashlib.sha256(data).hexdigest()
    assert read_blob_bytes(blob, actor=READER, purpose=ReadPurpose.VERIFICATION) == data
    event = AuditEvent.objects.get(action=EventType.BLOB_STORED, object_id=str(blob.pk))
    assert event.client_id == client_a.pk and str(size) in event.details


def test_file_like_and_iterable_sources_are_streamed(client_a, system_actor):
    data = os.urandom(2 * MIB + 11)
    from_file = _store(client_a, io.BytesIO(data), system_actor)
    from_chunks = _store(client_a, (data[i : i + 1000] for i in range(0, len(data), 1000)), system_actor)
    assert (
        read_blob_bytes(from_file, actor=READER, purpose=ReadPurpose.VERIFICATION)
        == data
        == read_blob_bytes(from_chunks, actor=READER, purpose=ReadPurpose.VERIFICATION)
    )


def test_the_writer_streams_chunk_by_chunk_and_commits(client_a, system_actor):
    writer = open_blob_writer(client=client_a, purpose=BlobPurpose.UPLOAD, name="upload.csv", actor=system_actor)
    partial = storage.blob_path(writer.blob.pk, partial=True)
    assert partial.exists() and Blob.objects.get(pk=writer.blob.pk).state == BlobState.WRITING
    for _ in range(3):
        writer.write(b"x" * 700_000)
    blob = writer.commit()
    assert not partial.exists() and storage.blob_path(blob.pk).exists()
    assert (
        blob.size == 2_100_000
        and read_blob_bytes(blob, actor=READER, purpose=ReadPurpose.VERIFICATION) == b"x" * 2_100_000
    )


def test_the_writer_tells_the_plaintext_sha256_before_commit_and_takes_no_write_after(client_a, system_actor):
    """GIVEN a writer fed whole segments and a tail (the tail is encrypted and hashed only at the end)
    WHEN its SHA-256 is asked before the commit THEN it is the hash of every byte written, the one the
    committed blob records; no write is taken after it."""
    data = os.urandom(2 * MIB + 12_345)
    writer = open_blob_writer(client=client_a, purpose=BlobPurpose.UPLOAD, name="upload.csv", actor=system_actor)
    for start in range(0, len(data), 700_000):
        writer.write(data[start : start + 700_000])
    assert writer.plaintext_sha256() == hashlib.sha256(data).hexdigest()
    with pytest.raises(crypto.VaultError):
        writer.write(b"more")
    blob = writer.commit()
    assert blob.sha256 == hashlib.sha256(data).hexdigest()
    assert read_blob_bytes(blob, actor=READER, purpose=ReadPurpose.VERIFICATION) == data


def test_an_exception_inside_the_writer_aborts_and_removes_the_partial_file(client_a, system_actor, committed):
    with pytest.raises(RuntimeError), committed():
        with open_blob_writer(client=client_a, purpose=BlobPurpose.UPLOAD, actor=system_actor) as writer:
            writer.write(b"half a file")
            raise RuntimeError("connection lost")
    blob = Blob.objects.get(pk=writer.blob.pk)
    assert blob.state == BlobState.SHREDDED and blob.wrapped_key is None
    assert not storage.blob_path(blob.pk, partial=True).exists()
    event = AuditEvent.objects.get(action=EventType.BLOB_ABORTED, object_id=str(blob.pk))
    assert "RuntimeError" in event.details


def test_reading_is_streamed_in_constant_size_chunks(client_a, system_actor):
    data = os.urandom(4 * MIB + 5)
    blob = _store(client_a, data, system_actor)
    with open_blob_reader(blob, actor=READER, purpose=ReadPurpose.VERIFICATION) as reader:
        chunks = [len(c) for c in reader]
    assert chunks == [MIB] * 4 + [5]
    with open_blob_reader(blob, actor=READER, purpose=ReadPurpose.VERIFICATION) as reader:
        first = reader.read(10)
        buf = bytearray(64 * 1024)
        n = reader.readinto(buf)
        assert first + bytes(buf[:n]) == data[: 10 + n]
    with open_blob_reader(
        blob, actor=READER, purpose=ReadPurpose.VERIFICATION
    ) as reader:  # a buffer of a segment or more: decrypted straight into it
        big = bytearray(MIB + 100)
        parts, head = [], reader.read(7)
        while n := reader.readinto(big):
            parts.append(bytes(big[:n]))
        assert head + b"".join(parts) == data
        assert [len(p) for p in parts][-2:] == [MIB, 5]


def test_a_tampered_ciphertext_file_is_refused_with_a_clear_error(client_a, system_actor):
    blob = _store(client_a, os.urandom(2 * MIB), system_actor)
    path = storage.blob_path(blob.pk)
    raw = bytearray(path.read_bytes())
    raw[crypto.HEADER_SIZE + MIB + 100] ^= 0xFF
    path.write_bytes(raw)
    with pytest.raises(TamperedError, match="segment 1"):
        read_blob_bytes(blob, actor=READER, purpose=ReadPurpose.VERIFICATION)


def test_a_truncated_ciphertext_file_is_refused(client_a, system_actor):
    blob = _store(client_a, os.urandom(2 * MIB + 10), system_actor)
    path = storage.blob_path(blob.pk)
    raw = path.read_bytes()
    path.write_bytes(raw[: crypto.HEADER_SIZE + 2 * (MIB + crypto.TAG_SIZE)])
    with pytest.raises(TruncatedError):
        read_blob_bytes(blob, actor=READER, purpose=ReadPurpose.VERIFICATION)


def test_swapped_ciphertext_files_are_refused(client_a, system_actor):
    one = _store(client_a, os.urandom(1000), system_actor)
    two = _store(client_a, os.urandom(1000), system_actor)
    shutil.copyfile(storage.blob_path(two.pk), storage.blob_path(one.pk))
    with pytest.raises(TamperedError):
        read_blob_bytes(one, actor=READER, purpose=ReadPurpose.VERIFICATION)


def test_the_wrong_master_key_is_named_as_such(client_a, system_actor, settings):
    blob = _store(client_a, b"some data", system_actor)
    settings.MASTER_KEY = base64.b64encode(os.urandom(32)).decode()
    with pytest.raises(WrongKeyError, match="wrapped with master key"):
        read_blob_bytes(blob, actor=READER, purpose=ReadPurpose.VERIFICATION)


def test_a_missing_file_is_named_as_such(client_a, system_actor):
    blob = _store(client_a, b"some data", system_actor)
    storage.blob_path(blob.pk).unlink()
    with pytest.raises(BlobMissingError, match="missing"):
        read_blob_bytes(blob, actor=READER, purpose=ReadPurpose.VERIFICATION)


def test_shredding_destroys_the_key_removes_the_file_and_is_audited(client_a, system_actor, committed):
    blob = _store(client_a, b"to be deleted", system_actor)
    with committed():
        assert do_shred_blob(blob, actor=system_actor, reason="other") is True
    blob.refresh_from_db()
    assert blob.state == BlobState.SHREDDED and blob.wrapped_key is None and blob.shredded_at
    assert not storage.blob_path(blob.pk).exists()
    with pytest.raises(ShreddedError, match="crypto-shredded"):
        read_blob_bytes(blob, actor=READER, purpose=ReadPurpose.VERIFICATION)
    assert do_shred_blob(blob, actor=system_actor, reason="other") is False  # idempotent
    assert AuditEvent.objects.filter(action=EventType.BLOB_SHREDDED, object_id=str(blob.pk)).count() == 1


def test_a_bulk_shred_records_one_chained_event_per_blob(client_a, system_actor, committed):
    from verwerker.audit.queries import verify_chain
    from verwerker.vault.actions import do_shred_blobs

    blobs = [_store(client_a, os.urandom(10), system_actor) for _ in range(5)]
    with committed():
        shredded = do_shred_blobs([b.pk for b in blobs], actor=system_actor, reason="other")
    assert set(shredded) == {b.pk for b in blobs}
    events = AuditEvent.objects.filter(action=EventType.BLOB_SHREDDED)
    assert sorted(events.values_list("object_id", flat=True)) == sorted(str(b.pk) for b in blobs)
    assert set(events.values_list("client_id", flat=True)) == {client_a.pk}
    assert verify_chain().ok


def test_a_copy_of_the_ciphertext_cannot_be_read_after_the_shred(client_a, client_b, system_actor, committed, tmp_path):
    """GIVEN a blob whose ciphertext someone copied aside (a stray backup)
    WHEN the blob is shredded
    THEN nothing the system still holds (master key, every wrapped key left in the database) opens the copy."""
    secret = b"MARKER-" + os.urandom(8).hex().encode()
    blob = _store(client_a, secret * 1000, system_actor)
    others = [_store(c, os.urandom(100), system_actor) for c in (client_a, client_b)]
    copy = tmp_path / "stray-copy"
    shutil.copyfile(storage.blob_path(blob.pk), copy)
    with committed():
        do_shred_blob(blob, actor=system_actor, reason="other")
    assert not storage.blob_path(blob.pk).exists()

    master = storage.master_key()
    ciphertext = copy.read_bytes()
    candidate_keys = []
    for row in Blob.objects.exclude(wrapped_key=None):
        for blob_id in (row.pk.bytes, blob.pk.bytes):
            try:
                candidate_keys.append(crypto.unwrap_key(master, row.wrapped_key, blob_id))
            except crypto.VaultError:
                pass
    assert len(candidate_keys) >= len(others)  # the other blobs' keys do unwrap (with their own id)
    for key in [*candidate_keys, master]:
        with pytest.raises(crypto.VaultError):
            crypto.decrypt_bytes(key, ciphertext)
    assert secret not in ciphertext


def test_rotation_rewraps_data_keys_without_touching_the_files(client_a, system_actor, settings):
    blobs = [_store(client_a, os.urandom(3000), system_actor) for _ in range(3)]
    old_master = storage.master_key()
    contents = {b.pk: read_blob_bytes(b, actor=READER, purpose=ReadPurpose.VERIFICATION) for b in blobs}
    files = {b.pk: storage.blob_path(b.pk).read_bytes() for b in blobs}
    new_master = os.urandom(32)

    result = do_rotate_master_key(new_master, actor=system_actor, chunk_size=2)
    assert result["rewrapped"] >= 3 and result["other"] == 0
    assert {b.master_key_id for b in Blob.objects.filter(pk__in=contents)} == {crypto.key_id(new_master)}
    assert all(storage.blob_path(pk).read_bytes() == raw for pk, raw in files.items())

    with pytest.raises(WrongKeyError):
        read_blob_bytes(
            blobs[0], actor=READER, purpose=ReadPurpose.VERIFICATION
        )  # the old key no longer opens anything
    settings.MASTER_KEY = base64.b64encode(new_master).decode()
    assert {b.pk: read_blob_bytes(b, actor=READER, purpose=ReadPurpose.VERIFICATION) for b in blobs} == contents
    assert do_rotate_master_key(new_master, actor=system_actor, old_key=old_master)["rewrapped"] == 0
    assert AuditEvent.objects.filter(action=EventType.MASTER_KEY_ROTATED).count() == 2


def test_the_vault_carries_a_cachedir_tag():
    tag = storage.vault_dir() / "CACHEDIR.TAG"
    assert tag.read_text().startswith("Signature: 8a477f597d28d172789f06886806bc55")


def test_check_warns_when_the_vault_is_inside_a_backed_up_path(settings, tmp_path):
    settings.VAULT_DIR = tmp_path / "data" / "vault"
    settings.BACKUP_INCLUDES = [str(tmp_path / "elsewhere")]
    assert "vault.W001" not in {m.id for m in run_checks()}
    settings.BACKUP_INCLUDES = [str(tmp_path / "elsewhere"), str(tmp_path / "data")]
    warnings = [m for m in run_checks() if m.id == "vault.W001"]
    assert len(warnings) == 1 and str(tmp_path / "data") in warnings[0].msg


def test_the_rotate_key_command_installs_the_new_key_file(client_a, system_actor, settings, tmp_path):
    from django.core.management import call_command

    key_file = tmp_path / "master-key"
    key_file.write_text(base64.b64encode(os.urandom(32)).decode() + "\n")
    settings.MASTER_KEY, settings.MASTER_KEY_FILE = "", key_file
    blob = _store(client_a, b"rotate me", system_actor)
    new = tmp_path / "new-key"
    new_key = os.urandom(32)
    new.write_text(base64.b64encode(new_key).decode())
    out = io.StringIO()
    call_command("vault", "rotate-key", "--new-key-file", str(new), stdout=out)
    assert "re-wrapped" in out.getvalue()
    assert crypto.parse_master_key(key_file.read_text()) == new_key
    assert read_blob_bytes(blob, actor=READER, purpose=ReadPurpose.VERIFICATION) == b"rotate me"
    assert oct(key_file.stat().st_mode & 0o777) == "0o600"


def test_the_rotate_key_command_names_a_bad_key_file(tmp_path, db):
    from django.core.management import CommandError, call_command

    bad = tmp_path / "bad"
    bad.write_text("not a key")
    with pytest.raises(CommandError, match=str(bad)):
        call_command("vault", "rotate-key", "--new-key-file", str(bad))


def test_a_store_that_fails_half_way_on_a_full_disk_keeps_nothing(client_a, system_actor, committed):
    """GIVEN a vault file that may not grow past 6 MiB (RLIMIT_FSIZE: to the writer, the disk is full)
    WHEN a 20 MiB stream is stored (hashes of earlier segments still running beside encryption)
    THEN the disk's error comes out of do_store_blob, the blob is aborted and its partial file removed,
    and no hash is left running on another thread."""
    import errno
    import resource
    import signal

    from verwerker.vault.tests.test_crypto import _crypto_work_on_other_threads

    block = os.urandom(MIB)
    old_limit = resource.getrlimit(resource.RLIMIT_FSIZE)
    old_handler = signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    try:
        resource.setrlimit(resource.RLIMIT_FSIZE, (6 * MIB, old_limit[1]))
        with pytest.raises(OSError) as failed, committed():
            _store(client_a, (block for _ in range(20)), system_actor)
    finally:
        resource.setrlimit(resource.RLIMIT_FSIZE, old_limit)
        signal.signal(signal.SIGXFSZ, old_handler)
    assert failed.value.errno == errno.EFBIG
    assert not _crypto_work_on_other_threads()
    blob = Blob.objects.latest("created_at")
    assert blob.state == BlobState.SHREDDED and blob.wrapped_key is None
    assert not storage.blob_path(blob.pk, partial=True).exists() and not storage.blob_path(blob.pk).exists()
    assert AuditEvent.objects.filter(action=EventType.BLOB_ABORTED, object_id=str(blob.pk)).exists()


def test_a_reader_closed_half_way_stops_its_read_ahead(client_a, system_actor):
    from verwerker.vault.tests.test_crypto import _crypto_work_on_other_threads

    data = os.urandom(8 * MIB)
    blob = _store(client_a, data, system_actor)
    reader = open_blob_reader(blob, actor=READER, purpose=ReadPurpose.VERIFICATION)
    assert reader.read(MIB) == data[:MIB]
    reader.close()
    assert not _crypto_work_on_other_threads()


@pytest.mark.parametrize(
    "pieces",
    [[1 << 20], [1000, (1 << 20) + 5, 3 << 20], [16, 1], [storage.WRITE_ALIGN - 1, 1, storage.WRITE_ALIGN + 16]],
)
def test_a_ciphertext_file_is_written_in_whole_aligned_pieces_with_the_same_bytes(tmp_path, pieces):
    """GIVEN the stream of the format's equivalence test (fixed key, nonce prefix and plaintext)
    WHEN it is encrypted into an AlignedFile in pieces of these sizes
    THEN after every write the file holds a whole number of WRITE_ALIGN blocks and the rest is held back,
    and at the end the file is byte for byte the format's test vector."""
    key, prefix = bytes(range(32)), b"vwtest7"
    data = (bytes(range(256)) * 4096) * 3 + b"tail of the stream"
    path = tmp_path / "blob"
    sink = storage.AlignedFile(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    try:
        enc = crypto.StreamEncryptor(key, sink, nonce_prefix=prefix)
        pos = i = 0
        while pos < len(data):
            enc.write(data[pos : pos + pieces[i % len(pieces)]])
            pos += pieces[i % len(pieces)]
            i += 1
            on_disk = os.fstat(sink.fileno()).st_size
            assert on_disk % storage.WRITE_ALIGN == 0 and sink.held < storage.WRITE_ALIGN
            assert on_disk + sink.held == enc.ciphertext_size
        enc.finish()
        sink.flush()
    finally:
        sink.close()
    assert hashlib.sha256(path.read_bytes()).hexdigest() == (
        "a25481d0f1c47d510f2a55409fa508d004c6986222b7e9cc86909b692d49913a"
    )


def test_an_aligned_file_writes_any_sizes_in_order(tmp_path):
    """Pieces smaller than, equal to and larger than WRITE_ALIGN, from bytes and memoryviews, in order;
    more than WRITEBACK_EVERY of them, so the early writeback runs on the way (on Linux, where it exists)."""
    import sys

    align = storage.WRITE_ALIGN
    big = storage.WRITEBACK_EVERY + 3 * align + 7
    pieces = [os.urandom(n) for n in (0, 1, align - 1, align, 5, 2 * align + 3, 17, big, align - 22, 1, big)]
    path = tmp_path / "plain"
    sink = storage.AlignedFile(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    for k, piece in enumerate(pieces):
        assert sink.write(piece if k % 2 else memoryview(piece)) == len(piece)
        assert os.fstat(sink.fileno()).st_size % align == 0
    sink.flush()
    sink.close()
    sink.close()  # idempotent
    assert path.read_bytes() == b"".join(pieces)
    assert storage._sync_file_range is not None or not sys.platform.startswith("linux")
