"""The only write path to the audit log."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from django.db import connection, transaction
from django.utils import timezone

from verwerker.audit import chain
from verwerker.audit.actors import Actor
from verwerker.audit.events import EventType, Outcome
from verwerker.audit.models import AuditEvent, ChainCheckpoint
from verwerker.audit.queries import verify_chain

# Key of the PostgreSQL advisory lock that serialises appends ("VERWERK" in ASCII, as an int).
_PG_LOCK_KEY = 0x5645525745524B

_INSERT_FIELDS = (*chain.FIELDS, "prev_hash", "hash")
_HEAD_SQL = "SELECT seq, hash FROM audit_auditevent ORDER BY seq DESC LIMIT 1"
_INSERT_SQL = (
    f"INSERT INTO audit_auditevent ({', '.join(_INSERT_FIELDS)}) "
    f"VALUES ({', '.join(['%s'] * len(_INSERT_FIELDS))}) RETURNING id"
)


@dataclass(frozen=True)
class EventSpec:
    """One event to append: what do_record_event takes besides the actor."""

    action: EventType
    client_id: int | None = None
    object_type: str = ""
    object_id: str | int = ""
    outcome: str = Outcome.SUCCESS
    details: dict | None = None


def _lock_chain_head(cursor) -> tuple[int, str]:
    """Take the chain's write lock and return (next seq, previous hash).

    PostgreSQL: a transaction-scoped advisory lock, so two writers never extend the same head.
    SQLite: transactions are IMMEDIATE (settings), so the write lock is already held here.
    """
    if connection.vendor == "postgresql":
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_PG_LOCK_KEY])
    cursor.execute(_HEAD_SQL)
    head = cursor.fetchone()
    return (head[0] + 1, head[1]) if head else (1, chain.GENESIS)


def _build(spec: EventSpec, actor: Actor, seq: int, prev_hash: str, now: dt.datetime) -> AuditEvent:
    event = AuditEvent(
        seq=seq,
        created_at=now,
        actor_type=actor.type,
        actor_id=str(actor.id),
        actor_label=actor.label[:200],
        client_id=spec.client_id if spec.client_id is not None else actor.client_id,
        action=int(spec.action),
        object_type=spec.object_type,
        object_id=str(spec.object_id),
        outcome=spec.outcome,
        source_ip=actor.ip or "",
        details=chain.canonical_details(spec.details),
        prev_hash=prev_hash,
    )
    event.hash = chain.link(prev_hash, event.chain_values())
    return event


def do_record_event(
    action: EventType,
    *,
    actor: Actor,
    client_id: int | None = None,
    obj: object | None = None,
    object_type: str = "",
    object_id: str | int = "",
    outcome: str = Outcome.SUCCESS,
    details: dict | None = None,
) -> AuditEvent:
    """Append one event to the chain, inside the caller's transaction when there is one.

    ``obj`` (a model instance) fills object type and id. ``details`` must hold no personal data from
    client files: counts, ids, hashes, reasons. Raises whatever the database raises; the caller's
    transaction then rolls back with it, so an action and its event land together or not at all.
    """
    if obj is not None:
        object_type = object_type or obj._meta.label_lower  # type: ignore[attr-defined]
        object_id = object_id or obj.pk  # type: ignore[attr-defined]
    spec = EventSpec(action, client_id, object_type, object_id, outcome, details)
    with transaction.atomic(), connection.cursor() as cursor:
        seq, prev_hash = _lock_chain_head(cursor)
        event = _build(spec, actor, seq, prev_hash, timezone.now())
        # Plain INSERT rather than Model.save(): appends are on every action's path, and the ORM's
        # insert machinery costs more than the hash and the lock together (bench/audit.py).
        values = [getattr(event, f) for f in _INSERT_FIELDS]
        values[1] = connection.ops.adapt_datetimefield_value(event.created_at)
        cursor.execute(_INSERT_SQL, values)
        event.pk = cursor.fetchone()[0]
    return event


def do_record_events(specs: Sequence[EventSpec], *, actor: Actor) -> list[AuditEvent]:
    """Append several events by one actor, in order, under one lock and one head lookup.

    For bulk work that must still record one event per object (a purge shredding thousands of blobs):
    the chain is the same as with one do_record_event call per spec, at a fraction of the cost. Same
    transaction rules and the same ban on personal data in ``details`` as do_record_event.
    """
    if not specs:
        return []
    with transaction.atomic():
        with connection.cursor() as cursor:
            seq, prev_hash = _lock_chain_head(cursor)
        now = timezone.now()
        events = []
        for offset, spec in enumerate(specs):
            event = _build(spec, actor, seq + offset, prev_hash, now)
            prev_hash = event.hash
            events.append(event)
        AuditEvent.objects.bulk_create(events, batch_size=1000)
    return events


def do_verify_chain(*, actor: Actor) -> ChainCheckpoint:
    """Walk the whole chain (queries.verify_chain), keep the result as a checkpoint and record
    AUDIT_VERIFIED with its outcome. The one write path of a verification (daily task and command)."""
    result = verify_chain()
    with transaction.atomic():
        result.save()
        do_record_event(
            EventType.AUDIT_VERIFIED,
            actor=actor,
            outcome=Outcome.SUCCESS if result.ok else Outcome.FAILURE,
            details={"events": result.events, "first_bad_seq": result.first_bad_seq},
        )
    return result
