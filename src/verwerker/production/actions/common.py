"""What every step of the job's life cycle shares: lock, check, change, audit (``_step``), and the
audited refusal (``_refuse``). The phase modules beside this one build their actions on these two.
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from verwerker.audit.actions import do_record_event
from verwerker.audit.actors import Actor
from verwerker.audit.events import EventType, Outcome
from verwerker.clients.queries import get_active_agreement
from verwerker.production.models import Job, JobOutput
from verwerker.production.workflow import JobState, StepRefused, check_step, untranslated
from verwerker.vault.actions import do_shred_blobs
from verwerker.vault.models import DeletionReason


def _refuse(job: Job | None, step: str, exc: StepRefused, actor: Actor, client_id: int | None = None) -> None:
    do_record_event(
        EventType.JOB_TRANSITION_REFUSED, actor=actor, client_id=client_id or (job.client_id if job else None),
        object_type="production.job", object_id=job.pk if job else "", outcome=Outcome.REFUSED,
        details={"step": step, "code": exc.code, "reason": untranslated(exc.reason)},
    )


def agreement_for(job: Job):
    """The agreement a job answers to: for a job not yet released, the client's agreement in force now
    (an amendment takes effect on a drafted job); once released, the one it was released under."""
    if job.state == JobState.DRAFTED:
        return get_active_agreement(job.client_id) or job.agreement
    return job.agreement


def _agreement_ended(job: Job) -> StepRefused:
    agreement = job.agreement
    return StepRefused(
        "stop", format_lazy(_(
            "the agreement {reference} under which this job was released is no longer in force (ended {ended}): the "
            "job was stopped and is back in drafting, to be released again under the agreement in force (P09)"),
            reference=agreement.reference, ended=agreement.ends_on or _("now")), "agreement_ended",
    )


def _step(
    job: Job, step: str, *, actor: Actor, gates=None, update=None, details: dict | None = None, within=None
) -> Job:
    """Take one life-cycle step: lock, check (state, agreement, gates), change, audit. Raises StepRefused.

    ``update`` is a dict of fields, or a callable given the locked job that returns one (for values
    that depend on the row as locked, such as the next attempt number). ``within``, given the changed
    job, writes the step's own rows in the same transaction and may return more audit details.
    A drafted job follows the agreement in force; a released one whose agreement has ended is stopped
    (do_stop_job) instead of taking a step that needs the agreement.
    """
    try:
        with transaction.atomic():
            locked = Job.objects.select_for_update().select_related("agreement").get(pk=job.pk)
            current = get_active_agreement(locked.client_id)
            spec = check_step(
                step, locked.state, agreement_in_force=current is not None, proof_required=locked.proof_required,
            )
            if spec.needs_agreement and locked.state != JobState.DRAFTED and not locked.agreement.is_in_force():
                raise _agreement_ended(locked)
            switch = locked.state == JobState.DRAFTED and current is not None and locked.agreement_id != current.pk
            if switch:
                locked.agreement = current  # type: ignore[assignment]  # the gates judge a drafted job by the agreement in force
                details = {**(details or {}), "agreement": current.pk}  # type: ignore[union-attr]
            if gates is not None:
                gates(locked)
            changes = update(locked) if callable(update) else update
            fields = {"state": spec.target, "updated_at": timezone.now(), **({"agreement": current} if switch else {}),
                      **(changes or {})}
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
        if exc.code == "agreement_ended":
            do_stop_job(job, reason=exc.reason, actor=Actor.system("agreement check"))  # type: ignore[arg-type]
        raise
    return locked


def do_stop_job(job: Job, *, reason: str, actor: Actor) -> Job:
    """Send a released job whose agreement ended back to drafting, with the reason shown on it: its
    outputs are shredded and its approvals withdrawn, the client's file stays for a new release."""

    stopped = _step(job, "stop", actor=actor, update={
        "released_at": None, "approved_by": None, "approved_at": None, "measures_confirmed": False,
        "error": reason[:300]}, details={"reason": reason[:200], "agreement": job.agreement_id})
    outputs = list(JobOutput.objects.filter(job=stopped).values_list("blob_id", flat=True))
    if outputs:
        do_shred_blobs(outputs, actor=actor, reason=DeletionReason.ATTEMPT_SUPERSEDED)
    return stopped
