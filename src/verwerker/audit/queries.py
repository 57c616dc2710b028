"""Reads of the audit log."""

from __future__ import annotations

import datetime as dt

from django.db import connection
from django.db.models import QuerySet
from django.utils import timezone

from verwerker.audit import chain
from verwerker.audit.models import AuditEvent, ChainCheckpoint

_VERIFY_BATCH = 20_000


_ROW_SQL = (
    "SELECT " + ", ".join([*chain.FIELDS, "prev_hash", "hash"]) + " FROM audit_auditevent"
    " WHERE seq > %s ORDER BY seq LIMIT %s"
)


def _rows(after_seq: int):
    """Yield chain rows in seq order, in keyset-paged batches (bounded memory on a huge log).

    Raw SQL rather than the ORM: verifying a million events is dominated by per-row conversion, and
    the ORM's field converters cost more than the hashing itself. The one conversion needed is the
    time, which SQLite returns naive (UTC) and PostgreSQL aware.
    """
    last = after_seq
    utc = dt.UTC
    while True:
        with connection.cursor() as cursor:
            cursor.execute(_ROW_SQL, [last, _VERIFY_BATCH])
            batch = cursor.fetchall()
        if not batch:
            return
        for row in batch:
            created = row[1]
            if isinstance(created, str):  # a driver without type detection
                created = dt.datetime.fromisoformat(created)
            created = created.replace(tzinfo=utc) if created.tzinfo is None else created.astimezone(utc)
            yield (row[0], created.isoformat(), *row[2:])
        last = batch[-1][0]


def verify_chain() -> ChainCheckpoint:
    """Check the whole chain from the first event; return (unsaved) what was found."""
    checked, broken = chain.verify(_rows(0))
    head = AuditEvent.objects.order_by("-seq").values_list("seq", "hash").first() or (0, chain.GENESIS)
    return ChainCheckpoint(
        checked_at=timezone.now(),
        events=checked,
        head_seq=head[0],
        head_hash=head[1],
        ok=broken is None,
        first_bad_seq=broken.seq if broken else None,
        reason=broken.reason if broken else "",
    )


def list_events(
    *,
    client_id: int | None = None,
    action: int | None = None,
    actor: str = "",
    object_type: str = "",
    object_id: str = "",
    outcome: str = "",
    since=None,
    until=None,
) -> QuerySet[AuditEvent]:
    """Filtered events, newest first, for the privacy officer's log view and exports."""
    events = AuditEvent.objects.all()
    if client_id is not None:
        events = events.filter(client_id=client_id)
    if action is not None:
        events = events.filter(action=action)
    if actor:
        events = events.filter(actor_label__icontains=actor)
    if object_type:
        events = events.filter(object_type=object_type)
    if object_id:
        events = events.filter(object_id=object_id)
    if outcome:
        events = events.filter(outcome=outcome)
    if since is not None:
        events = events.filter(created_at__gte=since)
    if until is not None:
        events = events.filter(created_at__lt=until)
    return events.order_by("-seq")
