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
encryption rather than before it. The two are independent passes over the same 1 MiB segment and both
release the GIL on large buffers (hashlib above 2 KiB, OpenSSL's AES-GCM in `cryptography`), so the
hash of segment i runs on a second core while segment i is encrypted and written; the writer waits for
it before the buffer is reused, so the digest is the same as hashing the stream in order. We keep
SHA-256 rather than dropping it for the GCM tags (which already authenticate every segment): the
checksum is the blob's plaintext identity in audit events and deletion certificates, independent of
the key, which a tag is not. Buffers (plaintext segment, ciphertext segment, nonce) are allocated once
per stream: nothing is allocated per segment but the hash task itself. Measured here (issue 23), per
512 MiB on one core: AES-256-GCM with ``encrypt_into`` 0.07 s (VAES), SHA-256 0.30 s (SHA-NI), the
write() calls into the page cache about 0.11 s. So the hash, not the cipher, bounds a stream (about
1.7 GB/s), and it only keeps pace because it has a core of its own; a faster construction would have to
drop the plaintext checksum, which the design needs. Writes are one segment (1 MiB + 16 bytes) per
call; the writer fsyncs once, at commit (actions.py), where durability is promised. Starting writeback
early (sync_file_range every 8-32 MiB) moved the fsync's wait into the writes but did not shorten the
whole here, so it is not done.

Transactions: none here; the callers in actions.py own them.
"""

from __future__ import annotations

import base64
import hashlib
import io
import os
import struct
from concurrent.futures import ThreadPoolExecutor

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
# Segments smaller than this are hashed inline: handing them to a thread costs more than hashing them.
PARALLEL_HASH_MIN = 64 << 10
# One small pool per process for the hashes that run beside encryption (several writers may share it).
# Made on first use and again in a forked child: a pool's threads do not survive a fork, and a child
# that inherited the parent's pool would wait for a hash no thread runs.
_hash_pool: tuple[int, ThreadPoolExecutor] | None = None


def _hash_executor() -> ThreadPoolExecutor:
    global _hash_pool
    pid = os.getpid()
    if _hash_pool is None or _hash_pool[0] != pid:
        _hash_pool = (
            pid,
            ThreadPoolExecutor(max_workers=max(2, os.cpu_count() or 2), thread_name_prefix="vault-sha256"),
        )
    return _hash_pool[1]


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


class StreamEncryptor:
    """Encrypt a stream written in pieces of any size to ``sink`` (anything with ``write``).

    Memory: one plaintext segment and one ciphertext segment, allocated once. Pieces of a whole
    segment or more that arrive while nothing is buffered are encrypted straight from the caller's
    buffer, without a copy. ``finish()`` must be called exactly once; it writes the last segment.

    With ``hasher`` (a hashlib object) every plaintext segment is also fed to it, on another thread
    while the segment is encrypted (see the module's "Speed").
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
        self._plain = bytearray(segment_size)
        self._plain_view = memoryview(self._plain)
        self._fill = 0
        self._out = bytearray(segment_size + TAG_SIZE)
        self._out_view = memoryview(self._out)
        self._counter = 0
        self._nonce = bytearray(12)
        self._nonce[:PREFIX_SIZE] = self._prefix
        self._hasher = hasher
        self._finished = False
        self.plaintext_size = 0
        sink.write(self.header)
        self.ciphertext_size = HEADER_SIZE

    def _emit(self, plain, last: bool) -> None:
        if self._counter >= MAX_SEGMENTS:
            raise VaultError("a blob may hold at most 2**32 segments")
        nonce = self._nonce
        struct.pack_into(">IB", nonce, PREFIX_SIZE, self._counter, 1 if last else 0)
        size = len(plain) + TAG_SIZE
        hashing = None
        if self._hasher is not None:
            if len(plain) >= PARALLEL_HASH_MIN:
                hashing = _hash_executor().submit(self._hasher.update, plain)
            else:
                self._hasher.update(plain)
        try:
            if _HAS_INTO:
                out = self._out_view[:size]
                self._aead.encrypt_into(nonce, plain, self.header, out)
            else:  # pragma: no cover - older cryptography
                out = self._aead.encrypt(bytes(nonce), bytes(plain), self.header)  # type: ignore[assignment]
            self._sink.write(out)
        finally:
            if hashing is not None:
                hashing.result()  # the segment's buffer is reused (or the caller's) only after this
        self._counter += 1
        self.ciphertext_size += size

    def write(self, data) -> int:
        """Encrypt ``data`` (bytes-like); whole segments go to the sink as soon as more data follows them."""
        if self._finished:
            raise ValueError("write after finish")
        view = memoryview(data).cast("B")
        total = len(view)
        seg = self._segment_size
        pos = 0
        while pos < total:
            if self._fill == seg:
                # A full buffered segment is not the last one: more data has arrived.
                self._emit(self._plain_view, last=False)
                self._fill = 0
            if self._fill == 0 and total - pos > seg:
                self._emit(view[pos : pos + seg], last=False)
                pos += seg
                continue
            take = min(seg - self._fill, total - pos)
            self._plain_view[self._fill : self._fill + take] = view[pos : pos + take]
            self._fill += take
            pos += take
        self.plaintext_size += total
        return total

    def finish(self) -> int:
        """Write the last segment (flagged as last); return the ciphertext size."""
        if self._finished:
            raise ValueError("finish called twice")
        self._emit(self._plain_view[: self._fill], last=True)
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
    call), or None after the last one. Memory: one ciphertext and one plaintext segment.
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
        if body < TAG_SIZE:
            raise TruncatedError("the ciphertext has no complete segment")
        self._segments = -(-body // stride)
        self._last_size = body - (self._segments - 1) * stride
        if self._last_size < TAG_SIZE:
            raise TamperedError("the ciphertext ends inside a segment's tag (cut or extended)")
        if self._segments > MAX_SEGMENTS:
            raise TamperedError("the ciphertext has more segments than the format allows")
        self._ct = bytearray(stride)
        self._ct_view = memoryview(self._ct)
        self._plain = bytearray(self._segment_size)
        self._plain_view = memoryview(self._plain)
        self._counter = 0

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

    def next_segment(self, out: memoryview | None = None) -> memoryview | None:
        """Decrypt the next segment into ``out`` (when given and large enough) or the internal buffer."""
        i = self._counter
        if i >= self._segments:
            return None
        last = i == self._segments - 1
        size = self._last_size if last else self._segment_size + TAG_SIZE
        ct = self._ct_view[:size]
        if _read_exact(self._source, ct) < size:
            raise TruncatedError("the ciphertext file became shorter while it was read")
        if out is not None and len(out) >= size - TAG_SIZE:
            out = out[: size - TAG_SIZE]
        else:
            out = self._plain_view[: size - TAG_SIZE]
        if not self._open(_nonce(self._prefix, i, last), ct, out):
            if last and size == self._segment_size + TAG_SIZE and self._open(_nonce(self._prefix, i, False), ct, out):
                raise TruncatedError(f"the ciphertext was cut off after segment {i}: its end is missing")
            if not last and self._open(_nonce(self._prefix, i, True), ct, out):
                raise TamperedError(f"data was appended after the real end (segment {i})")
            raise TamperedError(
                f"segment {i} does not authenticate: the ciphertext was changed, reordered or duplicated, "
                "or it is not this blob's"
            )
        self._counter += 1
        return out


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
