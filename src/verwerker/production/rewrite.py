"""Actions for "a client file was rewritten": what becomes of the jobs made from its old records.

Threat model: an erasure or rectification (P07) rewrites the data file, but a job holds copies of the
old records: its prepared records, its print parts, its proof, its manifests and the reject report in
the client's outbox. Left alone, the person would survive in them, the proof could still be downloaded
and the job delivered. So every job that used the file (as its file or as a suppression list) loses
those copies here, in the caller's transaction:

- a job not yet delivered goes back to production (step ``reproduce``): its outputs are shredded, its
  gates (approval, measures, consent, legal basis) are kept, and it is produced again from the new file;
- a job already delivered to a print station or a subprocessor cannot be called back: its copies still
  in the vault are shredded and the job is flagged (on its page and on the request's receipt) with
  when and where it went, because the printed pieces are outside the system;
- a draft or a cancelled job only loses whatever copy it still holds.

Invariants: the caller (datafiles.actions.do_rewrite_data_file) holds the transaction; the ids shredded
here are returned so the caller certifies them with the old file. Production is enqueued on commit.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Q
from django.utils import timezone

from verwerker.audit.actions import do_record_event
from verwerker.audit.actors import Actor
from verwerker.audit.events import EventType
from verwerker.clients.queries import get_active_agreement
from verwerker.production.later import enqueue_after_commit
from verwerker.production.models import Job
from verwerker.production.workflow import JobState, check_step
from verwerker.vault.actions import LIVE_STATES, do_shred_blobs

# States in which a job's outputs are not yet out of the house: it is produced again.
REPRODUCIBLE = (JobState.RELEASED, JobState.PRODUCING, JobState.PRODUCED, JobState.PROOF_APPROVED)


@dataclass(frozen=True)
class DeliveredJob:
    job_id: int
    name: str
    delivered_at: object  # datetime
    target: str  # "print station Pers 1" / "subprocessor Drukkerij B"


@dataclass
class JobsWithdrawn:
    """What withdraw_job_copies did: the blobs it shredded and the jobs it sent back or flagged."""

    shredded: list = field(default_factory=list)
    reproduced: list[tuple[int, str]] = field(default_factory=list)  # (job id, job name)
    delivered: list[DeliveredJob] = field(default_factory=list)


def delivery_target_label(job: Job) -> str:
    """Where a delivered job went, in words (``delivery_target`` is "station:NAME" or "subprocessor:NAME")."""
    kind, _, name = job.delivery_target.partition(":")
    return {"station": "print station", "subprocessor": "subprocessor"}.get(kind, kind) + (f" {name}" if name else "")


def _live_copies(job: Job) -> list:
    """The vault blobs still holding the job's records (outputs of every attempt, outbox reject reports)."""
    # local: same layer or upward, a cycle at the top
    from verwerker.production.actions.closing import job_record_copies

    return job_record_copies(job, states=LIVE_STATES)


def withdraw_job_copies(data_file, *, reason: str, subject: str, actor: Actor) -> JobsWithdrawn:
    """Shred every job's copies of ``data_file``'s old records; send back or flag each job (see header).

    Must run inside the caller's transaction. Records JOB_SENT_BACK_TO_PRODUCTION or
    JOB_FLAGGED_DELIVERED_BEFORE_REWRITE per job; the vault records each shred.
    """

    done = JobsWithdrawn()
    jobs = (
        Job.objects.select_for_update()
        .filter(pk__in=Job.objects.filter(Q(data_file=data_file) | Q(suppression_files=data_file)).values("pk"))
        .order_by("pk")
    )
    now = timezone.now()
    for job in jobs:
        copies = _live_copies(job)
        if copies:
            done.shredded += do_shred_blobs(copies, actor=actor, reason=reason)
        if job.state in REPRODUCIBLE:
            spec = check_step(
                "reproduce", job.state, agreement_in_force=get_active_agreement(job.client_id) is not None
            )
            was = job.state
            job.state = spec.target
            job.parts_done = job.parts_total = 0
            job.error = ""
            job.updated_at = job.progress_at = now
            job.save(update_fields=["state", "parts_done", "parts_total", "error", "updated_at", "progress_at"])
            do_record_event(
                EventType[spec.event], actor=actor, client_id=job.client_id, obj=job,
                details={"step": "reproduce", "from": was, "to": spec.target, "reason": reason,
                         "data_file": data_file.pk, "shredded": len(copies)},
            )
            enqueue_after_commit("verwerker.production.tasks.produce_job", job.pk)
            done.reproduced.append((job.pk, job.name))
        elif job.delivered_at is not None:
            job.rewritten_after_delivery = [
                *job.rewritten_after_delivery, {"at": now.isoformat(), "reason": reason, "subject": subject[:200]},
            ]
            job.save(update_fields=["rewritten_after_delivery"])
            target = delivery_target_label(job)
            do_record_event(
                EventType.JOB_FLAGGED_DELIVERED_BEFORE_REWRITE, actor=actor, client_id=job.client_id, obj=job,
                details={"reason": reason, "data_file": data_file.pk, "delivered_at": job.delivered_at.isoformat(),
                         "target": target, "shredded": len(copies)},
            )
            done.delivered.append(DeliveredJob(job.pk, job.name, job.delivered_at, target))
    return done
