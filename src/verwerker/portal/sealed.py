"""Orderer data sealed in the row (P06), as the crm app seals its purpose-bound fields. Pure: no ORM.

Threat model: a database dump, a stray query or a page that forgets the rule. Names, phone numbers,
e-mail addresses and delivery addresses of orderers therefore exist only as ciphertext in the rows that
need them (orders, order lines, address book), and plaintext only in memory after queries.open_* with an
actor and a purpose (audited). Construction: the vault's pieces (vault/crypto.py), nothing new: a fresh
data key per value, canonical JSON encrypted with the vault's STREAM-over-AES-256-GCM, the data key
wrapped by the vault's master key with the row's key (a UUID) as associated data, so a sealed value
copied onto another row does not open. Clearing the columns is a cryptographic erase.
"""

from __future__ import annotations

import json
import uuid

from verwerker.vault import crypto

AD_PREFIX = b"verwerker.portal:"


def _ad(row_key: uuid.UUID) -> bytes:
    return AD_PREFIX + row_key.bytes


def seal(master_key: bytes, row_key: uuid.UUID, data: dict) -> tuple[bytes, bytes]:
    """(wrapped data key, ciphertext) of ``data`` (JSON-able) bound to ``row_key``."""
    data_key = crypto.generate_data_key()
    plain = json.dumps(data, sort_keys=True, separators=(",", ":")).encode("utf-8")
    return crypto.wrap_key(master_key, data_key, _ad(row_key)), crypto.encrypt_bytes(data_key, plain)


def unseal(master_key: bytes, row_key: uuid.UUID, wrapped: bytes, ciphertext: bytes) -> dict:
    """What ``seal`` sealed. Raises vault.crypto.VaultError when the key or the data do not open."""
    data_key = crypto.unwrap_key(master_key, bytes(wrapped), _ad(row_key))
    return json.loads(crypto.decrypt_bytes(data_key, bytes(ciphertext)))


def rewrap(old_master: bytes, new_master: bytes, row_key: uuid.UUID, wrapped: bytes) -> bytes | None:
    """``wrapped`` re-wrapped under ``new_master``; None when it is wrapped by ``new_master`` already (a
    rerun after an interrupted rotation). Raises vault.crypto.WrongKeyError when neither key opens it."""
    try:
        data_key = crypto.unwrap_key(old_master, bytes(wrapped), _ad(row_key))
    except crypto.WrongKeyError:
        crypto.unwrap_key(new_master, bytes(wrapped), _ad(row_key))
        return None
    return crypto.wrap_key(new_master, data_key, _ad(row_key))
