"""The purpose-bound fields (P04): birth date, interests and social profiles, sealed per person. Pure: no ORM.

Threat model. These fields may be used only for fitting promotions ("passende acties"), only for people
whose consent for that purpose holds. The database is the exposure: a dump, a stray query, a page or
export that forgets the rule. So the fields exist only as ciphertext in the person's row, and plaintext
is produced only by queries.read_extra_data, which demands a declared purpose and a holding consent and
audits every read.

Construction: the vault's sealing (vault/sealing.py) under the prefix ``verwerker.crm.extra:``, with the
person's key (a UUID) as the row key, so a sealed value copied onto another person's row does not open. A
key is used for exactly one stream: every change seals under a new key. Erasing the row (or clearing
``extra_key``) is a cryptographic erase.

`verwerker vault rotate-key` re-wraps these through crm.actions.do_rewrap_extra_keys
(settings.MASTER_KEY_HOLDERS).
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass, field

from verwerker.vault.sealing import Sealing

# Never changes: the values sealed under it would no longer open.
SEALING = Sealing(b"verwerker.crm.extra:")


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


def seal(master_key: bytes, person_key: uuid.UUID, extra: ExtraData) -> tuple[bytes, bytes]:
    """(wrapped data key, ciphertext) of ``extra`` for the person with ``person_key``."""
    return SEALING.seal(master_key, person_key, extra.as_dict())


def unseal(master_key: bytes, person_key: uuid.UUID, wrapped: bytes, ciphertext: bytes) -> ExtraData:
    """The fields sealed by ``seal``. Raises vault.crypto.VaultError when the key or the data do not open."""
    return ExtraData.from_dict(SEALING.unseal(master_key, person_key, wrapped, ciphertext))
