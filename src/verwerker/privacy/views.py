"""Privacy office screens: breaches (any staff member reports; the privacy officer handles) and complaints."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from verwerker.audit.actors import Actor
from verwerker.clients.models import Client
from verwerker.lists.listing import Filter, Listing, apply_listing
from verwerker.privacy import actions
from verwerker.privacy.forms import (
    AffectedImpactForm,
    BreachDetailsForm,
    BreachReportForm,
    BreachStatusForm,
    ComplaintForm,
    ComplaintUpdateForm,
    FollowUpForm,
    NoticeForm,
)
from verwerker.privacy.models import (
    BreachClient,
    BreachStatus,
    Complaint,
    DataSubjectRequest,
    Pentest,
    PentestFinding,
    RequestConcerns,
    RequestStatus,
)
from verwerker.privacy.queries import access_breach_for, is_privacy_officer, list_breaches


def _officer_only(user) -> None:
    if not is_privacy_officer(user):
        raise Http404("no such page")


@login_required
def report_breach(request):
    """Any staff member can report a suspected breach; the clock starts at the discovery time given."""
    if not request.user.is_staff or not request.user.has_perm("privacy.add_breach"):
        raise PermissionDenied
    form = BreachReportForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            breach = actions.do_report_breach(
                title=data["title"], description=data["description"], discovered_at=data["discovered_at"],
                window_start=data["window_start"], window_end=data["window_end"],
                systems=data["systems"].split(","), accounts=data["accounts"].split(","),
                reporter=request.user, actor=Actor.from_request(request),
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("Breach %(ref)s reported. The privacy officers are notified in the app and by "
                                        "e-mail within a minute.") % {"ref": breach.reference})
            return redirect("privacy:breach", breach.pk) if is_privacy_officer(request.user) else redirect("home")
    return render(request, "privacy/breach_report.html", {"form": form})


@login_required
def breach_list(request):
    _officer_only(request.user)
    breaches = apply_listing(request, list_breaches(), BREACHES)
    return render(request, "privacy/breach_list.html", {"breaches": breaches.page, "list": breaches})


BREACHES = Listing(
    sorts={"reference": "reference", "title": "title", "discovered": "discovered_at", "status": "status",
           "deadline": "next_deadline"},
    default_sort="-discovered", search=("reference", "title", "affected__client__name"), date_field="discovered_at",
    filters=(Filter("status", "status", gettext_lazy("Status"), lambda: BreachStatus.choices),), distinct=True,
)
REQUESTS = Listing(
    sorts={"reference": "reference", "client": "client__name", "kind": "kind", "due": "deadline", "status": "status",
           "received": "received_at"},
    default_sort="due", search=("reference", "client__name"), date_field="received_at",
    filters=(Filter("status", "status", gettext_lazy("Status"), lambda: RequestStatus.choices),),
)


@login_required
def breach_detail(request, breach_id: int):
    breach = access_breach_for(request.user, breach_id)
    details = BreachDetailsForm(initial={f: getattr(breach, f) for f in BreachDetailsForm.base_fields})
    affected = list(breach.affected.select_related("client"))
    for a in affected:  # each finding opens on its current value
        impact = a.impact or {}
        a.impact_form = AffectedImpactForm(prefix=f"a{a.pk}", initial={  # type: ignore[attr-defined]
            "records": impact.get("records") or 0, "kinds": ", ".join(impact.get("kinds") or [])})
    return render(
        request,
        "privacy/breach_detail.html",
        {
            "breach": breach,
            "affected": affected,
            "notes": breach.notes.select_related("client"),
            "status_form": _status_form(breach),
            "details_form": details,
            "follow_up_form": FollowUpForm(),
            "clients": Client.objects.exclude(breaches__breach=breach),
        },
    )


def _status_form(breach, data=None) -> BreachStatusForm:
    """The status form opened on the breach's status, offering only the statuses that may follow it."""
    form = BreachStatusForm(data, initial={"status": breach.status})
    allowed = {breach.status, *actions.TRANSITIONS[breach.status]}
    form.fields["status"].choices = [(v, label) for v, label in BreachStatus.choices if v in allowed]  # type: ignore[attr-defined]
    return form


def _act(request, breach_id, fn):
    breach = access_breach_for(request.user, breach_id)
    try:
        fn(breach, Actor.from_request(request))
    except ValidationError as exc:
        messages.error(request, "; ".join(exc.messages))
    return redirect("privacy:breach", breach.pk)


@login_required
@require_POST
def breach_status(request, breach_id: int):
    form = BreachStatusForm(request.POST)
    if not form.is_valid():
        raise Http404
    breach = access_breach_for(request.user, breach_id)
    if form.cleaned_data["status"] == breach.status:
        messages.info(request, _("The status stays %(status)s.") % {"status": breach.get_status_display()})
        return redirect("privacy:breach", breach.pk)
    return _act(request, breach_id, lambda b, a: actions.do_change_breach_status(
        b, form.cleaned_data["status"], reason=form.cleaned_data["reason"], actor=a))


