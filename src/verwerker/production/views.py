"""Screens of the job workflow, one per role: database department, print operator, relation manager,
privacy officer, and the client. Thin: every write goes through production/datafiles actions; every
read of one object through an ``access_*_for`` query (tenant scoping, the same 404 for missing and
not-yours)."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from verwerker.accounts.roles import is_privacy_officer
from verwerker.audit.actors import Actor
from verwerker.clients.models import Client, Subprocessor
from verwerker.clients.queries import get_active_agreement
from verwerker.datafiles.kinds import Kind
from verwerker.datafiles.models import PURGED, DataFile, DataFileState
from verwerker.datafiles.queries import access_data_file_for, data_files_visible_to
from verwerker.intake.actions import do_record_outbox_download
from verwerker.intake.queries import access_outbox_file_for, outbox_files_visible_to
from verwerker.lists.listing import Filter, Listing, apply_listing
from verwerker.logbook.readable import ObjectLink
from verwerker.production import actions
from verwerker.production.models import Dedupe, Job, OutputKind, PrintStation, Template
from verwerker.production.queries import (
    access_job_for,
    access_subprocessor_job_for,
    jobs_for_subprocessor_user,
    jobs_visible_to,
    print_queue,
    subprocessor_of,
    visible_outputs,
)
from verwerker.production.timeline import data_file_timeline, job_timeline
from verwerker.production.workflow import OPEN_STATES, JobState, StepRefused
from verwerker.retention.queries import list_certificates_for
from verwerker.vault.actions import read_blob_bytes
from verwerker.vault.models import BlobState, ReadPurpose

PAGE = 50


def _page(request, queryset):
    return Paginator(queryset, PAGE).get_page(request.GET.get("page"))


def _client_options():
    return Client.objects.order_by("name").values_list("pk", "name")


# A file is deleted when its blob is (derived, not a stored state): the filter offers it beside the states.
_FILE_STATES = [*DataFileState.choices, (PURGED, gettext_lazy("deleted"))]


def _by_state(files, state: str):
    return files.purged() if state == PURGED else files.held().filter(state=state)


FILES = Listing(
    sorts={"name": "name", "client": "client__name", "state": "state", "records": "record_count", "risk": "risk",
           "received": "received_at"},
    default_sort="-received",
    search=("name", "client__name", "agreement__reference"),
    date_field="received_at",
    filters=(Filter("state", "state", gettext_lazy("State"), lambda: _FILE_STATES, narrow=lambda q, v: _by_state(q, v)),
             Filter("client", "client_id", gettext_lazy("Client"), _client_options)),
)
JOBS = Listing(
    sorts={"name": "name", "client": "client__name", "state": "state", "records": "records_out", "pages": "pages",
           "drafted": "created_at"},
    default_sort="-drafted",
    search=("name", "client__name", "data_file__name", "agreement__reference"),
    date_field="created_at",
    filters=(Filter("state", "state", gettext_lazy("State"), lambda: JobState.choices),
             Filter("client", "client_id", gettext_lazy("Client"), _client_options)),
)


def _staff_only(request) -> None:
    if request.user.is_client_user:
        raise Http404("not a client page")


# -- database department ------------------------------------------------------------------------


@login_required
@permission_required("datafiles.view_datafile", raise_exception=True)
def incoming(request):
    """Incoming files with their profile; filter by state and client."""
    _staff_only(request)
    files = apply_listing(request, data_files_visible_to(request.user).select_related("client"), FILES)
    return render(request, "production/incoming.html", {"list": files, "page": files.page})


@login_required
@permission_required("datafiles.view_datafile", raise_exception=True)
def data_file_detail(request, data_file_id: int, rejects: dict | None = None):
    """One file's profile (risk, reasons, minors, column kinds with overrides) and the job draft form;
    ``rejects``: the masked rows production would leave out, when the department asked (a POST)."""
    _staff_only(request)
    data_file = access_data_file_for(request.user, data_file_id)
    templates = Template.objects.filter(client__in=[None, data_file.client_id]) | Template.objects.filter(
        client__isnull=True
    )
    return render(request, "production/data_file.html", {
        "f": data_file, "kinds": [k.value for k in Kind], "templates": templates.distinct(),
        "stations": PrintStation.objects.filter(active=True), "dedupe": Dedupe.choices,
        "subprocessors": _subprocessors_in_force(data_file), "jobs": data_file.jobs.all(), "rejects": rejects,
        **_timeline(request, data_file_timeline(data_file), _("Life of this file")),
    })


def _timeline(request, steps, title) -> dict:
    """The timeline's context; its steps link into the audit log only for those who may read it."""
    if not request.user.has_perm("retention.view_deletioncertificate"):
        # A link this person cannot open is not shown: the certificate is named without one.
        certificates = reverse("retention:certificates")
        for step in steps:
            step.links = [ObjectLink(link.label) if link.url.startswith(certificates) else link for link in step.links]
    return {"timeline": steps, "timeline_title": title, "show_audit": is_privacy_officer(request.user)}


