"""The STREAM construction over AES-256-GCM: round trips, and every kind of damage is caught and named."""

import hashlib
import io
import os
import time

import pytest
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from verwerker.vault import crypto
from verwerker.vault.crypto import (
    HEADER_SIZE,
    TAG_SIZE,
    StreamDecryptor,
    StreamEncryptor,
    TamperedError,
    TruncatedError,
    WrongKeyError,
    decrypt_bytes,
    encrypt_bytes,
    generate_data_key,
)

SEG = crypto.MIN_SEGMENT_SIZE  # small segments keep multi-segment cases fast
STRIDE = SEG + TAG_SIZE


def _enc(key, data, seg=SEG):
    return encrypt_bytes(key, data, segment_size=seg)


@pytest.mark.parametrize("size", [0, 1, SEG - 1, SEG, SEG + 1, 3 * SEG, 3 * SEG + 17])
def test_it_round_trips_streams_of_any_length(size):
    key = generate_data_key()
    data = os.urandom(size)
    ct = _enc(key, data)
    assert decrypt_bytes(key, ct) == data
    # one tag per segment; an empty stream is one empty last segment
    segments = max(1, -(-size // SEG))
    assert len(ct) == HEADER_SIZE + size + segments * TAG_SIZE


def test_writes_in_odd_pieces_give_the_same_plaintext_back():
    key = generate_data_key()
    data = os.urandom(5 * SEG + 123)
    sink = io.BytesIO()
    enc = StreamEncryptor(key, sink, segment_size=SEG)
    pos = 0
    for piece in [1, SEG - 1, 2 * SEG + 5, 7, SEG, 10_000]:
        enc.write(data[pos : pos + piece])
        pos += piece
    enc.finish()
    assert decrypt_bytes(key, sink.getvalue()) == data


def test_the_ciphertext_does_not_contain_the_plaintext():
    key = generate_data_key()
    marker = b"Jansen, Kerkstraat 12, 1234 AB Amsterdam " * 100
    assert marker[:40] not in _enc(key, marker)


def test_a_flipped_byte_is_rejected_as_tampered():
    key = generate_data_key()
    ct = bytearray(_enc(key, os.urandom(3 * SEG)))
    ct[HEADER_SIZE + STRIDE + 10] ^= 1
    with pytest.raises(TamperedError, match="segment 1 does not authenticate"):
        decrypt_bytes(key, bytes(ct))


def test_a_dropped_last_segment_is_rejected_as_truncated():
    key = generate_data_key()
    ct = _enc(key, os.urandom(3 * SEG + 100))
    cut = ct[: HEADER_SIZE + 3 * STRIDE]
    with pytest.raises(TruncatedError, match="cut off after segment 2"):
        decrypt_bytes(key, cut)


def test_a_stream_cut_inside_a_segment_is_rejected():
    key = generate_data_key()
    ct = _enc(key, os.urandom(3 * SEG + 100))
    with pytest.raises((TamperedError, TruncatedError)):
        decrypt_bytes(key, ct[:-50])
    with pytest.raises(TruncatedError):
        decrypt_bytes(key, ct[: HEADER_SIZE - 1])


def test_reordered_segments_are_rejected():
    key = generate_data_key()
    ct = _enc(key, os.urandom(3 * SEG + 100))
    body = ct[HEADER_SIZE:]
    s0, s1, rest = body[:STRIDE], body[STRIDE : 2 * STRIDE], body[2 * STRIDE :]
    with pytest.raises(TamperedError, match="segment 0"):
        decrypt_bytes(key, ct[:HEADER_SIZE] + s1 + s0 + rest)


def test_a_duplicated_segment_is_rejected():
    key = generate_data_key()
    ct = _enc(key, os.urandom(3 * SEG + 100))
    body = ct[HEADER_SIZE:]
    s0 = body[:STRIDE]
    with pytest.raises(TamperedError, match="segment 1"):
        decrypt_bytes(key, ct[:HEADER_SIZE] + s0 + s0 + body[STRIDE:])


def test_segments_appended_after_the_end_are_rejected():
    key = generate_data_key()
    data = os.urandom(2 * SEG)
    ct = _enc(key, data)
    # the real last segment is full-size; anything after it makes it a middle segment
    with pytest.raises(TamperedError, match="appended"):
        decrypt_bytes(key, ct + ct[HEADER_SIZE:][:STRIDE])


def test_another_blobs_header_is_rejected():
    key = generate_data_key()
    data = os.urandom(SEG + 5)
    ct1, ct2 = _enc(key, data), _enc(key, data)  # same key even: the header's nonce prefix differs
    with pytest.raises(TamperedError, match="segment 0"):
        decrypt_bytes(key, ct2[:HEADER_SIZE] + ct1[HEADER_SIZE:])


def test_a_changed_header_field_is_rejected():
    key = generate_data_key()
    ct = bytearray(_enc(key, os.urandom(100)))
    ct[4] = 9  # version
    with pytest.raises(TamperedError, match="version"):
        decrypt_bytes(key, bytes(ct))
    ct = bytearray(_enc(key, os.urandom(100)))
    ct[HEADER_SIZE - 1] ^= 0x80  # last byte of the nonce prefix
    with pytest.raises(TamperedError):
        decrypt_bytes(key, bytes(ct))


def test_the_wrong_data_key_is_rejected():
    ct = _enc(generate_data_key(), b"hello")
    with pytest.raises(TamperedError):
        decrypt_bytes(generate_data_key(), ct)


def test_wrapped_keys_open_only_with_their_master_key_and_blob_id():
    master, other = os.urandom(32), os.urandom(32)
    data_key = generate_data_key()
    blob_id, other_id = os.urandom(16), os.urandom(16)
    wrapped = crypto.wrap_key(master, data_key, blob_id)
    assert data_key not in wrapped
    assert crypto.unwrap_key(master, wrapped, blob_id) == data_key
    with pytest.raises(WrongKeyError, match="master key"):
        crypto.unwrap_key(other, wrapped, blob_id)
    with pytest.raises(WrongKeyError):
        crypto.unwrap_key(master, wrapped, other_id)


def test_master_keys_are_parsed_strictly():
    import base64

    key = os.urandom(32)
    assert crypto.parse_master_key(base64.b64encode(key).decode() + "\n") == key
    with pytest.raises(crypto.KeyConfigError, match="32 bytes"):
        crypto.parse_master_key(base64.b64encode(b"short").decode())
    with pytest.raises(crypto.KeyConfigError, match="base64"):
        crypto.parse_master_key("not base64 at all!")
    assert crypto.key_id(key) != crypto.key_id(os.urandom(32))


def test_the_decryptor_hands_out_one_segment_at_a_time():
    key = generate_data_key()
    data = os.urandom(4 * SEG + 3)
    ct = _enc(key, data)
    dec = StreamDecryptor(key, io.BytesIO(ct), len(ct))
    sizes = []
    while (segment := dec.next_segment()) is not None:
        sizes.append(len(segment))
    assert sizes == [SEG, SEG, SEG, SEG, 3]


def _reference_stream(key: bytes, prefix: bytes, data: bytes, seg: int) -> bytes:
    """The documented format built straight from AES-GCM, independent of StreamEncryptor: what every
    vault file written so far looks like."""
    header = crypto.build_header(prefix, seg)
    pieces = [data[i : i + seg] for i in range(0, len(data), seg)] or [b""]
    out = [header]
    for i, piece in enumerate(pieces):
        nonce = prefix + i.to_bytes(4, "big") + (b"\x01" if i == len(pieces) - 1 else b"\x00")
        out.append(AESGCM(key).encrypt(nonce, piece, header))
    return b"".join(out)


@pytest.mark.parametrize("seg", [SEG, crypto.PARALLEL_HASH_MIN, crypto.PARALLEL_HASH_MIN * 2])
@pytest.mark.parametrize("pieces", [[1], [7, 3], [1 << 20], [100_000, 1, 200_001]])
def test_the_parallel_hash_leaves_ciphertext_and_checksum_as_the_format_defines(seg, pieces):
    """Hashing beside encryption (on another thread, from large segments) changes no byte of the file
    and gives the SHA-256 of the plaintext in order; files in the format as it was still decrypt."""
    key, prefix = generate_data_key(), os.urandom(crypto.PREFIX_SIZE)
    data = os.urandom(3 * seg + 5)
    sink, sha = io.BytesIO(), hashlib.sha256()
    enc = StreamEncryptor(key, sink, segment_size=seg, nonce_prefix=prefix, hasher=sha)
    pos, i = 0, 0
    while pos < len(data):
        size = pieces[i % len(pieces)]
        # The caller's buffer is reused as soon as write returns, as do_store_blob's reader does.
        buf = bytearray(data[pos : pos + size])
        enc.write(buf)
        buf[:] = b"\xff" * len(buf)
        pos += size
        i += 1
    enc.finish()
    reference = _reference_stream(key, prefix, data, seg)
    assert sink.getvalue() == reference
    assert sha.hexdigest() == hashlib.sha256(data).hexdigest()
    assert decrypt_bytes(key, reference) == data


def test_a_forked_child_hashes_beside_encryption_too():
    """The hashing threads do not survive a fork: a child gets its own (it would otherwise wait forever)."""
    data = os.urandom(3 * crypto.PARALLEL_HASH_MIN)
    parent = StreamEncryptor(generate_data_key(), io.BytesIO(), segment_size=crypto.PARALLEL_HASH_MIN,
                             hasher=hashlib.sha256())
    parent.write(data)  # the parent's hashing threads exist now, idle
    parent.finish()
    pid = os.fork()
    if pid == 0:  # the child: hash beside encryption, exit 0 only with the right digest
        code = 1
        try:
            sha = hashlib.sha256()
            enc = StreamEncryptor(generate_data_key(), io.BytesIO(), segment_size=crypto.PARALLEL_HASH_MIN, hasher=sha)
            enc.write(data)
            enc.finish()
            code = 0 if sha.digest() == hashlib.sha256(data).digest() else 1
        finally:
            os._exit(code)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            assert os.waitstatus_to_exitcode(status) == 0
            return
        time.sleep(0.05)
    os.kill(pid, 9)
    os.waitpid(pid, 0)
    pytest.fail("the forked child's hash never ran")


# The paths that use the pool: segments of PARALLEL_HASH_MIN or more, hashed beside encryption while the
# next ones are encrypted (a ring of plaintext segments), and read from a real file ahead of decryption.
BIG = crypto.PARALLEL_HASH_MIN


def _crypto_work_on_other_threads() -> list[str]:
    """Functions of crypto.py that some other thread is running right now (idle pool threads run none)."""
    import sys
    import threading

    here = threading.get_ident()
    busy = []
    for ident, frame in sys._current_frames().items():
        f = frame
        while f is not None and ident != here:
            if f.f_code.co_filename == crypto.__file__:
                busy.append(f.f_code.co_name)
            f = f.f_back
    return busy


def _write_file(path, key, data, seg=BIG):
    path.write_bytes(encrypt_bytes(key, data, segment_size=seg))
    return path


def test_a_stream_is_byte_for_byte_the_format_as_it_was_written_before():
    """GIVEN a fixed key, nonce prefix and plaintext of three 1 MiB segments and a tail
    WHEN it is encrypted in whole segments, or in pieces that straddle segments
    THEN the file is exactly what the vault wrote before the hash ring and the read-ahead (its SHA-256
    was taken from that code), and the checksum is the plaintext's."""
    key, prefix = bytes(range(32)), b"vwtest7"
    data = (bytes(range(256)) * 4096) * 3 + b"tail of the stream"
    for pieces in ([1 << 20], [1000, (1 << 20) + 5, 3 << 20]):
        sink, sha = io.BytesIO(), hashlib.sha256()
        enc = StreamEncryptor(key, sink, nonce_prefix=prefix, hasher=sha)
        pos = i = 0
        while pos < len(data):
            enc.write(data[pos : pos + pieces[i % len(pieces)]])
            pos += pieces[i % len(pieces)]
            i += 1
        enc.finish()
        assert hashlib.sha256(sink.getvalue()).hexdigest() == (
            "a25481d0f1c47d510f2a55409fa508d004c6986222b7e9cc86909b692d49913a"
        )
        assert sha.digest() == hashlib.sha256(data).digest()


@pytest.mark.parametrize("size", [0, 1, BIG, BIG + 1, 7 * BIG + 3])
@pytest.mark.parametrize("into_buffer", [True, False])
def test_a_file_read_ahead_gives_the_plaintext_back_in_order(tmp_path, size, into_buffer):
    """An empty blob, a blob of exactly one segment, and longer ones, read from a file with read-ahead."""
    key, data = generate_data_key(), os.urandom(size)
    path = _write_file(tmp_path / "blob", key, data)
    buf = memoryview(bytearray(BIG))
    with open(path, "rb", buffering=0) as fh:
        dec = StreamDecryptor(key, fh, path.stat().st_size)
        parts = []
        while (segment := dec.next_segment(buf if into_buffer else None)) is not None:
            parts.append(bytes(segment))
    assert b"".join(parts) == data
    assert [len(p) for p in parts] == [BIG] * (size // BIG) + ([size % BIG] if size % BIG or not size else [])
    assert not _crypto_work_on_other_threads()


def test_a_damaged_segment_in_the_middle_ends_the_read_ahead(tmp_path):
    """GIVEN a file of ten segments with one byte flipped in segment 5
    WHEN it is read with read-ahead (later segments already being read on the pool)
    THEN segments 0-4 come out right, segment 5 raises, every later call raises the same error, and no
    thread is left working on the stream."""
    key, data = generate_data_key(), os.urandom(10 * BIG)
    path = _write_file(tmp_path / "blob", key, data)
    raw = bytearray(path.read_bytes())
    raw[HEADER_SIZE + 5 * (BIG + TAG_SIZE) + 100] ^= 1
    path.write_bytes(raw)
    with open(path, "rb", buffering=0) as fh:
        dec = StreamDecryptor(key, fh, len(raw))
        for i in range(5):
            assert bytes(dec.next_segment()) == data[i * BIG : (i + 1) * BIG]
        with pytest.raises(TamperedError, match="segment 5 does not authenticate") as first:
            dec.next_segment()
        assert not _crypto_work_on_other_threads()
        with pytest.raises(TamperedError) as again:
            dec.next_segment()
        assert again.value is first.value


def test_a_truncated_file_is_named_as_such_with_read_ahead(tmp_path):
    key, data = generate_data_key(), os.urandom(4 * BIG + 9)
    path = _write_file(tmp_path / "blob", key, data)
    raw = path.read_bytes()
    path.write_bytes(raw[: HEADER_SIZE + 4 * (BIG + TAG_SIZE)])  # the last segment cut off
    with open(path, "rb", buffering=0) as fh, pytest.raises(TruncatedError, match="cut off after segment 3"):
        dec = StreamDecryptor(key, fh, path.stat().st_size)
        while dec.next_segment() is not None:
            pass
    # The file shrinks after the reader has taken its size: the read-ahead finds the end missing.
    path.write_bytes(raw)
    with open(path, "rb", buffering=0) as fh:
        dec = StreamDecryptor(key, fh, len(raw))
        os.truncate(path, HEADER_SIZE + 2 * (BIG + TAG_SIZE) + 10)
        with pytest.raises(TruncatedError, match="became shorter"):
            while dec.next_segment() is not None:
                pass
    assert not _crypto_work_on_other_threads()


def test_a_reader_closed_half_way_leaves_no_read_ahead_running(tmp_path):
    key, data = generate_data_key(), os.urandom(20 * BIG)
    path = _write_file(tmp_path / "blob", key, data)
    with open(path, "rb", buffering=0) as fh:
        dec = StreamDecryptor(key, fh, path.stat().st_size)
        assert bytes(dec.next_segment()) == data[:BIG]
        dec.close()
        assert not _crypto_work_on_other_threads()


@pytest.mark.parametrize("pieces", [BIG, 40 * BIG])
def test_a_write_that_fails_half_way_stops_the_hashing_and_the_stream(tmp_path, pieces):
    """GIVEN a file that may not grow past 6 segments (RLIMIT_FSIZE: the disk is full, as far as the
    writer can tell) WHEN 40 segments are written, in whole segments (the ring) or in one piece (hashed
    from the caller's buffer) THEN the write raises the disk's error, no hash is left running, and the
    stream refuses to go on."""
    import errno
    import resource
    import signal

    data = os.urandom(40 * BIG)
    old_limit = resource.getrlimit(resource.RLIMIT_FSIZE)
    old_handler = signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    with open(tmp_path / "blob", "wb", buffering=0) as fh:
        enc = StreamEncryptor(generate_data_key(), fh, segment_size=BIG, hasher=hashlib.sha256())
        try:
            resource.setrlimit(resource.RLIMIT_FSIZE, (6 * BIG, old_limit[1]))
            with pytest.raises(OSError) as failed:
                for pos in range(0, len(data), pieces):
                    enc.write(data[pos : pos + pieces])
        finally:
            resource.setrlimit(resource.RLIMIT_FSIZE, old_limit)
            signal.signal(signal.SIGXFSZ, old_handler)
    assert failed.value.errno == errno.EFBIG
    assert not _crypto_work_on_other_threads()
    with pytest.raises(crypto.VaultError, match="failed earlier"):
        enc.write(b"more")
    with pytest.raises(crypto.VaultError, match="failed earlier"):
        enc.finish()


def test_more_streams_than_pool_threads_each_get_their_own_bytes_and_digest(tmp_path):
    """Four writers and two read-ahead readers at once on the two-thread pool: every digest is its own
    stream's, every file decrypts to its own plaintext, and nothing is left running afterwards."""
    import threading

    key = generate_data_key()
    datas = [os.urandom(30 * BIG + i) for i in range(4)]
    readers_data = [os.urandom(25 * BIG + 7) for _ in range(2)]
    reader_paths = [_write_file(tmp_path / f"r{i}", key, d) for i, d in enumerate(readers_data)]
    results: dict = {}

    def write(i):
        sha = hashlib.sha256()
        with open(tmp_path / f"w{i}", "wb") as fh:
            enc = StreamEncryptor(key, fh, segment_size=BIG, hasher=sha)
            for pos in range(0, len(datas[i]), BIG):
                enc.write(datas[i][pos : pos + BIG])
            enc.finish()
        results[("w", i)] = sha.digest()

    def read(i):
        with open(reader_paths[i], "rb", buffering=0) as fh:
            dec = StreamDecryptor(key, fh, reader_paths[i].stat().st_size)
            parts = []
            while (segment := dec.next_segment()) is not None:
                parts.append(bytes(segment))
        results[("r", i)] = b"".join(parts)

    threads = [threading.Thread(target=write, args=(i,)) for i in range(4)]
    threads += [threading.Thread(target=read, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert not any(t.is_alive() for t in threads)
    for i, data in enumerate(datas):
        assert results[("w", i)] == hashlib.sha256(data).digest()
        assert decrypt_bytes(key, (tmp_path / f"w{i}").read_bytes()) == data
    for i, data in enumerate(readers_data):
        assert results[("r", i)] == data
    assert not _crypto_work_on_other_threads()
