"""What every step of the job's life cycle shares: lock, check, change, audit (``_step``), and the
audited refusal (``_refuse``). The phase modules beside this one build their actions on these two.
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from verwerker.audit.actions import do_record_event
from verwerker.audit.actors import Actor
from verwerker.audit.events import EventType, Outcome
from verwerker.clients.queries import get_active_agreement
from verwerker.production.models import Job
from verwerker.production.workflow import StepRefused, check_step


def _refuse(job: Job | None, step: str, exc: StepRefused, actor: Actor, client_id: int | None = None) -> None:
    do_record_event(
        EventType.JOB_TRANSITION_REFUSED, actor=actor, client_id=client_id or (job.client_id if job else None),
        object_type="production.job", object_id=job.pk if job else "", outcome=Outcome.REFUSED,
        details={"step": step, "code": exc.code, "reason": exc.reason},
    )


def _step(job: Job, step: str, *, actor: Actor, gates=None, update=None, details: dict | None = None, within=None) -> Job:
    """Take one life-cycle step: lock, check (state, agreement, gates), change, audit. Raises StepRefused.

    ``update`` is a dict of fields, or a callable given the locked job that returns one (for values
    that depend on the row as locked, such as the next attempt number). ``within``, given the changed
    job, writes the step's own rows in the same transaction and may return more audit details.
    """
    try:
        with transaction.atomic():
            locked = Job.objects.select_for_update().get(pk=job.pk)
            spec = check_step(
                step, locked.state, agreement_in_force=get_active_agreement(locked.client_id) is not None,
                proof_required=locked.proof_required,
            )
            if gates is not None:
                gates(locked)
            changes = update(locked) if callable(update) else update
            fields = {"state": spec.target, "updated_at": timezone.now(), **(changes or {})}
            for name, value in fields.items():
                setattr(locked, name, value)
            locked.save(update_fields=[f for f in fields if f != "suppression_files"])
            more = within(locked) if within is not None else None
            do_record_event(
                EventType[spec.event], actor=actor, client_id=locked.client_id, obj=locked,
                details={"step": step, "to": spec.target, **(details or {}), **(more or {})},
            )
    except StepRefused as exc:
        _refuse(job, step, exc, actor)
        raise
    return locked