def _subprocessors_in_force(data_file):
    """The subprocessors a new job may go to: those the client's agreement in force names (the job is
    drafted under that agreement, not the one the file arrived under)."""

    agreement = get_active_agreement(data_file.client_id)
    return agreement.subprocessors.all() if agreement is not None else Subprocessor.objects.none()


@login_required
@require_POST
def override_kind(request, data_file_id: int):
    if not request.user.has_perm("datafiles.change_datafile"):
        raise PermissionDenied
    data_file = access_data_file_for(request.user, data_file_id)
    try:
        from verwerker.datafiles.actions import do_override_column_kind

        do_override_column_kind(data_file, request.POST.get("column", ""), request.POST.get("kind", ""),
                                actor=Actor.from_request(request))
        messages.success(request, _("The column kind was changed and the file profiled again."))
    except ValueError as exc:
        messages.error(request, str(exc))
    return redirect("production:data_file", data_file_id)


@login_required
@require_POST
def draft_job(request, data_file_id: int):
    if not request.user.has_perm("production.add_job"):
        raise PermissionDenied
    data_file = access_data_file_for(request.user, data_file_id)
    template = get_object_or_404(Template, pk=request.POST.get("template") or 0)
    station = PrintStation.objects.filter(pk=request.POST.get("station") or 0).first()
    sub = _subprocessors_in_force(data_file).filter(pk=request.POST.get("subprocessor") or 0).first()
    mapping = {c: request.POST.get(f"map:{c}", k) for c, k in data_file.column_kinds.items()}
    try:
        job = actions.do_draft_job(
            data_file, name=request.POST.get("name", ""), template=template, user=request.user,
            actor=Actor.from_request(request), mapping=mapping, dedupe=request.POST.get("dedupe", Dedupe.PERSON),
            proof_required=request.POST.get("proof_required") == "on", station=station if sub is None else None,
            subprocessor=sub,
        )
    except StepRefused as exc:
        messages.error(request, str(exc))
        return redirect("production:data_file", data_file_id)
    messages.success(request, _("Job %(job)s «%(name)s» drafted.") % {"job": job.pk, "name": job.name})
    return redirect("production:job", job.pk)


@login_required
def job_list(request):
    """Jobs by state and client: the relation manager's status per client, the department's work list."""
    _staff_only(request)
    if not request.user.has_perm("production.view_job"):
        raise PermissionDenied
    jobs = apply_listing(request, jobs_visible_to(request.user), JOBS)
    return render(request, "production/job_list.html", {"list": jobs, "page": jobs.page})


@login_required
def job_detail(request, job_id: int):
    """A job: its state, gates waiting, progress and the buttons for the next steps."""
    _staff_only(request)
    if not request.user.has_perm("production.view_job"):
        raise PermissionDenied
    job = access_job_for(request.user, job_id)
    return render(request, "production/job.html", {
        "job": job, "gates": actions.gates_waiting(job) if job.state == JobState.DRAFTED else [],
        "agreement": actions.agreement_for(job),
        "outputs": visible_outputs(job).exclude(kind=OutputKind.RECORDS),
        "can_release": request.user.has_perm("production.release_job"),
        **_timeline(request, job_timeline(job), _("Life of this job")),
    })


