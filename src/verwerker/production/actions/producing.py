"""Producing actions: the attempts of a released job, their failure and their end."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from verwerker.audit.actors import Actor
from verwerker.production.actions.common import _step
from verwerker.production.models import Job, JobOutput
from verwerker.production.workflow import JobState
from verwerker.vault.models import DeletionReason


def do_start_production(job: Job, *, actor: Actor) -> Job:
    """Begin a production attempt (released, or producing after a killed worker): a new attempt number.

    Outputs of earlier attempts are shredded; they were never visible.
    """
    job = _step(job, "start", actor=actor, update={"attempt": job.attempt + 1, "parts_done": 0, "parts_total": 0, "error": ""})
    stale = list(JobOutput.objects.filter(job=job).exclude(attempt=job.attempt).values_list("blob_id", flat=True))
    if stale:
        from verwerker.vault.actions import do_shred_blobs

        do_shred_blobs(stale, actor=actor, reason=DeletionReason.ATTEMPT_SUPERSEDED)
    return job


def do_fail_production(job: Job, *, error: str, actor: Actor) -> Job:
    """Give the job back to ``released`` with a one-line error; the next attempt starts from scratch."""
    return _step(job, "fail", actor=actor, update={"error": " ".join(error.split())[:300]}, details={"error": error[:200]})


def do_finish_production(job: Job, *, actor: Actor, records_in: int, records_out: int, pages: int, rejects: int) -> Job:
    """Mark the attempt complete: its outputs become visible. Puts the reject report in the client's outbox."""
    job = _step(job, "finish", actor=actor, update={
        "records_in": records_in, "records_out": records_out, "pages": pages, "rejects": rejects,
        "produced_at": timezone.now()}, details={"records_in": records_in, "records_out": records_out,
                                                 "pages": pages, "rejects": rejects, "attempt": job.attempt})
    _deliver_later(job)
    return job


def _deliver_later(job: Job) -> None:
    """Enqueue delivery after commit when nothing waits for the client (no proof to approve)."""
    from verwerker.production.tasks import deliver_job

    if job.state == JobState.PROOF_APPROVED or (job.state == JobState.PRODUCED and not job.proof_required):
        job_id = job.pk
        transaction.on_commit(lambda: deliver_job.enqueue(job_id))

