"""Streaming authenticated encryption of vault blobs, and wrapping of their data keys. Pure: no ORM.

Threat model. An attacker obtains ciphertext files of the vault (a stray backup, a disk image, a copy
on shared storage) and possibly the database (a dump, so the wrapped data keys). They may read,
modify, cut, reorder, duplicate or swap any bytes of those files. They do not have the master key
while it is still in use; after a blob is shredded, not even the master key helps, because the blob's
data key existed only wrapped in the database row that the shred cleared (NIST SP 800-88
"cryptographic erase": sanitise the key, and the data is unrecoverable).

Construction: STREAM (Hoang, Reyhanitabar, Rogaway, Vizár, "Online Authenticated-Encryption and its
Nonce-Reuse Misuse-Resistance", CRYPTO 2015), the construction behind Google Tink's streaming AEAD,
over AES-256-GCM from `cryptography` (OpenSSL). No home-made mode: each segment is an ordinary
AES-GCM message; STREAM only fixes how nonces and associated data are chosen.

    file     = header || segment_0 || ... || segment_n
    header   = "VWVS" || version (1 byte) || segment size (4 bytes, big-endian) || nonce prefix (7 bytes)
    segment_i = AES-256-GCM(data key, nonce_i, plaintext_i, associated data = header)   (ciphertext || 16-byte tag)
    nonce_i  = nonce prefix (7 random bytes) || i (4 bytes, big-endian) || 1 if i == n else 0 (1 byte)

Every segment but the last holds exactly ``segment size`` bytes of plaintext; the last holds 0 to
``segment size`` bytes (an empty blob is one empty last segment: a bare tag).

Invariants, and what each one detects:
- a segment only authenticates at its own position (the counter is in the nonce): reordering and
  duplication fail;
- only the final segment carries the last flag: cutting segments off the end fails (we then tell a
  clean truncation, where the new final segment verifies as a middle one, from other damage), and so
  does appending segments after the real end;
- the header is the associated data of every segment: changing its version, segment size or prefix,
  or putting another blob's header in front, fails on the first segment;
- one data key per blob, random 256 bits, used for exactly one stream, so (key, nonce) never repeats;
  at most 2**32 segments (4 PiB at 1 MiB) per blob;
- the data key is stored only wrapped: AES-256-GCM under the master key with the blob id as associated
  data, so a wrapped key copied onto another blob's row does not open that blob, and a wrong master key
  is reported as such (the wrap's tag fails) rather than as damage.

Limits: Python cannot zeroise memory, so a data key lives in process memory until it is collected;
the protection is that it is never written anywhere but wrapped in its row. A streaming reader hands
out plaintext of verified segments before later segments are checked: a consumer must treat a
VaultError at any point as "the whole blob is bad" (the vault's reader does; it never returns a
short read as success). Wrap nonces are random 96-bit values under one master key: fine far beyond
2**32 wraps, which rotation keeps us under.

Speed: the blob's plaintext SHA-256 (its recorded checksum) is taken here, segment by segment, beside the
encryption rather than before it. We keep SHA-256 rather than dropping it for the GCM tags (which already
authenticate every segment): the checksum is the blob's plaintext identity in audit events and deletion
certificates, independent of the key, which a tag is not. Measured here (issue 23), per 512 MiB on one
core: AES-256-GCM with ``encrypt_into`` 0.07 s (VAES), ``decrypt_into`` 0.06 s, SHA-256 0.30 s (SHA-NI),
the write() calls into the page cache about 0.13 s, a read from it about 0.04-0.07 s. So the hash, not
the cipher, bounds a stream (about 1.7 GB/s), and only on a core of its own; a faster construction would
have to drop the plaintext checksum, which the design needs.

Writing: both the hash (hashlib, above 2 KiB) and AES-GCM (OpenSSL via `cryptography`) release the GIL. A
full segment's hash starts on the shared pool as soon as the segment is filled (whether it is the last one
is known only later, and does not change its hash), and the writer goes on to encrypt and write it and to
fill the next slot of a ring of ``RING`` plaintext segments; it waits for a slot's hash only before reusing
that slot, so the hash thread always has the next segment queued and runs back to back. Hashes run in stream
order: one pool task per stream at a time takes the queued segments one after another (``_OrderedHash``). A
piece of a whole segment or more that arrives while nothing is buffered is encrypted and hashed from the
caller's buffer, and ``write`` returns only when its hashes are done. So the digest is that of the stream in
order, and the file is byte for byte what it was before (tested against a digest of the old writer's
output). Buffers are allocated once per stream; per segment only a queue entry. A StreamEncryptor into a
file with its fsync, 1 GiB (the second GiB of a process), the code before and this alternately, six each,
load 8.8-10.7: 1.86 s wall against 2.02 s, the same CPU (1.25 s against 1.23 s). If the sink fails (a full
disk), the queued hashes are dropped and the running one waited for before the error goes on; the stream
then refuses further use. Writes are one segment (1 MiB + 16 bytes) per call (the vault's file,
storage.AlignedFile, hands them to the kernel at offsets aligned to 1 MiB); the writer fsyncs once, at
commit (actions.py), where durability is promised. The vault's file starts the writeback early
(sync_file_range every 32 MiB, storage.AlignedFile): under load 7-19 that did not shorten the whole, but on
the machine alone it takes a GiB's store from 1.31 s to 1.04 s, the fsync's wait from 0.33 s to 0.01 s.

Reading: a regular file's ciphertext is read ``READ_AHEAD`` segments ahead on the pool (``pread`` at each
segment's offset) while the caller's thread decrypts and verifies the current one straight into the caller's
buffer. Decrypting segments on two pool threads as well was measured and dropped: it cost 0.31-0.37 CPU-s
per GiB against 0.18-0.21 for the serial reader (a copy out of the pool's buffer and hand-offs; probably
also two AES streams slowing each other on this VM's two vCPUs, not verified), and its wall time under load
was worse than the serial reader's; the read-ahead costs 0.22-0.27 CPU-s per GiB and leaves 0.13-0.15 on the
caller's thread (the critical path on an idle machine) against 0.18-0.21 (a probe outside the repo:
StreamDecryptor over a 1 GiB file in the page cache into a 1 MiB buffer, medians of five, alternating with
the code before, load 6-7). The same probe with this code, ``READ_AHEAD`` 3 against 0 alternately, medians
of seven, load 9-13: 0.66 s wall against 1.15 s, 0.29 CPU-s against 0.22, 0.16 CPU-s on the caller's thread
against 0.22 (under load the second thread also buys a second share of the CPU). Segments are still handed
out only in order and only once verified; the first failure stops the read-ahead (cancelled or waited for)
and every later call raises it.

Measured after these changes (issue 23), bench vault's child (``python -m bench.vault --child --size-mib
1024 --runs 3 --blobs 1000``, what ``python -m bench vault --runs 3`` runs once per database), the code
before and after run one after the other in one window with the same bench, on a machine shared with three
other benchmarks, so the wall figures are mostly noise. SQLite, with the bench as it is now (an untimed
round first, the previous blob shredded just before the next is stored), load 8.4 then 7.2: encrypt ÷ cp
0.32 before, 0.39 after; decrypt ÷ plain read 0.99 before, 0.90 after; CPU per GiB encrypt 2.07 s before,
2.25 s after (of which SHA-256 0.6 s and AES-GCM 0.13 s; the rest is mostly system time in the writes, where
perf shows the kernel's copy into page-cache pages, varying with the VM's memory; a bare StreamEncryptor
into a file costs 1.25 s per GiB in a process of its own), decrypt 0.22 s before, 0.28 s after. PostgreSQL,
the bench before its last change, load 9.7 then 9.1: encrypt ÷ cp 0.18 before, 0.34 after; decrypt ÷ plain
read 0.78 before, 0.90 after. Earlier, SQLite, load 14.5-18.8, before/after/after/before: encrypt ÷ cp 0.21
and 0.30 before, 0.50 and 0.54 after; decrypt ÷ plain read 0.95 and 0.92 before, 0.80 and 1.22 after;
decrypt CPU 0.26 and 0.21 s before, 0.45 and 0.41 s after. So the targets (encrypt >= 0.8 of cp, decrypt >=
0.9 of a plain read, on a quiet machine) are not shown here; whether the read-ahead pays on a quiet machine
is to be measured there (``READ_AHEAD = 0`` turns it off).

On the machine alone (3 December 2026, 17:25-17:41, load 0.7-1.5), ``python -m bench vault --runs 3``, the
code before (8ee0655) and after in turns with today's bench: PostgreSQL encrypt ÷ cp 0.44 before, 0.97 and
0.88 after (0.95 in a process of its own), so the target is met there; SQLite 0.36 before, 0.37 and 0.63
after (0.77 alone). The bench's first process (SQLite) spent 1.7-3.0 CPU-s on a GiB against 1.3 for the
PostgreSQL one after it, the kernel's page-cache copies again; the SQLite store's extra 0.3-0.4 CPU-s per
GiB even then was the same (measured since): not the database, but memory the host had taken back, which
the bench's fixed order of steps put into the vault's write (bench/vault.py, ``SETTLE_S``). Decrypt ÷
plain read 0.66-1.29 after (median 1.1), 0.72 and 1.07 before: the plain read is a 5 GB/s copy out of
the page cache, and tens of milliseconds swing the ratio. The read-ahead is kept: 0.25-0.39 CPU-s per GiB
against 0.21, for a shorter critical path and twice the speed under load.

With the file written at aligned offsets and its writeback started every 32 MiB (storage.AlignedFile), the
same day 19:56-20:06, ``python -m bench vault --runs 3 --blobs 1000``, main's code and this in turns
(before, after, after, before): encrypt ÷ cp on SQLite 0.79 before (load 0.9), 1.04 and 1.19 after (load
0.6-0.8), on PostgreSQL 0.80 before, 1.38 and 1.03 after; the vault's GiB 0.76-1.21 s against 1.11-1.27 s,
its CPU 1.20-1.39 s against 1.33-1.49 s. The last run, main's, came under load 3.6-3.9: 0.55 and 0.62.

Transactions: none here; the callers in actions.py own them.
"""