@login_required
def job_progress(request, job_id: int):
    """Progress as JSON, polled by the job page (parts rendered) so it updates without reloading."""
    job = access_job_for(request.user, job_id)
    return JsonResponse({"state": job.state, "label": str(job.get_state_display()), "parts_done": job.parts_done,
                         "parts_total": job.parts_total, "pages": job.pages})


_JOB_STEPS = {
    "measures": lambda job, request, actor: actions.do_confirm_measures(job, actor=actor),
    "approve": lambda job, request, actor: actions.do_approve_job(job, user=request.user, actor=actor),
    "release": lambda job, request, actor: actions.do_release_job(job, user=request.user, actor=actor),
    "drop_bsn": lambda job, request, actor: actions.do_drop_bsn_columns(job, actor=actor),
    "legal_basis": lambda job, request, actor: actions.do_record_legal_basis(
        job, basis=request.POST.get("basis", ""), actor=actor
    ),
    "cancel": lambda job, request, actor: actions.do_cancel_job(job, actor=actor),
    "retry": lambda job, request, actor: actions.do_retry_production(job, actor=actor),
    "deliver": lambda job, request, actor: actions.do_deliver_job(job, actor=actor),
}


# What a step did, said after it (issue 17: "Opdracht 12 vrijgegeven", not "Gedaan."). Lazy: translated when
# said, in the asking person's language, not in whichever language was active when this module was imported.
_STEP_DONE = {
    "measures": gettext_lazy("Job %(job)s «%(name)s»: the extra measures are recorded as in place."),
    "approve": gettext_lazy("Job %(job)s «%(name)s» approved as second person."),
    "release": gettext_lazy("Job %(job)s «%(name)s» released."),
    "drop_bsn": gettext_lazy("Job %(job)s «%(name)s»: the BSN column is dropped."),
    "legal_basis": gettext_lazy("Job %(job)s «%(name)s»: the legal basis is recorded."),
    "cancel": gettext_lazy("Job %(job)s «%(name)s» cancelled; its data is shredded."),
    "retry": gettext_lazy("Job %(job)s «%(name)s» is back in production."),
    "deliver": gettext_lazy("Job %(job)s «%(name)s» delivered."),
    "consent": gettext_lazy("Job %(job)s «%(name)s»: parental consent recorded."),
}


# Destructive steps: the form carries an "ik bevestig" box (a server-side check; no script needed).
_CONFIRMED_STEPS = {"cancel"}


@login_required
@require_POST
def job_step(request, job_id: int, step: str):
    """One step on a job from the database department's page; a refusal is shown as its one line."""
    _staff_only(request)
    if step not in _JOB_STEPS and step != "consent":
        raise Http404("no such step")
    if not request.user.has_perm("production.change_job"):
        raise PermissionDenied
    job = access_job_for(request.user, job_id)
    actor = Actor.from_request(request)
    try:
        if step == "consent":
            document = request.FILES.get("document")
            if document is None or document.size > 20 * 1024 * 1024:
                raise StepRefused("change", _("Attach the consent document (at most 20 MiB)."), "minors")
            actions.do_record_parental_consent(
                job, given_by=request.POST.get("given_by", ""),
                given_on=dt.date.fromisoformat(request.POST.get("given_on") or timezone.localdate().isoformat()),
                document=document.read(), document_name=document.name, actor=actor,
            )
        else:
            if step in _CONFIRMED_STEPS and request.POST.get("confirm") != "yes":
                raise StepRefused(step, _("Tick the box to confirm: this step cannot be undone."), "confirm")
            _JOB_STEPS[step](job, request, actor)
        messages.success(
            request, _STEP_DONE.get(step, _("Job %(job)s «%(name)s» changed.")) % {"job": job.pk, "name": job.name}
        )
    except (StepRefused, ValueError) as exc:
        messages.error(request, str(exc))
    return redirect("production:job", job_id)


