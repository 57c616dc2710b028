"""Small values sealed in a database row under the master key (crm's purpose-bound fields, the portals'
orderer data). Pure: no ORM.

Threat model: a database dump, a stray query or a page that forgets the rule. The value exists only as
ciphertext in its row and as plaintext only in memory of the one read path of the app that owns it.

Construction: the vault's own pieces (crypto.py), nothing new. A fresh random data key per value (used
for exactly one stream: every change seals under a new key), the value as canonical JSON encrypted with
the vault's STREAM-over-AES-256-GCM, and the data key wrapped by the master key with associated data
``purpose prefix || row key (a UUID, 16 bytes)``. So a sealed value copied onto another row does not open,
nor does a value of one purpose open as another's (each owner has its own prefix), nor a vault blob's
wrapped key (its associated data is the bare blob id). Clearing the columns is a cryptographic erase.

Invariant: a prefix, once values are sealed under it, never changes (they would no longer open); the
owners keep theirs as constants (crm.extra.SEALING, portal.sealed.SEALING).
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass

from verwerker.vault import crypto


@dataclass(frozen=True)
class Sealing:
    """Seal, open and re-wrap the values of one purpose, told apart by ``prefix``."""

    prefix: bytes

    def __post_init__(self) -> None:
        if not self.prefix.endswith(b":") or len(self.prefix) < 2:
            raise ValueError("a sealing prefix is a non-empty name ending in ':'")

    def _ad(self, row_key: uuid.UUID) -> bytes:
        return self.prefix + row_key.bytes

    def seal(self, master_key: bytes, row_key: uuid.UUID, data: dict) -> tuple[bytes, bytes]:
        """(wrapped data key, ciphertext) of ``data`` (JSON-able) bound to ``row_key``."""
        data_key = crypto.generate_data_key()
        plain = json.dumps(data, sort_keys=True, separators=(",", ":")).encode("utf-8")
        return crypto.wrap_key(master_key, data_key, self._ad(row_key)), crypto.encrypt_bytes(data_key, plain)

    def unseal(self, master_key: bytes, row_key: uuid.UUID, wrapped: bytes, ciphertext: bytes) -> dict:
        """What ``seal`` sealed. Raises crypto.VaultError when the key or the data do not open."""
        data_key = crypto.unwrap_key(master_key, bytes(wrapped), self._ad(row_key))
        return json.loads(crypto.decrypt_bytes(data_key, bytes(ciphertext)))

    def rewrap(self, old_master: bytes, new_master: bytes, row_key: uuid.UUID, wrapped: bytes) -> bytes | None:
        """``wrapped`` re-wrapped under ``new_master``; None when it is wrapped by ``new_master`` already (a
        rerun after an interrupted rotation). Raises crypto.WrongKeyError when neither key opens it."""
        try:
            data_key = crypto.unwrap_key(old_master, bytes(wrapped), self._ad(row_key))
        except crypto.WrongKeyError:
            crypto.unwrap_key(new_master, bytes(wrapped), self._ad(row_key))
            return None
        return crypto.wrap_key(new_master, data_key, self._ad(row_key))