from __future__ import annotations

import base64
import collections
import hashlib
import io
import itertools
import os
import stat
import struct
import threading
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import wait as wait_futures

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

MAGIC = b"VWVS"
VERSION = 1
HEADER = struct.Struct(">4sBI7s")
HEADER_SIZE = HEADER.size  # 16
PREFIX_SIZE = 7
TAG_SIZE = 16
KEY_SIZE = 32
SEGMENT_SIZE = 1 << 20
# A hostile header could name any segment size; readers allocate one segment, so bound it.
MIN_SEGMENT_SIZE = 1 << 10
MAX_SEGMENT_SIZE = 1 << 24
MAX_SEGMENTS = 1 << 32

WRAP_VERSION = 1
WRAP_AD = b"verwerker-vault-data-key-v1:"
KEY_ID_LABEL = b"verwerker-master-key-id-v1:"

_HAS_INTO = hasattr(AESGCM, "encrypt_into")
# Segments smaller than this are hashed, read and verified inline: a hand-off to a thread costs more.
PARALLEL_HASH_MIN = 64 << 10
# Plaintext segments a writer keeps in flight while earlier ones are hashed; ciphertext segments a reader
# reads ahead on the pool (0: none, every read on the caller's thread, as before issue 23). Segments
# smaller than PARALLEL_HASH_MIN stay on the caller's thread.
RING = 3
READ_AHEAD = 3
# One small pool per process for the hashes that run beside encryption and the segments read ahead
# (several streams share it; no task ever waits for another, so it cannot deadlock).
# Made on first use and again in a forked child: a pool's threads do not survive a fork, and a child
# that inherited the parent's pool would wait for a hash no thread runs.
_pool_of_pid: tuple[int, ThreadPoolExecutor] | None = None