# -- print operator ------------------------------------------------------------------------------


@login_required
@permission_required("production.confirm_printing", raise_exception=True)
def print_queues(request):
    """Per print station, the delivered jobs waiting for the operator's confirmation."""
    _staff_only(request)
    stations = [(s, print_queue(s)) for s in PrintStation.objects.filter(active=True)]
    return render(request, "production/print_queue.html", {"stations": stations})


@login_required
@permission_required("production.confirm_printing", raise_exception=True)
def print_job(request, job_id: int):
    """One delivered job at the press: its files in the hot folder, spoiled pieces to reprint, and the
    final confirmation (count of pieces, a box to tick) after which everything is shredded."""
    _staff_only(request)
    job = access_job_for(request.user, job_id)
    if job.station_id is None:
        raise Http404("not a job for a print station")
    reprints = visible_outputs(job).filter(kind=OutputKind.REPRINT).order_by("index")
    return render(request, "production/print_job.html", {
        "job": job, "parts": [job.part_name(i) for i in range(1, job.parts_total + 1)],
        "reprints": [(job.reprint_name(r.index), r) for r in reprints],
        "pending": job.reprints > reprints.count(), "spoiled": job.spoiled,
    })


@login_required
@require_POST
@permission_required("production.confirm_printing", raise_exception=True)
def record_spoilage(request, job_id: int):
    _staff_only(request)
    job = access_job_for(request.user, job_id)
    try:
        job = actions.do_record_spoilage(job, ranges=request.POST.get("ranges", ""), user=request.user,
                                         actor=Actor.from_request(request))
        messages.success(request, _("The spoiled pieces were recorded; the reprint goes to the hot folder as %(name)s.")
                         % {"name": job.reprint_name(job.reprints)})
    except StepRefused as exc:
        messages.error(request, str(exc))
    return redirect("production:print_job", job_id)


@login_required
@require_POST
@permission_required("production.confirm_printing", raise_exception=True)
def confirm_printed(request, job_id: int):
    _staff_only(request)
    job = access_job_for(request.user, job_id)
    try:
        if request.POST.get("confirm") != "yes":
            raise StepRefused("confirm", _("Tick the box to confirm: this step cannot be undone."), "confirm")
        try:
            pieces = int(request.POST.get("pieces", ""))
        except ValueError:
            raise StepRefused("confirm", _("Give the count of pieces produced."), "pieces") from None
        actions.do_confirm_printed(job, user=request.user, actor=Actor.from_request(request), pieces=pieces)
        messages.success(request, _("Job %(job)s «%(name)s» printed; its data was shredded and the certificate issued.")
                         % {"job": job.pk, "name": job.name})
    except StepRefused as exc:
        messages.error(request, str(exc))
        return redirect("production:print_job", job_id)
    return redirect("production:print_queue")


# -- subprocessor (its own login) --------------------------------------------------------------------


@login_required
def subprocessor_jobs(request):
    """The jobs delivered to the user's own subprocessor, with a button to confirm production."""
    sub = subprocessor_of(request.user)
    if sub is None:
        raise Http404("a subprocessor page")
    page = _page(request, jobs_for_subprocessor_user(request.user))
    # The names the push gave the files, so the producer can match them.
    jobs = [(job, [job.part_name(i) for i in range(1, job.parts_total + 1)]) for job in page]
    return render(request, "production/subprocessor.html", {"sub": sub, "jobs": jobs, "page": page})


@login_required
@require_POST
def subprocessor_confirm(request, job_id: int):
    """The subprocessor confirms it produced a job delivered to it: the job is shredded and certified."""
    job = access_subprocessor_job_for(request.user, job_id)
    try:
        actions.do_confirm_production(job, user=request.user, actor=Actor.from_request(request))
        messages.success(
            request,
            _("Job %(job)s «%(name)s» produced; its data was shredded and the certificate issued.")
            % {"job": job.pk, "name": job.name},
        )
    except StepRefused as exc:
        messages.error(request, str(exc))
    return redirect("production:subprocessor")


