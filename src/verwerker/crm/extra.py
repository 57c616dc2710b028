"""The purpose-bound fields (P04): birth date, interests and social profiles, sealed per person. Pure: no ORM.

Threat model. These fields may be used only for fitting promotions ("passende acties"), only for people
whose consent for that purpose holds. The database is the exposure: a dump, a stray query, a page or
export that forgets the rule. So the fields exist only as ciphertext in the person's row, and plaintext
is produced only by queries.read_extra_data, which demands a declared purpose and a holding consent and
audits every read.

Construction: no new cryptography. The vault's own pieces (vault/crypto.py): a fresh random 256-bit data
key per write, the fields as canonical JSON encrypted with the vault's STREAM-over-AES-256-GCM, and the
data key wrapped by the vault's master key with the person's key (a UUID) as associated data, so a
sealed value copied onto another person's row does not open. A key is used for exactly one stream:
every change seals under a new key. Erasing the row (or clearing ``extra_key``) is a cryptographic erase.

Limit: the vault's master-key rotation re-wraps vault blobs only; crm.actions.do_rewrap_extra_keys
re-wraps these (run it with the old key after a rotation).
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from dataclasses import dataclass, field

from verwerker.vault import crypto

AD_PREFIX = b"verwerker.crm.extra:"


@dataclass(frozen=True)
class ExtraData:
    birth_date: dt.date | None = None
    interests: tuple[str, ...] = ()
    social_profiles: tuple[str, ...] = field(default=())

    def is_empty(self) -> bool:
        return self.birth_date is None and not self.interests and not self.social_profiles

    def as_dict(self) -> dict:
        return {
            "birth_date": self.birth_date.isoformat() if self.birth_date else None,
            "interests": list(self.interests),
            "social_profiles": list(self.social_profiles),
        }

    @classmethod
    def from_dict(cls, data: dict) -> ExtraData:
        birth = data.get("birth_date")
        return cls(
            dt.date.fromisoformat(birth) if birth else None,
            tuple(data.get("interests") or ()),
            tuple(data.get("social_profiles") or ()),
        )


def _ad(person_key: uuid.UUID) -> bytes:
    return AD_PREFIX + person_key.bytes


def seal(master_key: bytes, person_key: uuid.UUID, extra: ExtraData) -> tuple[bytes, bytes]:
    """(wrapped data key, ciphertext) of ``extra`` for the person with ``person_key``."""
    data_key = crypto.generate_data_key()
    plain = json.dumps(extra.as_dict(), sort_keys=True, separators=(",", ":")).encode("utf-8")
    return crypto.wrap_key(master_key, data_key, _ad(person_key)), crypto.encrypt_bytes(data_key, plain)


def unseal(master_key: bytes, person_key: uuid.UUID, wrapped: bytes, ciphertext: bytes) -> ExtraData:
    """The fields sealed by ``seal``. Raises vault.crypto.VaultError when the key or the data do not open."""
    data_key = crypto.unwrap_key(master_key, bytes(wrapped), _ad(person_key))
    return ExtraData.from_dict(json.loads(crypto.decrypt_bytes(data_key, bytes(ciphertext))))


def rewrap(old_master: bytes, new_master: bytes, person_key: uuid.UUID, wrapped: bytes) -> bytes:
    return crypto.wrap_key(new_master, crypto.unwrap_key(old_master, bytes(wrapped), _ad(person_key)), _ad(person_key))
