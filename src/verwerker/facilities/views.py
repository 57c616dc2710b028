"""Screens of the house's own registers (privacy officer; a workstation's responsible person records its
check; a client user asks for the pentest report) and the public endpoints of the website's cookie banner."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.templatetags.static import static
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from verwerker.accounts.roles import is_privacy_officer
from verwerker.audit.actors import Actor
from verwerker.facilities import actions, forms, queries
from verwerker.facilities.models import (
    AwarenessSession,
    Camera,
    CameraClip,
    CameraIncident,
    CameraRequest,
    ClipViewing,
    ConfidentialityAgreement,
    ConsentCategory,
    ConsentRecord,
    PentestReportRequest,
    Workstation,
)
from verwerker.facilities.uploads import memory_uploads
from verwerker.vault.crypto import ShreddedError


def _officer_only(user) -> None:
    if not is_privacy_officer(user):
        raise Http404("no such page")


def _error(request, exc: ValidationError) -> None:
    messages.error(request, "; ".join(exc.messages))


def _download(name: str, content: bytes) -> HttpResponse:
    response = HttpResponse(content, content_type="application/octet-stream")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["Cache-Control"] = "no-store"
    return response


@login_required
def overview(request):
    _officer_only(request.user)
    from verwerker.privacy.compliance import CHECKS  # local: same layer or upward, a cycle at the top

    rows = [(pid, CHECKS[pid]()) for pid in ("P08", "P11", "P17", "P26", "P27")]
    return render(request, "facilities/overview.html", {"rows": rows})


# -- P11 ------------------------------------------------------------------------------------------


@memory_uploads
@login_required
def confidentiality(request):
    _officer_only(request.user)
    actor = Actor.from_request(request)
    form = forms.AgreementForm(request.POST or None, request.FILES or None, prefix="nda")
    awareness = forms.AwarenessForm(request.POST or None, prefix="aw")
    if request.method == "POST" and "nda-version" in request.POST and form.is_valid():
        data = form.cleaned_data
        try:
            actions.do_record_confidentiality_agreement(
                data["user"], version=data["version"], signed_on=data["signed_on"], valid_until=data["valid_until"],
                document=data["document"].read(), document_name=data["document"].name, actor=actor,
            )
        except ValidationError as exc:
            _error(request, exc)
        else:
            messages.success(request, _("Confidentiality agreement recorded."))
            return redirect("facilities:confidentiality")
    if request.method == "POST" and "aw-subject" in request.POST and awareness.is_valid():
        data = awareness.cleaned_data
        try:
            actions.do_record_awareness_session(
                held_on=data["held_on"], subject=data["subject"], attendees=list(data["attendees"]), actor=actor
            )
        except ValidationError as exc:
            _error(request, exc)
        else:
            messages.success(request, _("Awareness session recorded."))
            return redirect("facilities:confidentiality")
    current = {a.user_id: a for a in queries.current_agreements().order_by("signed_on")}
    overdue = {u.pk for u in queries.awareness_overdue()}
    staff = [
        {"user": u, "agreement": current.get(u.pk), "awareness_overdue": u.pk in overdue}
        for u in queries.staff_needing_agreement()
    ]
    return render(request, "facilities/confidentiality.html", {
        "staff": staff, "form": form, "awareness": awareness,
        "agreements": ConfidentialityAgreement.objects.select_related("user")[:200],
        "sessions": AwarenessSession.objects.prefetch_related("attendees")[:50],
        "interval": settings.AWARENESS_INTERVAL_MONTHS,
    })


# -- P17 ------------------------------------------------------------------------------------------


@login_required
def workstations(request):
    """The register (privacy officer); a staff member sees the workstations they are responsible for."""
    if not request.user.is_staff:
        raise Http404("no such page")
    officer = is_privacy_officer(request.user)
    form = forms.WorkstationForm(request.POST or None)
    if request.method == "POST" and officer and form.is_valid():
        try:
            actions.do_register_workstation(actor=Actor.from_request(request), **form.cleaned_data)
        except ValidationError as exc:
            _error(request, exc)
        else:
            return redirect("facilities:workstations")
    listed = Workstation.objects.select_related("responsible").filter(active=True)
    if not officer:
        listed = listed.filter(responsible=request.user)
    today = timezone.localdate()
    rows = [{"w": w, "due": queries.workstation_due_on(w), "last": w.checks.first()} for w in listed]
    for row in rows:
        row["overdue"] = row["due"] < today  # type: ignore[assignment, operator]
    return render(request, "facilities/workstations.html", {
        "rows": rows, "form": form if officer else None, "check_form": forms.WorkstationCheckForm(),
    })


@login_required
@require_POST
def workstation_check(request, workstation_id: int):
    workstation = get_object_or_404(Workstation, pk=workstation_id, active=True)
    if not (is_privacy_officer(request.user) or workstation.responsible_id == request.user.pk):
        raise Http404("no such workstation")
    form = forms.WorkstationCheckForm(request.POST)
    if form.is_valid():
        try:
            actions.do_record_workstation_check(
                workstation, checked_by=request.user, actor=Actor.from_request(request), **form.cleaned_data
            )
        except ValidationError as exc:
            _error(request, exc)
        else:
            messages.success(request, _("Check of %(name)s recorded.") % {"name": workstation.name})
    return redirect("facilities:workstations")


# -- P08 ------------------------------------------------------------------------------------------


@login_required
def consent(request):
    _officer_only(request.user)
    form = forms.ServiceForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            actions.do_register_consent_service(actor=Actor.from_request(request), **form.cleaned_data)
        except ValidationError as exc:
            _error(request, exc)
        else:
            messages.success(request, _("Service registered."))
            return redirect("facilities:consent")
    return render(request, "facilities/consent.html", {
        "categories": ConsentCategory.objects.prefetch_related("services__subprocessor"),
        "form": form,
        "version": queries.banner_settings()["version"],
        "embed": request.build_absolute_uri("/site/cookies.js"),
        "log": ConsentRecord.objects.all()[:50],
        "log_count": ConsentRecord.objects.count(),
    })


def _cors(request, response):
    origin = request.headers.get("Origin")
    allowed = settings.CONSENT_SITE_ORIGINS
    if origin and (not allowed or origin in allowed):
        response["Access-Control-Allow-Origin"] = origin
        response["Vary"] = "Origin"
    return response


_LOADER = Path(__file__).parent / "static" / "facilities" / "consent-loader.js"


@require_GET
def site_loader(request):
    """The one script the house's website embeds (public)."""
    response = HttpResponse(_LOADER.read_bytes(), content_type="text/javascript; charset=utf-8")
    response["Cache-Control"] = "public, max-age=300"
    return response


