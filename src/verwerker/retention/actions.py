"""Writes of the retention app: holds and schedule changes. Atomic and audited.

Purges live in purge.py (chunked, one transaction per chunk); certificates in certificates.py.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from verwerker.audit.actions import do_record_event
from verwerker.audit.actors import Actor
from verwerker.audit.events import EventType
from verwerker.retention.models import Hold, RetentionSchedule
from verwerker.retention.rules import RecordClass, schedule_problems

# What a hold may name, and how to find the client it belongs to.
HOLDABLE = {"vault.blob", "clients.client"}
# The house's own relations (crm.purge honours these); they belong to no client.
CRM_HOLDABLE = {"crm.person", "crm.organisation", "crm.financialrecord", "crm.contractterm"}
HOLDABLE |= CRM_HOLDABLE


def _client_of(object_type: str, object_id: str) -> int | None:
    if object_type in CRM_HOLDABLE:
        return None
    if object_type == "clients.client":
        from verwerker.clients.models import Client

        if not Client.objects.filter(pk=object_id).exists():
            raise ValidationError(f"no client {object_id}")
        return int(object_id)
    from verwerker.vault.models import Blob

    try:
        return Blob.objects.values_list("client_id", flat=True).get(pk=object_id)
    except (Blob.DoesNotExist, ValueError, ValidationError):
        raise ValidationError(f"no blob {object_id}") from None


@transaction.atomic
def do_place_hold(object_type: str, object_id, *, reason: str, actor: Actor) -> Hold:
    """Exempt one object from purges until released. Raises ValidationError for an unknown object or no reason."""
    object_id = str(object_id)
    if object_type not in HOLDABLE:
        raise ValidationError(f"a hold can name {', '.join(sorted(HOLDABLE))}, not {object_type!r}")
    if not reason.strip():
        raise ValidationError("a hold needs a reason")
    client_id = _client_of(object_type, object_id)
    hold = Hold.objects.create(
        object_type=object_type, object_id=object_id, client_id=client_id, reason=reason.strip(), placed_by=actor.label
    )
    do_record_event(
        EventType.HOLD_PLACED,
        actor=actor,
        client_id=client_id,
        obj=hold,
        details={"object_type": object_type, "object_id": object_id, "reason": hold.reason},
    )
    return hold


@transaction.atomic
def do_release_hold(hold: Hold, *, reason: str = "", actor: Actor) -> Hold:
    """Release a hold; the object falls under its retention again at the next purge. Idempotent."""
    hold = Hold.objects.select_for_update().get(pk=hold.pk)
    if hold.released_at is not None:
        return hold
    hold.released_at, hold.released_by, hold.release_reason = timezone.now(), actor.label, reason
    hold.save(update_fields=["released_at", "released_by", "release_reason"])
    do_record_event(
        EventType.HOLD_RELEASED,
        actor=actor,
        client_id=hold.client_id,
        obj=hold,
        details={"object_type": hold.object_type, "object_id": hold.object_id, "reason": reason},
    )
    return hold


@transaction.atomic
def do_change_retention_schedule(record_class: str, *, keep_days: int | None, actor: Actor) -> RetentionSchedule:
    """Set how long a record class is kept. Raises ValidationError if the set of schedules would break a rule
    (audit events never shorter than the longest other class; only audit events kept indefinitely)."""
    record_class = RecordClass(record_class)
    current = dict(RetentionSchedule.objects.select_for_update().values_list("record_class", "keep_days"))
    before = current.get(record_class)
    current[record_class] = keep_days
    problems = schedule_problems(current)
    if problems:
        raise ValidationError(problems)
    schedule = RetentionSchedule.objects.get(record_class=record_class)
    schedule.keep_days, schedule.updated_at = keep_days, timezone.now()
    schedule.save(update_fields=["keep_days", "updated_at"])
    do_record_event(
        EventType.RETENTION_SCHEDULE_CHANGED,
        actor=actor,
        obj=schedule,
        details={"record_class": record_class.value, "before": before, "after": keep_days},
    )
    return schedule
