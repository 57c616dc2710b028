"""Screens of the job workflow, one per role: database department, print operator, relation manager,
privacy officer, and the client. Thin: every write goes through production/datafiles actions; every
read of one object through an ``access_*_for`` query (tenant scoping, the same 404 for missing and
not-yours)."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from verwerker.audit.actors import Actor
from verwerker.datafiles.kinds import Kind
from verwerker.datafiles.models import DataFile, DataFileState
from verwerker.datafiles.queries import access_data_file_for, data_files_visible_to
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
from verwerker.production.workflow import OPEN_STATES, JobState, StepRefused

PAGE = 50


def _page(request, queryset):
    return Paginator(queryset, PAGE).get_page(request.GET.get("page"))


def _staff_only(request) -> None:
    if request.user.is_client_user:
        raise Http404("not a client page")


# -- database department ------------------------------------------------------------------------


@login_required
@permission_required("datafiles.view_datafile", raise_exception=True)
def incoming(request):
    """Incoming files with their profile; filter by state and client."""
    _staff_only(request)
    files = data_files_visible_to(request.user).order_by("-received_at")
    if request.GET.get("state"):
        files = files.filter(state=request.GET["state"])
    if request.GET.get("client"):
        files = files.filter(client_id=request.GET["client"])
    return render(request, "production/incoming.html", {"page": _page(request, files), "states": DataFileState.choices})


@login_required
@permission_required("datafiles.view_datafile", raise_exception=True)
def data_file_detail(request, data_file_id: int):
    """One file's profile (risk, reasons, minors, column kinds with overrides) and the job draft form."""
    _staff_only(request)
    data_file = access_data_file_for(request.user, data_file_id)
    templates = Template.objects.filter(client__in=[None, data_file.client_id]) | Template.objects.filter(client__isnull=True)
    return render(request, "production/data_file.html", {
        "f": data_file, "kinds": [k.value for k in Kind], "templates": templates.distinct(),
        "stations": PrintStation.objects.filter(active=True), "dedupe": Dedupe.choices,
        "subprocessors": _subprocessors_in_force(data_file), "jobs": data_file.jobs.all(),
    })


def _subprocessors_in_force(data_file):
    """The subprocessors a new job may go to: those the client's agreement in force names (the job is
    drafted under that agreement, not the one the file arrived under)."""
    from verwerker.clients.models import Subprocessor
    from verwerker.clients.queries import get_active_agreement

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
    jobs = jobs_visible_to(request.user).order_by("-created_at")
    if request.GET.get("state"):
        jobs = jobs.filter(state=request.GET["state"])
    if request.GET.get("client"):
        jobs = jobs.filter(client_id=request.GET["client"])
    from verwerker.clients.queries import list_clients

    return render(request, "production/job_list.html", {
        "page": _page(request, jobs), "states": JobState.choices, "clients": list_clients(),
    })


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
        "outputs": visible_outputs(job), "can_release": request.user.has_perm("production.release_job"),
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
    "legal_basis": lambda job, request, actor: actions.do_record_legal_basis(job, basis=request.POST.get("basis", ""), actor=actor),
    "cancel": lambda job, request, actor: actions.do_cancel_job(job, actor=actor),
    "retry": lambda job, request, actor: actions.do_retry_production(job, actor=actor),
    "deliver": lambda job, request, actor: actions.do_deliver_job(job, actor=actor),
}


# What a step did, said after it (issue 17: "Opdracht 12 vrijgegeven", not "Gedaan.").
_STEP_DONE = {
    "measures": _("Job %(job)s «%(name)s»: the extra measures are recorded as in place."),
    "approve": _("Job %(job)s «%(name)s» approved as second person."),
    "release": _("Job %(job)s «%(name)s» released."),
    "drop_bsn": _("Job %(job)s «%(name)s»: the BSN column is dropped."),
    "legal_basis": _("Job %(job)s «%(name)s»: the legal basis is recorded."),
    "cancel": _("Job %(job)s «%(name)s» cancelled; its data is shredded."),
    "retry": _("Job %(job)s «%(name)s» is back in production."),
    "deliver": _("Job %(job)s «%(name)s» delivered."),
    "consent": _("Job %(job)s «%(name)s»: parental consent recorded."),
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
        messages.success(request, _STEP_DONE.get(step, _("Job %(job)s «%(name)s» changed.")) % {"job": job.pk, "name": job.name})
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
        messages.success(request, _("Job %(job)s «%(name)s» produced; its data was shredded and the certificate issued.")
                         % {"job": job.pk, "name": job.name})
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
    for f in DataFile.objects.exclude(state=DataFileState.PURGED).select_related("client", "agreement").order_by("received_at")[:500]:
        age = (now - f.received_at).days
        files.append({"f": f, "age": age, "limit": f.agreement.max_retention_days, "over": age >= f.agreement.max_retention_days})
    waiting = [(job, actions.gates_waiting(job)) for job in Job.objects.filter(state=JobState.DRAFTED).select_related("data_file", "agreement", "client")]
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
    from verwerker.intake.models import OutboxFile
    from verwerker.retention.queries import list_certificates_for

    client_id = request.user.client_id
    return render(request, "production/client.html", {
        "files": _page(request, DataFile.objects.filter(client_id=client_id).order_by("-received_at")),
        "jobs": Job.objects.filter(client_id=client_id).order_by("-created_at")[:100],
        "proofs": Job.objects.filter(client_id=client_id, state=JobState.PRODUCED, proof_required=True),
        "outbox": OutboxFile.objects.filter(client_id=client_id, blob__state="stored").order_by("-created_at")[:100],
        "certificates": list_certificates_for(request.user)[:100],
    })


@login_required
def client_proof(request, job_id: int):
    """The proof PDF of one of the client's jobs (audited read)."""
    job = access_job_for(request.user, job_id)
    output = visible_outputs(job).filter(kind=OutputKind.PROOF).first()
    if output is None:
        raise Http404("no proof")
    from verwerker.vault.actions import read_blob_bytes
    from verwerker.vault.models import ReadPurpose

    response = HttpResponse(read_blob_bytes(output.blob_id, actor=Actor.from_request(request), purpose=ReadPurpose.PROOF_DOWNLOAD), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="proef-{job.pk}.pdf"'
    return response


@login_required
@require_POST
def client_proof_decision(request, job_id: int):
    """The client approves or rejects the proof of one of their jobs."""
    if not request.user.is_client_user:
        raise Http404("a client page")
    job = access_job_for(request.user, job_id)
    actor = Actor.from_request(request)
    try:
        if request.POST.get("decision") == "approve":
            actions.do_approve_proof(job, actor=actor)
            messages.success(request, _("The proof was approved; the job goes to print."))
        else:
            actions.do_reject_proof(job, actor=actor, reason="client")
            messages.success(request, _("The proof was rejected; the job goes back to drafting."))
    except StepRefused as exc:
        messages.error(request, str(exc))
    return redirect("production:client")


@login_required
def client_outbox_file(request, item_id: int):
    """Download a reject report or certificate from the client's outbox (audited)."""
    from verwerker.intake.actions import do_record_outbox_download
    from verwerker.intake.models import OutboxFile
    from verwerker.vault.actions import read_blob_bytes
    from verwerker.vault.models import ReadPurpose

    if not request.user.is_client_user:
        raise Http404("a client page")
    item = OutboxFile.objects.filter(pk=item_id, client_id=request.user.client_id).first()
    if item is None:
        raise Http404("no such file")
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
    from verwerker.production.forms import PrintStationForm
    from verwerker.production.stations import do_create_print_station, do_change_print_station

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
