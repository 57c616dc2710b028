"""Two places where asyncssh spends the SFTP server's event loop on overhead rather than on work, and
what we do about them. Pure: no ORM, no Django.

Measured on a 512 MiB upload from OpenSSH's `sftp` (aes128-ctr with umac-64-etm, what it negotiates
with us), CPU of the event-loop thread, the thread that decides the upload's speed:

1. Input copies. asyncssh keeps unparsed input in one ``bytes`` and, for every SSH packet it takes off
   its front, copies the rest of that buffer twice (``self._inpbuf = self._inpbuf[n:]``). asyncio reads
   up to 256 KiB at a time and OpenSSH sends 32 KiB packets, so each byte was copied about nine times:
   0.68 s per 512 MiB in isolation, 0.10 s when the same reads are handed over in 32 KiB pieces.
   ``feed_in_pieces`` does that, through asyncssh's own ``data_received``: parsing, errors and closing
   stay asyncssh's; only the size of each call changes, and its parser already takes any split (TCP
   makes no promise about where a read ends).

2. UMAC keying. For every packet, in and out, asyncssh builds a fresh UMAC context and keys it
   (``nettle_umac64_set_key``, which runs AES to derive the hash keys), then sets the nonce, hashes
   and digests: 9 us for an empty packet against 2.5 us for HMAC, and about 15% of the event loop's
   CPU during an upload. ``KeyedUMAC`` keys one context per direction when the keys are set and per
   packet only sets the nonce (the sequence number), hashes and digests, which is how UMAC (RFC 4418)
   and nettle's API are meant to be used: ``digest`` resets the hash for the next message. Same
   library (nettle), same algorithm, same tags: the tests compare it with asyncssh's on every packet
   size and sequence number that matters, and OpenSSH's clients verify it in the SFTP tests.

Both touch asyncssh internals (``SSHConnection.data_received`` of one connection; the MAC handler
table). asyncssh is pinned; ``install`` checks what it relies on and leaves asyncssh as it is when
something has moved (slower, never wrong), and the tests fail if it has.
"""

from __future__ import annotations

import hmac
import logging

log = logging.getLogger("verwerker.sftpd")

# Received bytes reach asyncssh's parser in pieces of at most this size.
FEED_BYTES = 32 * 1024

_UMAC_ALGS = (b"umac-64-etm@openssh.com", b"umac-128-etm@openssh.com", b"umac-64@openssh.com", b"umac-128@openssh.com")


def feed_in_pieces(conn) -> None:
    """Make ``conn`` (an asyncssh connection, the socket's protocol) take its input in FEED_BYTES pieces."""
    receive = conn.data_received

    def data_received(data, datatype=None) -> None:
        if len(data) <= FEED_BYTES:
            receive(data, datatype)
            return
        view = memoryview(data)
        for start in range(0, len(view), FEED_BYTES):
            receive(view[start : start + FEED_BYTES], datatype)

    conn.data_received = data_received


def _keyed_umac_class():
    from asyncssh import mac as ssh_mac

    class KeyedUMAC(ssh_mac.MAC):
        """asyncssh's UMAC MAC with one keyed nettle context per direction instead of one per packet."""

        def __init__(self, key: bytes, hash_size: int, umac_alg):
            super().__init__(key, hash_size)
            self._ctx = umac_alg(key)  # keyed once; no nonce, no message yet

        def sign(self, seq: int, packet: bytes) -> bytes:
            ctx = self._ctx
            ctx.set_nonce(seq.to_bytes(8, "big"))
            ctx.update(packet)
            return ctx.digest()  # also resets the hash for the next packet

        def verify(self, seq: int, packet: bytes, sig: bytes) -> bool:
            return hmac.compare_digest(self.sign(seq, packet), sig)

    return KeyedUMAC


_installed = False


def install() -> bool:
    """Use KeyedUMAC for asyncssh's UMAC algorithms (process-wide, idempotent). False if asyncssh's
    MAC table is not what this was written against; asyncssh's own UMAC then stays in use."""
    global _installed
    if _installed:
        return True
    try:
        from asyncssh import mac as ssh_mac

        table = ssh_mac._mac_handler
        entries = {alg: table[alg] for alg in _UMAC_ALGS if alg in table}
        if not entries:  # asyncssh found no nettle: it offers no UMAC, nothing to speed up
            return False
        if any(handler is not ssh_mac._UMAC for handler, _size, _args in entries.values()):
            raise LookupError("asyncssh's UMAC handlers are not where they were")
        keyed = _keyed_umac_class()
        for alg, (_handler, hash_size, args) in entries.items():
            table[alg] = (keyed, hash_size, args)
    except (ImportError, AttributeError, LookupError, TypeError, ValueError) as exc:
        log.warning("asyncssh's UMAC left as it is (%s); uploads are slower, not less safe", exc)
        return False
    _installed = True
    return True
