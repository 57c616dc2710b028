"""Reads of the production app; ``access_job_for`` is where tenant scoping happens."""

from __future__ import annotations

from django.db.models import Count, Q, QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from verwerker.accounts.scoping import access, scoped
from verwerker.production.models import Job, JobOutput, OutputKind, PrintStation
from verwerker.production.workflow import JobState
from verwerker.vault.models import BlobState

VISIBLE_AFTER = (JobState.PRODUCED, JobState.PROOF_APPROVED, JobState.DELIVERED, JobState.CONFIRMED)


def jobs_visible_to(user) -> QuerySet[Job]:
    """A client user sees their client's jobs; staff with the view permission see all; others none."""
    return scoped(Job.objects.select_related("client", "data_file", "template", "station"), user, "production.view_job")


def access_job_for(user, job_id: int) -> Job:
    """The job if ``user`` may see it; the same 404 for missing and not-yours."""
    return access(Job.objects.select_related("client", "data_file", "template", "station"), user, "production.view_job",
                  job_id, what="job")


def visible_outputs(job: Job) -> QuerySet[JobOutput]:
    """Outputs of the attempt that finished; nothing while production runs or after a failed attempt."""
    if job.state not in VISIBLE_AFTER:
        return JobOutput.objects.none()
    return JobOutput.objects.filter(job=job, attempt=job.attempt, blob__state=BlobState.STORED)


def print_queue(station: PrintStation) -> QuerySet[Job]:
    """Jobs delivered to a station and waiting for the operator's confirmation."""
    return Job.objects.filter(station=station, state=JobState.DELIVERED).order_by("delivered_at")


def subprocessor_of(user):
    """The subprocessor a login is bound to (clients.SubprocessorUser), or None."""
    if not user.is_authenticated or not user.is_staff or not user.has_perm("production.confirm_production"):
        return None
    binding = getattr(user, "subprocessor_binding", None)
    return binding.subprocessor if binding is not None else None


def jobs_for_subprocessor_user(user) -> QuerySet[Job]:
    """Jobs delivered to the user's own subprocessor (waiting first); none for anyone else."""
    sub = subprocessor_of(user)
    if sub is None:
        return Job.objects.none()
    return (Job.objects.filter(subprocessor=sub, delivered_at__isnull=False).select_related("client")
            .order_by("confirmed_at", "-delivered_at"))


def access_subprocessor_job_for(user, job_id: int) -> Job:
    """A job delivered to the user's own subprocessor; the same 404 for missing and another's."""
    try:
        return jobs_for_subprocessor_user(user).get(pk=job_id)
    except Job.DoesNotExist:
        raise Http404("no such job") from None


def client_names_of_blobs(blob_ids: list) -> dict:
    """{blob id: what the client calls it} for the job outputs and consent documents among these blobs,
    in the active language ("drukbestand deel 2 van opdracht «Voorjaarsmailing»"): a deletion
    certificate names what was deleted in words the client can file, not by vault ids."""


    names = {}
    outputs = JobOutput.objects.filter(blob_id__in=blob_ids).select_related("job").only(
        "blob_id", "kind", "index", "attempt", "job__name", "job__attempt")
    for output in outputs:
        job = output.job.name
        name = {  # type: ignore[call-overload]
            OutputKind.PART: _("print file part %(index)s of job «%(job)s»"),
            OutputKind.REPRINT: _("reprint %(index)s of job «%(job)s»"),
            OutputKind.MANIFEST_PART: _("mailing list part %(index)s of job «%(job)s»"),
            OutputKind.MANIFEST: _("mailing list of job «%(job)s»"),
            OutputKind.REJECTS: _("reject report of job «%(job)s»"),
            OutputKind.PROOF: _("proof of job «%(job)s»"),
            OutputKind.RECORDS: _("prepared address records, part %(index)s of job «%(job)s»") if output.index
            else _("prepared address records of job «%(job)s»"),
        }.get(output.kind, _("output of job «%(job)s»")) % {"index": output.index, "job": job}
        if output.job.attempt > 1:
            name += " " + _("(production run %(attempt)s)") % {"attempt": output.attempt}
        names[output.blob_id] = name
    for blob_id, job in Job.objects.filter(consent_document_id__in=blob_ids).values_list("consent_document_id", "name"):
        names[blob_id] = _("parental consent for job «%(job)s»") % {"job": job}
    return names


def jobs_awaiting_second_approval(user) -> QuerySet[Job]:
    """High-risk drafted jobs still without a second person's approval that ``user`` may give (not their own)."""
    if user.is_client_user or not user.has_perm("production.release_job"):
        return Job.objects.none()
    return (jobs_visible_to(user).filter(state=JobState.DRAFTED, data_file__risk="high", approved_by__isnull=True)
            .exclude(drafted_by=user).order_by("created_at"))


def failed_jobs(user) -> QuerySet[Job]:
    """Jobs whose production failed, waiting for a retry or a cancel, oldest first."""
    if user.is_client_user:
        return Job.objects.none()
    return jobs_visible_to(user).filter(state=JobState.FAILED).order_by("updated_at")


def station_queues() -> QuerySet[PrintStation]:
    """Active print stations, each with ``waiting``: its delivered jobs not yet confirmed printed."""

    return PrintStation.objects.filter(active=True).annotate(
        waiting=Count("jobs", filter=Q(jobs__state=JobState.DELIVERED))).order_by("name")


def jobs_at_stations() -> QuerySet[Job]:
    """Every delivered job waiting at a print station, oldest delivery first."""
    return (Job.objects.filter(station__isnull=False, state=JobState.DELIVERED).select_related("client", "station")
            .order_by("delivered_at"))


def proofs_to_approve(user) -> QuerySet[Job]:
    """A client user's jobs whose proof waits for their decision."""
    if not user.is_client_user:
        return Job.objects.none()
    return jobs_visible_to(user).filter(state=JobState.PRODUCED, proof_required=True).order_by("produced_at")
