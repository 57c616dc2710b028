"""Reads of the audit log."""

from __future__ import annotations

from django.db import connection
from django.db.models import QuerySet
from django.utils import timezone

from verwerker.audit import chain
from verwerker.audit.models import AuditEvent, ChainCheckpoint

_VERIFY_BATCH = 20_000


# The canonical time is Python's isoformat() of the UTC time ("2026-11-29T09:16:20.123456+00:00", without
# the fraction when it is zero). Producing that text in SQL spares building a million datetime objects.
_ISO_TIME_SQL = {
    # Django stores SQLite datetimes as UTC text "YYYY-MM-DD HH:MM:SS[.ffffff]".
    "sqlite": "replace(created_at, ' ', 'T') || '+00:00'",
    "postgresql": (
        "to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS')"
        " || CASE WHEN date_part('microseconds', created_at)::bigint %% 1000000 = 0 THEN ''"
        " ELSE to_char(created_at AT TIME ZONE 'UTC', '.US') END || '+00:00'"
    ),
}


def _row_sql(vendor: str) -> str:
    columns = [_ISO_TIME_SQL[vendor] if f == "created_at" else f for f in chain.FIELDS]
    return (
        f"SELECT {', '.join(columns)}, prev_hash, hash FROM audit_auditevent"
        " WHERE seq BETWEEN %s AND %s ORDER BY seq"
    )


def _rows(after_seq: int):
    """Yield chain rows in seq order, in keyset-paged batches (bounded memory on a huge log).

    Raw SQL rather than the ORM: verifying a million events is dominated by per-row conversion, and
    the ORM's field converters cost more than the hashing itself.
    """
    sql = _row_sql(connection.vendor)
    with connection.cursor() as cursor:
        cursor.execute("SELECT max(seq) FROM audit_auditevent")
        top = cursor.fetchone()[0] or 0
    # Ranges of seq, not "seq > last LIMIT n": a range is an index scan whatever the planner's statistics
    # say (a freshly loaded table has none, and PostgreSQL then sorts the whole table per batch).
    low = after_seq + 1
    while low <= top:
        with connection.cursor() as cursor:
            cursor.execute(sql, [low, low + _VERIFY_BATCH - 1])
            batch = cursor.fetchall()
        yield from batch
        low += _VERIFY_BATCH


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