@login_required
@require_POST
def breach_details(request, breach_id: int):
    form = BreachDetailsForm(request.POST)
    if not form.is_valid():
        messages.error(request, "; ".join(f"{form.fields[k].label}: {' '.join(v)}" if k in form.fields else " ".join(v)  # type: ignore[arg-type]
                                          for k, v in form.errors.items()))
        return redirect("privacy:breach", breach_id)

    def save(breach, actor):
        changed = actions.do_update_breach_details(breach, details=form.cleaned_data, author=request.user, actor=actor)
        if changed:
            messages.success(request, _("The findings were saved; notices not yet sent were redrafted."))
        else:
            messages.info(request, _("Nothing was changed."))

    return _act(request, breach_id, save)


@login_required
@require_POST
def breach_impact(request, breach_id: int, affected_id: int):
    """Correct the records and data categories found for one affected client."""
    breach = access_breach_for(request.user, breach_id)
    affected = get_object_or_404(BreachClient, pk=affected_id, breach=breach)
    form = AffectedImpactForm(request.POST, prefix=f"a{affected.pk}")
    if not form.is_valid():
        messages.error(request, _("Give the number of records (0 or more)."))
        return redirect("privacy:breach", breach.pk)
    actions.do_correct_breach_impact(affected, records=form.cleaned_data["records"], kinds=form.cleaned_data["kinds"],
                                     author=request.user, actor=Actor.from_request(request))
    messages.success(request, _("The impact for %(client)s was corrected.") % {"client": affected.client.name})
    return redirect("privacy:breach", breach.pk)


@login_required
@require_POST
def breach_analyse(request, breach_id: int):
    return _act(request, breach_id, lambda b, a: actions.do_analyse_breach_impact(b, actor=a))


@login_required
@require_POST
def breach_add_client(request, breach_id: int):
    client = get_object_or_404(Client, pk=request.POST.get("client"))
    return _act(request, breach_id, lambda b, a: actions.do_add_affected_client(b, client, actor=a))


@login_required
@require_POST
def breach_follow_up(request, breach_id: int):
    form = FollowUpForm(request.POST)
    if not form.is_valid():
        raise Http404
    return _act(request, breach_id, lambda b, a: actions.do_record_breach_follow_up(
        b, text=form.cleaned_data["text"], author=request.user, actor=a))


@login_required
def breach_notice(request, breach_id: int, affected_id: int):
    """Review and send the notification to one affected client."""
    breach = access_breach_for(request.user, breach_id)
    affected = get_object_or_404(BreachClient, pk=affected_id, breach=breach)
    if request.GET.get("format") == "pdf":
        response = HttpResponse(actions.render_notice_pdf(affected), content_type="application/pdf")
        response["Content-Disposition"] = f'attachment; filename="melding-{breach.reference}-{affected.client_id}.pdf"'
        return response
    form = NoticeForm(request.POST or None, initial={"text": affected.notice_text})
    if request.method == "POST" and form.is_valid():
        try:
            actions.do_send_breach_notice(
                affected, text=form.cleaned_data["text"], sender=request.user, actor=Actor.from_request(request)
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("Notification sent to %(client)s.") % {"client": affected.client})
            return redirect("privacy:breach", breach.pk)
    recipients = list(affected.client.contacts.filter(is_designated=True).values_list("email", flat=True))
    return render(request, "privacy/breach_notice.html",
                  {"breach": breach, "affected": affected, "form": form, "recipients": recipients})


@login_required
def complaint_list(request):
    _officer_only(request.user)
    form = ComplaintForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        actions.do_register_complaint(actor=Actor.from_request(request), **form.cleaned_data)
        messages.success(request, _("Complaint registered."))
        return redirect("privacy:complaints")
    return render(
        request, "privacy/complaint_list.html", {"complaints": Complaint.objects.select_related("client"), "form": form}
    )


@login_required
def complaint_detail(request, complaint_id: int):
    _officer_only(request.user)
    complaint = get_object_or_404(Complaint, pk=complaint_id)
    form = ComplaintUpdateForm(request.POST or None, initial={"status": complaint.status, "outcome": complaint.outcome})
    if request.method == "POST" and form.is_valid():
        try:
            actions.do_update_complaint(complaint, actor=Actor.from_request(request), **form.cleaned_data)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            return redirect("privacy:complaints")
    return render(request, "privacy/complaint_detail.html", {"complaint": complaint, "form": form})


@login_required
def pentest_list(request):
    """The penetration-test register (P26): tests, findings, fixes and retests."""
    _officer_only(request.user)
    from verwerker.privacy.forms import FindingForm, PentestForm  # local: same layer or upward, a cycle at the top

    form = PentestForm(request.POST or None, prefix="test")
    if request.method == "POST" and "test-tester" in request.POST and form.is_valid():
        actions.do_record_pentest(actor=Actor.from_request(request), **form.cleaned_data)
        return redirect("privacy:pentests")
    finding_form = FindingForm(request.POST or None, prefix="finding")
    if request.method == "POST" and "finding-title" in request.POST and finding_form.is_valid():
        data = finding_form.cleaned_data
        actions.do_record_finding(data.pop("pentest"), actor=Actor.from_request(request), **data)
        return redirect("privacy:pentests")
    return render(
        request,
        "privacy/pentest_list.html",
        {"pentests": Pentest.objects.prefetch_related("findings"), "form": form, "finding_form": finding_form},
    )