def _pool() -> ThreadPoolExecutor:
    global _pool_of_pid
    pid = os.getpid()
    if _pool_of_pid is None or _pool_of_pid[0] != pid:
        _pool_of_pid = (
            pid,
            ThreadPoolExecutor(max_workers=max(2, os.cpu_count() or 2), thread_name_prefix="vault-crypto"),
        )
    return _pool_of_pid[1]


class VaultError(Exception):
    """Something about a blob or a key is wrong. Messages are safe to show: no key material, no plaintext."""


class TamperedError(VaultError):
    """The ciphertext does not authenticate: changed, reordered, duplicated, extended, or not this blob's."""


class TruncatedError(VaultError):
    """The ciphertext ends early: segments or bytes were cut off its end."""


class WrongKeyError(VaultError):
    """The master key in use is not the one the blob's data key was wrapped with."""


class ShreddedError(VaultError):
    """The blob was crypto-shredded: its data key no longer exists anywhere, so it cannot be read."""


class KeyConfigError(VaultError):
    """The master key setting or key file does not hold a usable key."""


def generate_data_key() -> bytes:
    """A fresh random 256-bit data key for one blob."""
    return AESGCM.generate_key(bit_length=256)


def parse_master_key(text: str, *, source: str = "the master key") -> bytes:
    """Decode a master key given as base64 of 32 bytes (the form `ensure_key_file` writes)."""
    try:
        key = base64.b64decode(text.strip(), validate=True)
    except (ValueError, TypeError):
        raise KeyConfigError(f"{source} is not base64 text") from None
    if len(key) != KEY_SIZE:
        raise KeyConfigError(f"{source} must be 32 bytes (base64 of 32 bytes), not {len(key)}")
    return key