@require_GET
def site_config(request):
    """The banner's settings for the loader (public, cross-origin)."""
    data = queries.banner_settings()
    data["log_url"] = request.build_absolute_uri("/site/cookies/log")
    data["library_js"] = request.build_absolute_uri(static("facilities/vendor/cookieconsent/cookieconsent.umd.js"))
    data["library_css"] = request.build_absolute_uri(static("facilities/vendor/cookieconsent/cookieconsent.css"))
    response = JsonResponse(data)
    response["Cache-Control"] = "public, max-age=60"
    return _cors(request, response)


@csrf_exempt  # posted by visitors of the house's website (another origin), without cookies
@require_POST
def site_log(request):
    """Add a visitor's choice to the consent log (public, cross-origin)."""
    from verwerker.facilities.consent import BadChoice, parse_choice  # local: same layer or upward, a cycle at the top

    allowed = settings.CONSENT_SITE_ORIGINS
    if allowed and request.headers.get("Origin") not in allowed:
        return _cors(request, HttpResponse("origin not allowed\n", status=403, content_type="text/plain"))
    known = set(ConsentCategory.objects.values_list("key", flat=True))
    try:
        choice = parse_choice(request.body, known=known)
    except BadChoice as exc:
        return _cors(request, HttpResponse(f"consent log: {exc}\n", status=400, content_type="text/plain"))
    actions.do_record_consent(choice)
    return _cors(request, HttpResponse(status=204))


# -- P26 ------------------------------------------------------------------------------------------


@memory_uploads
@login_required
def pentest_reports(request):
    _officer_only(request.user)
    # local: same layer or upward, a cycle at the top
    from verwerker.privacy.models import FindingStatus, PentestFinding

    form = forms.PentestReportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            actions.do_store_pentest_report(
                form.cleaned_data["pentest"], document=form.cleaned_data["document"].read(),
                document_name=form.cleaned_data["document"].name, actor=Actor.from_request(request),
            )
        except ValidationError as exc:
            _error(request, exc)
        else:
            messages.success(request, _("Report stored in the vault."))
            return redirect("facilities:pentest_reports")
    return render(
        request,
        "facilities/pentest_reports.html",
        {
            "form": form,
            "due_form": forms.FindingDueForm(),
            "requests": PentestReportRequest.objects.select_related("client", "pentest")[:100],
            "findings": PentestFinding.objects.exclude(
                status__in=[FindingStatus.RETESTED, FindingStatus.ACCEPTED]
            ).select_related("pentest"),
        },
    )


@login_required
@require_POST
def finding_due(request, finding_id: int):
    _officer_only(request.user)
    from verwerker.privacy.models import PentestFinding  # local: same layer or upward, a cycle at the top

    finding = get_object_or_404(PentestFinding, pk=finding_id)
    form = forms.FindingDueForm(request.POST)
    if form.is_valid():
        actions.do_set_finding_due(finding, due_on=form.cleaned_data["due_on"], actor=Actor.from_request(request))
    return redirect("facilities:pentest_reports")