# -- privacy officer -----------------------------------------------------------------------------


@login_required
def retention_overview(request):
    """Files and open jobs by age against the agreement's retention, and the gates waiting."""
    _staff_only(request)
    if not request.user.has_role("privacy"):
        raise PermissionDenied
    now = timezone.now()
    files = []
    for f in DataFile.objects.held().select_related("client", "agreement").order_by("received_at")[:500]:
        age = (now - f.received_at).days
        files.append(
            {"f": f, "age": age, "limit": f.agreement.max_retention_days, "over": age >= f.agreement.max_retention_days}
        )
    waiting = [
        (job, actions.gates_waiting(job))
        for job in Job.objects.filter(state=JobState.DRAFTED).select_related("data_file", "agreement", "client")
    ]
    open_jobs = Job.objects.filter(state__in=OPEN_STATES).select_related("client").order_by("created_at")[:500]
    return render(request, "production/retention.html", {
        "files": files, "waiting": [(j, g) for j, g in waiting if g], "open_jobs": open_jobs, "now": now,
    })


# -- client ------------------------------------------------------------------------------------------


@login_required
def client_overview(request):
    """The client's files, jobs, reject reports, proofs to approve and certificates."""
    if not request.user.is_client_user:
        raise Http404("a client page")

    user = request.user
    return render(request, "production/client.html", {
        **_client_files(request, user),
        "jobs": jobs_visible_to(user).order_by("-created_at")[:100],
        "proofs": jobs_visible_to(user).filter(state=JobState.PRODUCED, proof_required=True),
        "outbox": outbox_files_visible_to(user).filter(blob__state=BlobState.STORED).order_by("-created_at")[:100],
        "certificates": list_certificates_for(request.user)[:100],
    })


CLIENT_FILES = Listing(
    sorts={"name": "name", "state": "state", "records": "record_count", "received": "received_at"},
    default_sort="-received",
    search=("name", "jobs__name"),
    date_field="received_at",
    distinct=True,
    filters=(
        Filter("state", "state", gettext_lazy("State"), lambda: _FILE_STATES, narrow=lambda q, v: _by_state(q, v)),
    ),
)


def _client_files(request, user) -> dict:
    """The client's own files, searchable by file or job name (the query starts from their client only)."""
    found = apply_listing(request, data_files_visible_to(user), CLIENT_FILES)
    return {"files": found.page, "list": found}


@login_required
def client_proof(request, job_id: int):
    """The proof PDF of one of the client's jobs (audited read)."""
    job = access_job_for(request.user, job_id)
    output = visible_outputs(job).filter(kind=OutputKind.PROOF).first()
    if output is None:
        raise Http404("no proof")

    response = HttpResponse(
        read_blob_bytes(output.blob_id, actor=Actor.from_request(request), purpose=ReadPurpose.PROOF_DOWNLOAD),
        content_type="application/pdf",
    )
    response["Content-Disposition"] = f'inline; filename="proef-{job.pk}.pdf"'
    return response


@login_required
@require_POST
def client_proof_decision(request, job_id: int):
    """The client approves or rejects the proof of one of their jobs; a rejection says why."""
    if not request.user.is_client_user:
        raise Http404("a client page")
    job = access_job_for(request.user, job_id)
    actor = Actor.from_request(request)
    try:
        if request.POST.get("decision") == "approve":
            actions.do_approve_proof(job, actor=actor)
            messages.success(request, _("The proof was approved; the job goes to print."))
        else:
            note = request.POST.get("note", "").strip()
            if not note:
                messages.error(request, _("Say why you reject the proof, so the database department can correct it."))
                return redirect("production:proof", job.pk)
            actions.do_reject_proof(job, actor=actor, reason="client", note=note)
            messages.success(request, _("The proof was rejected; the job goes back to drafting."))
    except StepRefused as exc:
        messages.error(request, str(exc))
    return redirect("production:client")


# -- previews: the proof inline, page thumbnails, outputs for staff, a template's sample, rejects ----------