def key_id(master_key: bytes) -> str:
    """A short public name of a master key (a hash; reveals nothing usable about the key)."""
    return hashlib.sha256(KEY_ID_LABEL + master_key).hexdigest()[:16]


def wrap_key(master_key: bytes, data_key: bytes, blob_id: bytes) -> bytes:
    """The data key encrypted under the master key, bound to ``blob_id``: version || nonce || ct || tag."""
    nonce = os.urandom(12)
    return bytes([WRAP_VERSION]) + nonce + AESGCM(master_key).encrypt(nonce, data_key, WRAP_AD + blob_id)


def unwrap_key(master_key: bytes, wrapped: bytes, blob_id: bytes) -> bytes:
    """The data key inside ``wrapped``. Raises WrongKeyError if this master key (or blob) is not the one."""
    wrapped = bytes(wrapped)
    if len(wrapped) != 1 + 12 + KEY_SIZE + TAG_SIZE or wrapped[0] != WRAP_VERSION:
        raise TamperedError("the wrapped data key has an unknown form")
    try:
        return AESGCM(master_key).decrypt(wrapped[1:13], wrapped[13:], WRAP_AD + blob_id)
    except InvalidTag:
        raise WrongKeyError(
            "the data key does not unwrap with the master key in use (wrong master key, or the key row was moved)"
        ) from None


def build_header(nonce_prefix: bytes, segment_size: int = SEGMENT_SIZE) -> bytes:
    return HEADER.pack(MAGIC, VERSION, segment_size, nonce_prefix)


def parse_header(header: bytes) -> tuple[int, bytes]:
    """(segment size, nonce prefix) of a header. Raises TruncatedError or TamperedError."""
    if len(header) < HEADER_SIZE:
        raise TruncatedError("the ciphertext is shorter than its header")
    magic, version, segment_size, prefix = HEADER.unpack(header)
    if magic != MAGIC:
        raise TamperedError("this is not a vault ciphertext (its header is wrong)")
    if version != VERSION:
        raise TamperedError(f"unknown vault format version {version}")
    if not MIN_SEGMENT_SIZE <= segment_size <= MAX_SEGMENT_SIZE:
        raise TamperedError("the header names an impossible segment size")
    return segment_size, prefix


def _nonce(prefix: bytes, counter: int, last: bool) -> bytes:
    return prefix + counter.to_bytes(4, "big") + (b"\x01" if last else b"\x00")