@login_required
@require_POST
def finding_status(request, finding_id: int):
    _officer_only(request.user)

    finding = get_object_or_404(PentestFinding, pk=finding_id)
    try:
        actions.do_update_finding(finding, status=request.POST.get("status", ""), actor=Actor.from_request(request))
    except ValidationError as exc:
        messages.error(request, "; ".join(exc.messages))
    return redirect("privacy:pentests")


@login_required
def dashboard(request):
    """One row per promise P01–P27 with its control and live evidence."""
    _officer_only(request.user)
    from verwerker.privacy.compliance import evaluate  # local: same layer or upward, a cycle at the top

    return render(request, "privacy/dashboard.html", {"rows": evaluate()})


@login_required
def processing_register(request):
    """The processor's register (Art. 30(2)), built now from the system's own data; CSV or PDF on request."""
    _officer_only(request.user)

    from verwerker.privacy import register  # local: same layer or upward, a cycle at the top

    fmt = request.GET.get("format")
    stamp = timezone.localdate().isoformat()
    if fmt == "csv":
        response = HttpResponse(register.export_csv(), content_type="text/csv")
    elif fmt == "pdf":
        response = HttpResponse(register.export_pdf(), content_type="application/pdf")
    else:
        return render(request, "privacy/register.html", {"header": register.header(), "rows": register.rows()})
    response["Content-Disposition"] = f'attachment; filename="register-art30-{stamp}.{fmt}"'
    return response


@login_required
def request_list(request):
    """Data-subject requests (P07): log one on a client's behalf; the list with deadlines."""
    _officer_only(request.user)
    from verwerker.privacy.forms import SubjectRequestForm  # local: same layer or upward, a cycle at the top

    # local: same layer or upward, a cycle at the top
    from verwerker.privacy.subject_requests import do_log_subject_request
    from verwerker.privacy.subjects import Criteria  # local: same layer or upward, a cycle at the top

    form = SubjectRequestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        criteria = Criteria(
            email=data["email"], postcode=data["postcode"], house_number=data["house_number"], surname=data["surname"]
        )
        try:
            dsr = do_log_subject_request(
                data["client"],
                data["kind"],
                criteria,
                from_contact=data["from_contact"],
                actor=Actor.from_request(request),
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            return redirect("privacy:request", dsr.pk)
    found = apply_listing(request, DataSubjectRequest.objects.select_related("client"), REQUESTS)
    return render(request, "privacy/request_list.html", {"requests": found.page, "list": found, "form": form,
                                                          "today": timezone.localdate()})


@login_required
def request_detail(request, request_id: int):
    """One request: its last search's counts, a search ("zoeken", whose response alone shows the records
    found), extension, execution and receipt. A page view decrypts nothing."""
    _officer_only(request.user)
    # local: same layer or upward, a cycle at the top
    from verwerker.privacy.forms import ExecuteRequestForm, ExtendRequestForm
    from verwerker.privacy.subject_requests import (  # local: same layer or upward, a cycle at the top
        do_execute_subject_request,
        do_extend_subject_request,
        search_subject_request,
    )

    dsr = get_object_or_404(DataSubjectRequest, pk=request_id)
    # Requests made to the house as controller are answered where their data is (the one register lists them).
    if dsr.concerns == RequestConcerns.OWN_RELATION:
        return redirect("crm:request", dsr.relation_request.pk)
    if dsr.concerns == RequestConcerns.CAMERA:
        return redirect(reverse("facilities:cameras") + f"#{dsr.reference}")
    actor = Actor.from_request(request)
    execute = ExecuteRequestForm(request.POST if "execute" in request.POST else None)
    extend = ExtendRequestForm(request.POST if "extend" in request.POST else None)
    matches = None
    if request.method == "POST":
        try:
            if "search" in request.POST and dsr.status == RequestStatus.OPEN:
                matches = search_subject_request(dsr, actor=actor)
            if "execute" in request.POST and execute.is_valid():
                do_execute_subject_request(dsr, actor=actor, corrections=execute.cleaned_data["corrections"],
                                           identity_checked_by=execute.cleaned_data["identity_checked_by"],
                                           identity_checked_with=execute.cleaned_data["identity_checked_with"])
                messages.success(request, _("Request executed; the receipt is below."))
                return redirect("privacy:request", dsr.pk)
            if "extend" in request.POST and extend.is_valid():
                do_extend_subject_request(dsr, reason=extend.cleaned_data["reason"], actor=actor)
                return redirect("privacy:request", dsr.pk)
        except ValidationError as exc:
            messages.error(request, "; ".join(exc.messages))
    return render(
        request, "privacy/request_detail.html", {"dsr": dsr, "matches": matches, "execute": execute, "extend": extend}
    )
