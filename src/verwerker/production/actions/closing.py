"""Closing actions: confirmation of printing or of production by the subprocessor, then purge and
certify (P17): every blob of the job shredded in one transaction with the certificate that lists them."""

from __future__ import annotations

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from verwerker.audit.actors import Actor
from verwerker.datafiles.actions import do_reduce_data_files_of_blobs
from verwerker.intake.actions import do_put_in_outbox
from verwerker.intake.models import OutboxFile
from verwerker.production.actions.common import _step
from verwerker.production.actions.delivering import _remove_files
from verwerker.production.actions.producing import REJECTS_OUTBOX_PREFIX
from verwerker.production.models import Job, JobOutput, OutputKind
from verwerker.production.workflow import JobState, StepRefused
from verwerker.retention.actions import do_issue_certificate
from verwerker.retention.certificates import render_certificate_pdf
from verwerker.vault.actions import do_shred_blobs
from verwerker.vault.models import Blob, BlobState, DeletionReason


def do_confirm_printed(job: Job, *, user, actor: Actor, pieces: int | None = None) -> Job:
    """The print operator confirms printing, with the count of pieces produced: the hot-folder files
    go, then every blob of the job is shredded and certified at once (P17). The final step: a reprint
    of spoiled pieces (do_record_spoilage) comes before it, and is refused while one is being made."""
    def gate(locked: Job) -> None:
        if not user.has_perm("production.confirm_printing"):
            raise StepRefused("confirm", gettext_lazy("only a print operator can confirm printing"), "rights")
        if locked.subprocessor_id is not None:
            raise StepRefused(
                "confirm", gettext_lazy("a job delivered to a subprocessor is confirmed by that subprocessor"), "rights"
            )
        if (
            locked.reprints
            > JobOutput.objects.filter(job=locked, attempt=locked.attempt, kind=OutputKind.REPRINT).count()
        ):
            raise StepRefused(
                "confirm",
                gettext_lazy("a reprint is still being made: confirm once it is in the hot folder"),
                "reprint",
            )
        if pieces is not None and pieces < 0:
            raise StepRefused("confirm", gettext_lazy("the count of pieces produced cannot be negative"), "pieces")

    job = _step(
        job,
        "confirm",
        actor=actor,
        gates=gate,
        update={"confirmed_at": timezone.now(), "pieces_printed": pieces},
        details={"pieces": pieces, "expected": job.records_out, "reprints": job.reprints},
    )
    return do_close_job(job, actor=actor)


def do_confirm_production(job: Job, *, user, actor: Actor) -> Job:
    """The subprocessor the job was delivered to confirms production, through its own login: every
    blob of the job is then shredded and certified at once (P17), as after printing in house.

    Raises StepRefused unless ``user`` has the subprocessor role's permission and is bound to the
    job's subprocessor (audited).
    """
    def gate(locked: Job) -> None:
        binding = (
            getattr(user, "subprocessor_binding", None) if user.has_perm("production.confirm_production") else None
        )
        if binding is None or locked.subprocessor_id is None or binding.subprocessor_id != locked.subprocessor_id:
            raise StepRefused(
                "confirm",
                gettext_lazy("only the subprocessor the job was delivered to can confirm its production"),
                "rights",
            )

    job = _step(job, "confirm", actor=actor, gates=gate, update={"confirmed_at": timezone.now()},
                details={"subprocessor": job.subprocessor_id})
    return do_close_job(job, actor=actor)


def job_record_copies(job: Job, *, states=None) -> list:
    """The vault blobs production made of the job's records: its outputs of every attempt and the
    copies of its reject reports in the client's outbox; only blobs in ``states`` when given."""

    outputs = JobOutput.objects.filter(job=job)
    rejects = OutboxFile.objects.filter(client_id=job.client_id, name__startswith=f"{REJECTS_OUTBOX_PREFIX}{job.pk}-")
    if states is not None:
        outputs, rejects = outputs.filter(blob__state__in=states), rejects.filter(blob__state__in=states)
    return [*outputs.values_list("blob_id", flat=True), *rejects.values_list("blob_id", flat=True)]


def job_blob_ids(job: Job) -> list:
    """Every vault blob the job holds personal data in: its file, suppression lists, outputs, consent,
    and the copies of its reject reports in the client's outbox (they hold the rejected records)."""
    ids = [job.data_file.blob_id, *job.suppression_files.values_list("blob_id", flat=True)]
    ids += job_record_copies(job)
    if job.consent_document_id:
        ids.append(job.consent_document_id)
    ids += _leftover_outputs(job, exclude=ids)
    return ids


def _job_outcome(job: Job, *, cancelled: bool) -> str:
    """What became of the job, in the words of its certificate (frozen in the house's language there)."""
    if cancelled:
        return _("cancelled; nothing was printed")
    when = timezone.localtime(job.confirmed_at).strftime("%d-%m-%Y %H:%M") if job.confirmed_at else ""
    where = job.subprocessor.name if job.subprocessor_id else (job.station.name if job.station_id else "")  # type: ignore[union-attr]
    return _("printed (confirmed %(when)s, %(where)s)") % {"when": when, "where": where}


def _leftover_outputs(job: Job, *, exclude: list) -> list:
    """Live blobs a production task stored for this job but never recorded as an output: its worker
    was killed between storing and recording. They are named for the job (engine and part names)."""


    named = (Q(name__startswith=f"job-{job.pk}-") | Q(name__in=[
        f"weigeringen-job-{job.pk}.csv", f"manifest-job-{job.pk}.csv", f"proef-job-{job.pk}.pdf"]))
    return list(Blob.objects.filter(named, client_id=job.client_id, state__in=(BlobState.WRITING, BlobState.STORED),
                                    purpose__in=("print_output", "manifest", "intermediate", "reject_report"))
                .exclude(pk__in=exclude).values_list("pk", flat=True))


def do_close_job(job: Job, *, actor: Actor) -> Job:
    """Purge and certify: shred all the job's blobs and issue the certificate in one transaction, then
    put the certificate in the client's outbox. Idempotent for a job already certified."""

    if job.state == JobState.CERTIFIED:
        return job
    _remove_files(job.delivered_files)
    with transaction.atomic():
        ids = job_blob_ids(job)
        cancelled = job.state == JobState.CANCELLED
        reason = DeletionReason.JOB_CANCELLED if cancelled else DeletionReason.JOB_COMPLETED
        do_shred_blobs(ids, actor=actor, reason=reason)
        do_reduce_data_files_of_blobs(ids, actor=actor)
        job = _step(job, "purge", actor=actor, update={"delivered_files": []}, details={"blobs": len(ids)})
        uncertified = list(Blob.objects.filter(pk__in=ids, certificate_item__isnull=True).values_list("pk", flat=True))
        cert = None
        if uncertified:
            with translation.override(settings.LANGUAGE_CODE):  # the certificate is frozen in the house's language
                subject, outcome = _("job «%(name)s»") % {"name": job.name}, _job_outcome(job, cancelled=cancelled)
            cert = do_issue_certificate(job.client_id, uncertified, reason=reason, actor=actor, subject=subject,
                                        outcome=outcome)
        job = _step(job, "certify", actor=actor, update={"certificate": cert, "closed_at": timezone.now()},
                    details={"certificate": str(cert.pk) if cert else None})
    if cert is not None:
        do_put_in_outbox(job.client, f"vernietigingsverklaring-job-{job.pk}.pdf", render_certificate_pdf(cert),
                         actor=actor, purpose="certificate")
    return job