class _OrderedHash:
    """Feeds one stream's plaintext pieces to its hashlib object in stream order, on the shared pool.

    At most one pool task per stream runs at a time, and it takes the queued pieces one after another,
    so the hash thread never waits for the writer between two pieces while the writer has filled them
    (hashlib objects must see the bytes in order; two pool threads could otherwise swap two pieces).
    After ``RING`` pieces the task hands its turn on (it queues itself again behind other streams' work),
    so several writers and readers share the pool's two threads fairly.
    ``submit`` returns a ticket; ``wait(ticket)`` returns once that piece (and every earlier one) is
    hashed, after which its buffer may be reused. ``stop`` drops what is queued and waits for the piece
    being hashed: afterwards no thread touches the stream's buffers.
    """

    def __init__(self, hasher):
        self._hasher = hasher
        self._cond = threading.Condition(threading.Lock())
        self._queue: collections.deque = collections.deque()
        self._running = False
        self._stopped = False
        self._submitted = 0
        self._done = 0
        self._error: BaseException | None = None

    def submit(self, piece) -> int:
        with self._cond:
            if self._stopped:
                raise VaultError("the stream's hashing was stopped after an error")
            self._queue.append(piece)
            self._submitted += 1
            ticket = self._submitted
            if self._running:
                return ticket
            self._running = True
        try:
            _pool().submit(self._drain)
        except RuntimeError:  # the interpreter is shutting down: hash here, in order
            self._drain()
        return ticket

    def _drain(self) -> None:
        for turn in itertools.count():
            with self._cond:
                if not self._queue or self._stopped:
                    self._queue.clear()
                    self._running = False
                    self._cond.notify_all()
                    return
                if turn == RING:
                    # Take turns with the other streams on the pool: a busy writer's queue may never run
                    # dry, and a task that kept its thread for a whole upload would stall a third one.
                    try:
                        _pool().submit(self._drain)
                        return
                    except RuntimeError:  # shutting down: go on here
                        pass
                piece = self._queue.popleft()
            try:
                self._hasher.update(piece)
            except BaseException as exc:  # noqa: BLE001 - handed to the writer, which raises it
                with self._cond:
                    self._error = exc
                    self._stopped = True
                    self._queue.clear()
                    self._running = False
                    self._cond.notify_all()
                return
            with self._cond:
                self._done += 1
                self._cond.notify_all()

    @property
    def submitted(self) -> int:
        """The ticket of the latest piece submitted."""
        return self._submitted

    def wait(self, ticket: int) -> None:
        if ticket <= self._done:  # no lock needed to see progress already made
            return
        with self._cond:
            self._cond.wait_for(lambda: self._done >= ticket or not self._running)
            if self._done < ticket:
                raise self._error or VaultError("the stream's hashing was stopped after an error")

    def stop(self) -> None:
        with self._cond:
            self._stopped = True
            self._queue.clear()
            self._cond.wait_for(lambda: not self._running)