@login_required
@require_POST
def answer_report_request(request, request_id: int):
    """The privacy officer downloads the latest report for a client's request (audited)."""
    _officer_only(request.user)
    report_request = get_object_or_404(PentestReportRequest, pk=request_id)
    try:
        name, content = actions.do_answer_pentest_report_request(report_request, actor=Actor.from_request(request))
    except ValidationError as exc:
        _error(request, exc)
        return redirect("facilities:pentest_reports")
    return _download(name, content)


@login_required
def client_pentest(request):
    """A client user asks for the latest penetration-test report."""
    if not request.user.is_client_user:
        raise Http404("a client page")
    if request.method == "POST":
        try:
            actions.do_request_pentest_report(request.user, actor=Actor.from_request(request))
        except ValidationError as exc:
            _error(request, exc)
        else:
            messages.success(request, _("Your request has been sent to our privacy officer."))
        return redirect("facilities:client_pentest")
    from verwerker.privacy.models import Pentest  # local: same layer or upward, a cycle at the top

    return render(request, "facilities/client_pentest.html", {
        "latest": Pentest.objects.order_by("-performed_on").first(),
        "requests": PentestReportRequest.objects.filter(client_id=request.user.client_id)[:20],
    })


# -- P27 ------------------------------------------------------------------------------------------


@memory_uploads
@login_required
def cameras(request):
    _officer_only(request.user)
    actor = Actor.from_request(request)
    post = request.POST if request.method == "POST" else None
    which = request.POST.get("form", "") if post else ""
    camera_form = forms.CameraForm(post if which == "camera" else None, prefix="cam")
    incident_form = forms.IncidentForm(post if which == "incident" else None, prefix="inc")
    clip_form = forms.ClipForm(
        post if which == "clip" else None, request.FILES if which == "clip" else None, prefix="clip"
    )
    request_form = forms.CameraRequestForm(post if which == "request" else None, prefix="req")
    done = None
    try:
        if which == "camera" and camera_form.is_valid():
            actions.do_register_camera(actor=actor, **camera_form.cleaned_data)
            done = _("Camera registered.")
        elif which == "incident" and incident_form.is_valid():
            actions.do_record_camera_incident(actor=actor, **incident_form.cleaned_data)
            done = _("Incident recorded.")
        elif which == "clip" and clip_form.is_valid():
            data = clip_form.cleaned_data
            actions.do_store_camera_clip(
                data["camera"], data["incident"], recorded_from=data["recorded_from"],
                recorded_until=data["recorded_until"], content=data["content"].read(), hold=data["hold"], actor=actor,
            )
            done = _("Clip stored in the vault.")
        elif which == "request" and request_form.is_valid():
            actions.do_log_camera_request(actor=actor, **request_form.cleaned_data)
            done = _("Request logged.")
    except ValidationError as exc:
        _error(request, exc)
    if done:
        messages.success(request, done)
        return redirect("facilities:cameras")
    today = timezone.localdate()
    return render(request, "facilities/cameras.html", {
        "cameras": Camera.objects.select_related("extended_for"),
        "incidents": CameraIncident.objects.all()[:50],
        "clips": CameraClip.objects.select_related("camera", "incident", "blob", "hold")[:100],
        "viewings": ClipViewing.objects.select_related("clip", "viewed_by")[:50],
        "requests": CameraRequest.objects.select_related("request")[:100],
        "today": today,
        "camera_form": camera_form, "incident_form": incident_form, "clip_form": clip_form,
        "request_form": request_form, "reason_form": forms.ReasonForm(), "outcome_form": forms.OutcomeForm(),
    })


@login_required
@require_POST
def close_incident(request, incident_id: int):
    _officer_only(request.user)
    incident = get_object_or_404(CameraIncident, pk=incident_id)
    try:
        actions.do_close_camera_incident(
            incident, outcome=request.POST.get("outcome", ""), actor=Actor.from_request(request)
        )
    except ValidationError as exc:
        _error(request, exc)
    return redirect("facilities:cameras")


@login_required
@require_POST
def view_clip(request, clip_id: int):
    """Download a clip for viewing: logged with who, when and why."""
    _officer_only(request.user)

    clip = get_object_or_404(CameraClip, pk=clip_id)
    try:
        content = actions.do_view_clip(clip, viewer=request.user, reason=request.POST.get("reason", ""),
                                       actor=Actor.from_request(request))
    except (ValidationError, ShreddedError) as exc:
        messages.error(request, "; ".join(getattr(exc, "messages", [str(exc)])))
        return redirect("facilities:cameras")
    return _download(f"{clip.blob.name or 'clip'}.bin", content)


@login_required
@require_POST
def answer_camera_request(request, request_id: int):
    _officer_only(request.user)
    camera_request = get_object_or_404(CameraRequest, pk=request_id)
    try:
        actions.do_answer_camera_request(
            camera_request, outcome=request.POST.get("outcome", ""), actor=Actor.from_request(request)
        )
    except ValidationError as exc:
        _error(request, exc)
    return redirect("facilities:cameras")
