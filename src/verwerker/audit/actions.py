"""The only write path to the audit log."""

from __future__ import annotations

from django.db import connection, transaction
from django.utils import timezone

from verwerker.audit import chain
from verwerker.audit.actors import Actor
from verwerker.audit.events import EventType, Outcome
from verwerker.audit.models import AuditEvent

# Key of the PostgreSQL advisory lock that serialises appends ("VERWERK" in ASCII, as an int).
_PG_LOCK_KEY = 0x5645525745524B


def _lock_chain_head() -> None:
    # PostgreSQL: a transaction-scoped advisory lock, so two writers never extend the same head.
    # SQLite: transactions are IMMEDIATE (settings), so the write lock is already held here.
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_PG_LOCK_KEY])


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
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or obj.pk
    if client_id is None:
        client_id = actor.client_id
    with transaction.atomic():
        _lock_chain_head()
        with connection.cursor() as cursor:
            cursor.execute(_HEAD_SQL)
            head = cursor.fetchone()
            seq, prev_hash = (head[0] + 1, head[1]) if head else (1, chain.GENESIS)
            event = AuditEvent(
                seq=seq,
                created_at=timezone.now(),
                actor_type=actor.type,
                actor_id=str(actor.id),
                actor_label=actor.label[:200],
                client_id=client_id,
                action=int(action),
                object_type=object_type,
                object_id=str(object_id),
                outcome=outcome,
                source_ip=actor.ip or "",
                details=chain.canonical_details(details),
                prev_hash=prev_hash,
            )
            event.hash = chain.link(prev_hash, event.chain_values())
            # Plain INSERT rather than Model.save(): appends are on every action's path, and the ORM's
            # insert machinery costs more than the hash and the lock together (bench/audit.py).
            values = [getattr(event, f) for f in _INSERT_FIELDS]
            values[1] = connection.ops.adapt_datetimefield_value(event.created_at)
            cursor.execute(_INSERT_SQL, values)
            event.pk = cursor.fetchone()[0]
    return event


_INSERT_FIELDS = (*chain.FIELDS, "prev_hash", "hash")
_HEAD_SQL = "SELECT seq, hash FROM audit_auditevent ORDER BY seq DESC LIMIT 1"
_INSERT_SQL = (
    f"INSERT INTO audit_auditevent ({', '.join(_INSERT_FIELDS)}) "
    f"VALUES ({', '.join(['%s'] * len(_INSERT_FIELDS))}) RETURNING id"
)