class StreamEncryptor:
    """Encrypt a stream written in pieces of any size to ``sink`` (anything with ``write``).

    Memory: a ring of ``RING`` plaintext segments and one ciphertext segment, allocated once. Pieces of a
    whole segment or more that arrive while nothing is buffered are encrypted straight from the caller's
    buffer, without a copy. ``finish()`` must be called exactly once; it writes the last segment.

    With ``hasher`` (a hashlib object) every plaintext segment is also fed to it, in order, on another
    thread while later segments are encrypted (see the module's "Speed"). If writing fails (the sink
    raises, say on a full disk), the hashing is stopped before the error goes on, and the encryptor
    refuses further use.
    """

    def __init__(self, data_key: bytes, sink, *, segment_size: int = SEGMENT_SIZE, nonce_prefix: bytes | None = None,
                 hasher=None):
        if len(data_key) != KEY_SIZE:
            raise ValueError("a data key is 32 bytes")
        self._aead = AESGCM(data_key)
        self._sink = sink
        self._segment_size = segment_size
        self._prefix = nonce_prefix if nonce_prefix is not None else os.urandom(PREFIX_SIZE)
        self.header = build_header(self._prefix, segment_size)
        self._hasher = hasher
        # Segments large enough are hashed on the pool, in order; small ones inline (a hand-off costs more).
        self._ordered = _OrderedHash(hasher) if hasher is not None and segment_size >= PARALLEL_HASH_MIN else None
        slots = RING if self._ordered is not None else 1
        self._slots = [memoryview(bytearray(segment_size)) for _ in range(slots)]
        self._tickets = [0] * slots  # the hash ticket of what each slot holds (0: nothing pending)
        self._slot = 0
        self._plain_view = self._slots[0]
        self._fill = 0
        self._out = bytearray(segment_size + TAG_SIZE)
        self._out_view = memoryview(self._out)
        self._counter = 0
        self._nonce = bytearray(12)
        self._nonce[:PREFIX_SIZE] = self._prefix
        self._finished = False
        self._failed = False
        self.plaintext_size = 0
        sink.write(self.header)
        self.ciphertext_size = HEADER_SIZE

    def _hash(self, piece) -> int:
        """Start hashing ``piece`` (the next plaintext in stream order); its ticket, or 0 if already done."""
        if self._ordered is not None:
            return self._ordered.submit(piece)
        if self._hasher is not None:
            self._hasher.update(piece)
        return 0

    def _emit(self, plain, last: bool) -> None:
        if self._counter >= MAX_SEGMENTS:
            raise VaultError("a blob may hold at most 2**32 segments")
        nonce = self._nonce
        struct.pack_into(">IB", nonce, PREFIX_SIZE, self._counter, 1 if last else 0)
        size = len(plain) + TAG_SIZE
        if _HAS_INTO:
            out = self._out_view[:size]
            self._aead.encrypt_into(nonce, plain, self.header, out)
        else:  # pragma: no cover - older cryptography
            out = self._aead.encrypt(bytes(nonce), bytes(plain), self.header)  # type: ignore[assignment]
        self._sink.write(out)
        self._counter += 1
        self.ciphertext_size += size

    def _next_slot(self) -> None:
        """Move on to the ring's next slot, once its earlier segment is hashed."""
        self._slot = (self._slot + 1) % len(self._slots)
        ticket = self._tickets[self._slot]
        if ticket and self._ordered is not None:
            self._ordered.wait(ticket)
        self._tickets[self._slot] = 0
        self._plain_view = self._slots[self._slot]
        self._fill = 0

    def _fail(self) -> None:
        self._failed = True
        if self._ordered is not None:
            self._ordered.stop()

    def _check_open(self) -> None:
        if self._failed:
            raise VaultError("this stream failed earlier; it cannot be continued")

    def write(self, data) -> int:
        """Encrypt ``data`` (bytes-like); whole segments go to the sink as soon as more data follows them."""
        if self._finished:
            raise ValueError("write after finish")
        self._check_open()
        view = memoryview(data).cast("B")
        total = len(view)
        seg = self._segment_size
        pos = 0
        borrowed = 0  # the last hash ticket that reads the caller's buffer: waited for before returning
        try:
            while pos < total:
                if self._fill == seg:
                    # A full buffered segment is not the last one: more data has arrived.
                    self._emit(self._plain_view, last=False)
                    self._next_slot()
                if self._fill == 0 and total - pos > seg:
                    piece = view[pos : pos + seg]
                    borrowed = self._hash(piece) or borrowed
                    self._emit(piece, last=False)
                    pos += seg
                    continue
                take = min(seg - self._fill, total - pos)
                self._plain_view[self._fill : self._fill + take] = view[pos : pos + take]
                self._fill += take
                pos += take
                if self._fill == seg:  # its hash can start now; whether it is the last segment can wait
                    self._tickets[self._slot] = self._hash(self._plain_view)
            if borrowed and self._ordered is not None:
                self._ordered.wait(borrowed)
        except BaseException:
            self._fail()
            raise
        self.plaintext_size += total
        return total

    def finish(self) -> int:
        """Write the last segment (flagged as last), wait for the hash; return the ciphertext size."""
        if self._finished:
            raise ValueError("finish called twice")
        self._check_open()
        try:
            last = self._plain_view[: self._fill]
            if self._fill < self._segment_size:  # a full last segment's hash was started when it filled
                self._tickets[self._slot] = self._hash(last)
            self._emit(last, last=True)
            if self._ordered is not None:
                self._ordered.wait(self._ordered.submitted)
        except BaseException:
            self._fail()
            raise
        self._finished = True
        self._fill = 0
        return self.ciphertext_size