THUMBNAILS = 12  # pages drawn on the proof page; the PDF holds them all


def _proof_output(job: Job):
    return visible_outputs(job).filter(kind=OutputKind.PROOF).first()


@login_required
def proof(request, job_id: int):
    """The proof on a page: thumbnails of its pages, the PDF, and (for the client) the decision."""
    job = access_job_for(request.user, job_id)
    if not request.user.is_client_user and not request.user.has_perm("production.view_job"):
        raise PermissionDenied
    output = _proof_output(job)
    pages = output.pages if output is not None and output.pages else 0
    return render(request, "production/proof.html", {
        "job": job, "output": output, "shown": min(pages, THUMBNAILS), "page_total": pages,
        "can_decide": request.user.is_client_user and job.state == JobState.PRODUCED and job.proof_required,
    })


@login_required
def proof_sheet(request, job_id: int):
    """The proof's first pages as one PNG of thumbnails, drawn in memory from one audited vault read."""
    # local: same layer or upward, a cycle at the top
    from verwerker.production.preview import PreviewUnavailable, contact_sheet

    job = access_job_for(request.user, job_id)
    if not request.user.is_client_user and not request.user.has_perm("production.view_job"):
        raise PermissionDenied
    output = _proof_output(job)
    if output is None:
        raise Http404("no proof")
    if request.user.is_client_user:  # the client looks at their proof; staff review it
        pdf = read_blob_bytes(output.blob_id, actor=Actor.from_request(request), purpose=ReadPurpose.PROOF_DOWNLOAD)
    else:
        pdf = read_blob_bytes(output.blob_id, actor=Actor.from_request(request), purpose=ReadPurpose.OUTPUT_REVIEW)
    try:
        png = contact_sheet(pdf, pages=THUMBNAILS)
    except PreviewUnavailable:
        raise Http404("no thumbnails") from None
    finally:
        del pdf
    response = HttpResponse(png, content_type="image/png")
    response["Cache-Control"] = "private, no-store"
    return response


_OUTPUT_TYPES = {
    OutputKind.PROOF: ("application/pdf", "proef-{job}.pdf"),
    OutputKind.PART: ("application/pdf", "opdracht-{job}-deel-{index}.pdf"),
    OutputKind.REPRINT: ("application/pdf", "opdracht-{job}-herdruk-{index}.pdf"),
    OutputKind.MANIFEST: ("text/csv", "opdracht-{job}-verzendlijst.csv"),
    OutputKind.MANIFEST_PART: ("text/csv", "opdracht-{job}-verzendlijst-deel-{index}.csv"),
    OutputKind.REJECTS: ("text/csv", "opdracht-{job}-afgewezen.csv"),
}


@login_required
def job_output(request, job_id: int, output_id: int):
    """A job's output (proof, print part, manifest, reject report) opened by staff: an audited read."""

    _staff_only(request)
    if not request.user.has_perm("production.view_job"):
        raise PermissionDenied
    job = access_job_for(request.user, job_id)
    output = visible_outputs(job).filter(pk=output_id, kind__in=list(_OUTPUT_TYPES)).first()
    if output is None:
        raise Http404("no such output")
    content_type, name = _OUTPUT_TYPES[OutputKind(output.kind)]
    data = read_blob_bytes(output.blob_id, actor=Actor.from_request(request), purpose=ReadPurpose.OUTPUT_REVIEW)
    response = HttpResponse(data, content_type=content_type)
    disposition = "inline" if content_type == "application/pdf" else "attachment"
    response["Content-Disposition"] = f'{disposition}; filename="{name.format(job=job.pk, index=output.index)}"'
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@permission_required("production.view_template", raise_exception=True)
def template_sample(request, template_id: int):
    """A template's first page with a made-up sample record (no client data), as a PNG."""

    from verwerker.production import engine  # local: same layer or upward, a cycle at the top

    # local: same layer or upward, a cycle at the top
    from verwerker.production.preview import PreviewUnavailable, sample_pdf, thumbnail
    from verwerker.production.render import TemplateError  # local: same layer or upward, a cycle at the top

    _staff_only(request)
    template = get_object_or_404(Template, pk=template_id)
    try:
        pdf = sample_pdf(engine.template_path(template.source, settings.DATA_DIR),
                         bytes(template.background) if template.background else None)
        png = thumbnail(pdf, 1, dpi=60)
    except (TemplateError, engine.EngineError, PreviewUnavailable):
        raise Http404("no sample") from None
    response = HttpResponse(png, content_type="image/png")
    response["Cache-Control"] = "private, max-age=60"
    return response


