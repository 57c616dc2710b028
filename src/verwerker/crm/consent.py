"""When a consent holds, as plain logic (no ORM): the reference the query in models.Consent.holds_q is
tested against, and the expiry and re-permission arithmetic."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

# A re-permission request goes out this long before a consent lapses.
RENEWAL_NOTICE = dt.timedelta(days=30)


@dataclass(frozen=True)
class ConsentFacts:
    given_at: dt.datetime
    needs_confirmation: bool = False
    confirmed_at: dt.datetime | None = None
    withdrawn_at: dt.datetime | None = None
    expires_at: dt.datetime | None = None

    @classmethod
    def of(cls, consent) -> ConsentFacts:
        return cls(consent.given_at, consent.needs_confirmation, consent.confirmed_at, consent.withdrawn_at,
                   consent.expires_at)


def holds(c: ConsentFacts, at: dt.datetime) -> bool:
    """Given by ``at``, confirmed by then if it needed confirming, not withdrawn and not expired at ``at``."""
    if c.given_at > at:
        return False
    if c.needs_confirmation and (c.confirmed_at is None or c.confirmed_at > at):
        return False
    if c.withdrawn_at is not None and c.withdrawn_at <= at:
        return False
    return c.expires_at is None or c.expires_at > at


def expiry_for(given_at: dt.datetime, valid_days: int | None) -> dt.datetime | None:
    return None if valid_days is None else given_at + dt.timedelta(days=valid_days)


def renewal_due(c: ConsentFacts, at: dt.datetime, requested_at: dt.datetime | None) -> bool:
    """A holding consent that lapses within RENEWAL_NOTICE and has had no re-permission request yet."""
    return (
        holds(c, at) and c.expires_at is not None and c.expires_at - at <= RENEWAL_NOTICE and requested_at is None
    )