def _read_exact(source, view: memoryview) -> int:
    got = 0
    while got < len(view):
        n = source.readinto(view[got:])
        if not n:
            break
        got += n
    return got



class StreamDecryptor:
    """Decrypt a ciphertext of known size from ``source`` (anything with ``readinto``), segment by segment.

    ``next_segment()`` returns a memoryview of the next verified plaintext segment (valid until the next
    call), or None after the last one. Segments are handed out in order, each only once it has verified.

    When ``source`` is a regular file and segments are large, the ciphertext of the next ``READ_AHEAD``
    segments is read on the shared pool (``pread`` at their offsets, so the file position does not matter)
    while the caller's thread decrypts the current one, straight into the caller's buffer when it is given
    (see the module's "Speed"); memory is then ``READ_AHEAD`` ciphertext segments and one plaintext
    segment. Otherwise one of each, all on the caller's thread. The first segment that fails to verify (or
    to be read) ends the stream: the read-ahead is stopped, no thread is left working on it, and every
    later call raises the same error. ``close()`` stops the read-ahead of a stream left unfinished.
    """

    def __init__(self, data_key: bytes, source, ciphertext_size: int):
        self._aead = AESGCM(data_key)
        self._source = source
        header = bytearray(HEADER_SIZE)
        if ciphertext_size < HEADER_SIZE or _read_exact(source, memoryview(header)) < HEADER_SIZE:
            raise TruncatedError("the ciphertext is shorter than its header")
        self.header = bytes(header)
        self._segment_size, self._prefix = parse_header(self.header)
        body = ciphertext_size - HEADER_SIZE
        stride = self._segment_size + TAG_SIZE
        self._stride = stride
        if body < TAG_SIZE:
            raise TruncatedError("the ciphertext has no complete segment")
        self._segments = -(-body // stride)
        self._last_size = body - (self._segments - 1) * stride
        if self._last_size < TAG_SIZE:
            raise TamperedError("the ciphertext ends inside a segment's tag (cut or extended)")
        if self._segments > MAX_SEGMENTS:
            raise TamperedError("the ciphertext has more segments than the format allows")
        self._counter = 0
        self._error: VaultError | None = None
        self._futures: dict[int, Future] = {}
        self._fd = _regular_file(source) if READ_AHEAD and self._segment_size >= PARALLEL_HASH_MIN else None
        if self._fd is not None:
            self._base = source.tell()
            self._ahead = [memoryview(bytearray(stride)) for _ in range(min(READ_AHEAD, self._segments))]
            self._submitted = 0
            self._fill_ahead()
        else:
            self._ct_view = memoryview(bytearray(stride))
        self._plain_view = memoryview(bytearray(self._segment_size))

    @property
    def segment_size(self) -> int:
        return self._segment_size

    def _open(self, nonce: bytes, ct, out) -> bool:
        try:
            if _HAS_INTO:
                self._aead.decrypt_into(nonce, ct, self.header, out)
            else:  # pragma: no cover - older cryptography
                out[:] = self._aead.decrypt(nonce, bytes(ct), self.header)
            return True
        except InvalidTag:
            return False

    def _size(self, i: int) -> int:
        return self._last_size if i == self._segments - 1 else self._stride

    def _verify(self, i: int, ct, out) -> None:
        """Decrypt segment ``i`` from ``ct`` into ``out``; raise the error that names its damage."""
        last = i == self._segments - 1
        if self._open(_nonce(self._prefix, i, last), ct, out):
            return
        if last and len(ct) == self._stride and self._open(_nonce(self._prefix, i, False), ct, out):
            raise TruncatedError(f"the ciphertext was cut off after segment {i}: its end is missing")
        if not last and self._open(_nonce(self._prefix, i, True), ct, out):
            raise TamperedError(f"data was appended after the real end (segment {i})")
        raise TamperedError(
            f"segment {i} does not authenticate: the ciphertext was changed, reordered or duplicated, "
            "or it is not this blob's"
        )

    # Read-ahead on the pool (regular files).

    def _read(self, i: int) -> int:
        """Read segment ``i``'s ciphertext into its slot (on a pool thread); its size."""
        size = self._size(i)
        ct = self._ahead[i % len(self._ahead)][:size]
        offset, got = self._base + i * self._stride, 0
        while got < size:
            n = os.preadv(self._fd, [ct[got:]], offset + got)  # type: ignore[arg-type]
            if not n:
                raise TruncatedError("the ciphertext file became shorter while it was read")
            got += n
        return size

    def _fill_ahead(self) -> None:
        """Start reading the next segments, each into its slot, up to READ_AHEAD from the current one."""
        while self._submitted < min(self._segments, self._counter + len(self._ahead)):
            i = self._submitted
            try:
                self._futures[i] = _pool().submit(self._read, i)
            except RuntimeError:  # the interpreter is shutting down: read on this thread instead
                future: Future = Future()
                try:
                    future.set_result(self._read(i))
                except Exception as exc:  # noqa: BLE001 - raised in order, by _next_ahead
                    future.set_exception(exc)
                self._futures[i] = future
            self._submitted += 1

    def _next_ahead(self, out: memoryview | None) -> memoryview:
        i = self._counter
        try:
            try:
                size = self._futures.pop(i).result()
            except OSError as exc:
                raise VaultError(f"segment {i} could not be read: {exc.strerror or type(exc).__name__}") from None
            n = size - TAG_SIZE
            target = out[:n] if out is not None and len(out) >= n else self._plain_view[:n]
            self._verify(i, self._ahead[i % len(self._ahead)][:size], target)
        except VaultError as exc:
            self._fail(exc)
            raise
        except BaseException:
            self.close()
            raise
        self._counter += 1
        self._fill_ahead()  # the slot just decrypted takes the segment READ_AHEAD further on
        return target

    def _fail(self, error: VaultError) -> None:
        self._error = error
        self.close()

    def close(self) -> None:
        """Stop the read-ahead: cancel what has not started, wait for what has. Idempotent."""
        if self._error is None:
            self._error = VaultError("this stream was closed")
        if self._fd is not None:
            self._submitted = self._segments  # nothing more is started
        futures = list(self._futures.values())
        self._futures.clear()
        for future in futures:
            future.cancel()
        wait_futures(futures)

    def next_segment(self, out: memoryview | None = None) -> memoryview | None:
        """Decrypt the next segment into ``out`` (when given and large enough) or an internal buffer."""
        if self._error is not None:
            raise self._error
        i = self._counter
        if i >= self._segments:
            return None
        if self._fd is not None:
            return self._next_ahead(out)
        size = self._size(i)
        ct = self._ct_view[:size]
        if out is not None and len(out) >= size - TAG_SIZE:
            out = out[: size - TAG_SIZE]
        else:
            out = self._plain_view[: size - TAG_SIZE]
        try:
            if _read_exact(self._source, ct) < size:
                raise TruncatedError("the ciphertext file became shorter while it was read")
            self._verify(i, ct, out)
        except VaultError as exc:
            self._error = exc
            raise
        self._counter += 1
        return out


def _regular_file(source) -> int | None:
    """The descriptor of ``source`` if it is a regular file (so it can be read at offsets), else None."""
    try:
        fd = source.fileno()
        return fd if stat.S_ISREG(os.fstat(fd).st_mode) else None
    except (AttributeError, OSError, ValueError):  # io.UnsupportedOperation is both of the last two
        return None


def encrypt_bytes(data_key: bytes, plaintext: bytes, *, segment_size: int = SEGMENT_SIZE) -> bytes:
    """Whole-buffer convenience (tests, small blobs)."""

    sink = io.BytesIO()
    enc = StreamEncryptor(data_key, sink, segment_size=segment_size)
    enc.write(plaintext)
    enc.finish()
    return sink.getvalue()


def decrypt_bytes(data_key: bytes, ciphertext: bytes) -> bytes:
    """Whole-buffer convenience (tests, small blobs)."""

    dec = StreamDecryptor(data_key, io.BytesIO(ciphertext), len(ciphertext))
    parts = []
    while (segment := dec.next_segment()) is not None:
        parts.append(bytes(segment))
    return b"".join(parts)