@login_required
@require_POST
@permission_required("datafiles.view_datafile", raise_exception=True)
def rejects_preview(request, data_file_id: int):
    """The records production would leave out, masked, shown in this answer only (not stored)."""
    from verwerker.production import engine  # local: same layer or upward, a cycle at the top

    # local: same layer or upward, a cycle at the top
    from verwerker.production.preview import rejects_preview as preview
    from verwerker.production.records import MappingError  # local: same layer or upward, a cycle at the top

    _staff_only(request)
    data_file = access_data_file_for(request.user, data_file_id)
    if data_file.state != DataFileState.PROFILED:
        raise Http404("not profiled")
    dedupe = request.POST.get("dedupe", Dedupe.PERSON)
    dedupe = dedupe if dedupe in Dedupe.values else Dedupe.PERSON
    data = read_blob_bytes(data_file.blob_id, actor=Actor.from_request(request), purpose=ReadPurpose.PREVIEW)
    try:
        total, rows = preview(engine.read_frame(data, data_file.name, []), dict(data_file.column_kinds), dedupe=dedupe)
    except (MappingError, ValueError) as exc:
        messages.error(request, str(exc))
        return redirect("production:data_file", data_file.pk)
    finally:
        del data
    response = data_file_detail(request, data_file.pk, rejects={"total": total, "rows": rows, "dedupe": dedupe})
    response["Cache-Control"] = "no-store"
    return response


@login_required
def client_outbox_file(request, item_id: int):
    """Download a reject report or certificate from the client's outbox (audited)."""

    item = access_outbox_file_for(request.user, item_id)
    data = read_blob_bytes(item.blob_id, actor=Actor.from_request(request), purpose=ReadPurpose.OUTBOX_DOWNLOAD)
    do_record_outbox_download(item, actor=Actor.from_request(request), size=len(data))
    response = HttpResponse(data, content_type="application/pdf" if item.name.endswith(".pdf") else "text/csv")
    response["Content-Disposition"] = f'attachment; filename="{item.name}"'
    return response


# -- print stations (administrator) -----------------------------------------------------------------


@login_required
@permission_required("production.view_printstation", raise_exception=True)
def print_stations(request):
    """The printers and their hot folders; the administrator adds and changes them."""
    from verwerker.production.forms import PrintStationForm  # local: same layer or upward, a cycle at the top

    # local: same layer or upward, a cycle at the top
    from verwerker.production.stations import do_change_print_station, do_create_print_station

    _staff_only(request)
    can_change = request.user.has_perm("production.change_printstation")
    if request.method == "POST":
        if not can_change or not request.user.has_perm("production.add_printstation"):
            raise PermissionDenied
        form = PrintStationForm(request.POST)
        given = request.POST.get("station", "")
        station = get_object_or_404(PrintStation, pk=int(given)) if given.isdigit() else None
        if form.is_valid():
            try:
                if station is None:
                    do_create_print_station(actor=Actor.from_request(request), **form.cleaned_data)
                else:
                    do_change_print_station(station, actor=Actor.from_request(request), **form.cleaned_data)
                messages.success(request, _("The print station was saved."))
            except ValidationError as exc:
                messages.error(request, "; ".join(exc.messages))
        else:
            messages.error(request, _("A print station needs a name and a hot folder."))
        return redirect("production:stations")
    return render(request, "production/stations.html", {
        "stations": PrintStation.objects.order_by("name"), "can_change": can_change, "form": PrintStationForm()})
