"""The compliance dashboard's checks for the house's own promises: P08, P11, P17 (workstations), P26, P27.

privacy/compliance.py lists them with the other promises; each returns a Finding computed now.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db.models import Q
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation

from verwerker.clients.eea import EEA
from verwerker.facilities.models import (
    FORBIDDEN_LOCATIONS,
    Camera,
    CameraClip,
    ConsentCategory,
    ConsentRecord,
    ConsentService,
    PentestReportRequest,
    Workstation,
    WorkstationCheck,
)
from verwerker.privacy.compliance import Finding, State


# The only cookies Verwerker's own screens may set: strictly necessary ones (session, CSRF, language).
def necessary_cookie_names() -> set[str]:
    return {settings.SESSION_COOKIE_NAME, settings.CSRF_COOKIE_NAME, settings.LANGUAGE_COOKIE_NAME}


def _cookies_set_by_a_real_response() -> set[str]:
    """Cookies the login page (the screen every visitor gets) sets, asked of the application itself over
    https (so a production install answers the page rather than its redirect to https)."""

    # The request runs through LocaleMiddleware in this thread: keep the asking page's language (issue 17).
    with translation.override(translation.get_language()):
        response = Client(raise_request_exception=False, HTTP_HOST=_host()).get(reverse("accounts:login"), secure=True)
    if response.status_code != 200:
        raise RuntimeError(f"the login page answered {response.status_code}")
    return set(response.cookies)


def _host() -> str:
    hosts = [h for h in settings.ALLOWED_HOSTS if h and not h.startswith(".") and h != "*"]
    return hosts[0] if hosts else "localhost"


def cookies() -> Finding:
    """P08: the website's optional categories are blocked until consent and their services are in the
    EU/EEA; Verwerker's own screens set only strictly necessary cookies."""

    problems = []
    unexpected = _cookies_set_by_a_real_response() - necessary_cookie_names()
    if unexpected:
        problems.append(
            f"Verwerker's own screens set cookies that are not strictly necessary: {', '.join(sorted(unexpected))}"
        )
    if not (settings.SESSION_COOKIE_HTTPONLY and settings.SESSION_COOKIE_SAMESITE in ("Lax", "Strict")):
        problems.append("the session cookie must be HttpOnly and SameSite")
    outside = ConsentService.objects.exclude(subprocessor__country__in=sorted(EEA))
    if outside.exists():
        problems.append(
            f"{outside.count()} website services outside the EU/EEA: {', '.join(outside.values_list('name', flat=True))}"  # noqa: E501
        )
    if not ConsentCategory.objects.filter(required=True).exists():
        problems.append("the banner has no strictly necessary category")
    optional = ConsentCategory.objects.filter(required=False).count()
    services = ConsentService.objects.count()
    month = ConsentRecord.objects.filter(recorded_at__gte=timezone.now() - dt.timedelta(days=30)).count()
    text = (
        f"Verwerker's screens set only {', '.join(sorted(necessary_cookie_names()))} (checked on a real response). "
        f"The website's banner blocks {optional} optional categories until consent ({services} services, all in the "
        f"EU/EEA); {month} choices logged in the last 30 days."
    )
    if problems:
        return Finding(State.FAILING, "; ".join(problems) + ". " + text)
    return Finding(State.OK, text)


def confidentiality() -> Finding:
    """P11: every active staff member has a current confidentiality agreement (or is blocked from client
    data), and attended an awareness session within the interval."""
    # local: same layer or upward, a cycle at the top
    from verwerker.facilities.queries import awareness_overdue, blocked_staff, staff_needing_agreement

    staff = staff_needing_agreement().count()
    blocked = list(blocked_staff().values_list("username", flat=True))
    overdue = [u.username for u in awareness_overdue()]
    text = (
        f"{staff - len(blocked)} of {staff} active staff have a current confidentiality agreement; "
        "without one, client data (files, jobs, proofs, outputs, requests) is refused. "
        f"Encryption at rest in the vault; roles limit each person to their part."
    )
    if blocked:
        text += f" Blocked from client data: {', '.join(blocked)}."
    if overdue:
        text += (f" Awareness session overdue (more than {settings.AWARENESS_INTERVAL_MONTHS} months): "
                 f"{', '.join(overdue)}.")
    return Finding(State.ATTENTION if blocked or overdue else State.OK, text)


def workstations() -> Finding:
    """P17's second half: each workstation that touches client data checked within the month."""
    from verwerker.facilities.queries import workstations_overdue  # local: same layer or upward, a cycle at the top

    active = Workstation.objects.filter(active=True).count()
    overdue = workstations_overdue()
    if not active:
        return Finding(
            State.ATTENTION, "No workstations registered: register every PC and RIP that touches client data."
        )
    last_dirty = WorkstationCheck.objects.filter(
        checked_at__gte=timezone.now() - dt.timedelta(days=settings.WORKSTATION_CHECK_DAYS)
    ).exclude(local_copies_removed=True, downloads_empty=True, temp_empty=True).count()
    text = f"{active} workstations registered, {len(overdue)} overdue for their monthly check"
    if overdue:
        text += f" ({', '.join(w.name for w in overdue)})"
    text += f"; {last_dirty} checks in the last {settings.WORKSTATION_CHECK_DAYS} days found something left behind."
    if overdue:
        return Finding(State.FAILING, text)
    return Finding(State.ATTENTION if last_dirty else State.OK, text)


def pentests() -> Finding:
    """P26: a test within the last year with its report stored, and no finding open past its due date."""
    # local: same layer or upward, a cycle at the top
    from verwerker.privacy.models import FindingStatus, Pentest, PentestFinding

    today = timezone.localdate()
    last = Pentest.objects.order_by("-performed_on").first()
    if last is None:
        return Finding(State.FAILING, "No penetration test recorded (the statement promises one a year).")
    due = last.performed_on + dt.timedelta(days=365)
    unfixed = PentestFinding.objects.exclude(status__in=[FindingStatus.RETESTED, FindingStatus.ACCEPTED])
    late = unfixed.filter(status=FindingStatus.OPEN, due_on__lt=today).count()
    waiting = PentestReportRequest.objects.filter(answered_at__isnull=True).count()
    has_report = hasattr(last, "report")
    text = (
        f"Last test {last.performed_on} by {last.tester}; next due {due}; report {'stored' if has_report else 'NOT stored'}; "  # noqa: E501
        f"{unfixed.count()} findings not yet retested, {late} open past their due date; "
        f"{waiting} client requests for the report waiting."
    )
    if due < today or late:
        return Finding(State.FAILING, text)
    return Finding(State.ATTENTION if unfixed.exists() or not has_report or waiting else State.OK, text)


def cameras() -> Finding:
    """P27: no camera in a toilet or changing room or with sound, recorders keep at most four weeks (longer
    only for an open incident), no clip past its retention without a hold, requests answered in time."""

    # local: same layer or upward, a cycle at the top
    from verwerker.facilities.queries import clips_past_retention, max_footage_days

    # local: same layer or upward, a cycle at the top
    from verwerker.privacy.models import DataSubjectRequest, RequestConcerns, RequestStatus

    limit = max_footage_days()
    cams = Camera.objects.filter(active=True)
    wrong = cams.filter(Q(audio=True) | Q(location_kind__in=FORBIDDEN_LOCATIONS)).count()
    too_long = cams.filter(recorder_retention_days__gt=limit).filter(
        Q(extended_for__isnull=True) | Q(extended_for__closed_at__isnull=False)
    ).count()
    stale = len(clips_past_retention()[0])
    today = timezone.localdate()
    late = sum(1 for r in DataSubjectRequest.objects.filter(concerns=RequestConcerns.CAMERA, status=RequestStatus.OPEN)
               if r.due < today)
    held = CameraClip.objects.filter(hold__isnull=False, hold__released_at__isnull=True).count()
    text = (
        f"{cams.count()} cameras, none in a toilet or changing room, none with sound ({wrong} violations); recorders keep "  # noqa: E501
        f"at most {limit} days ({too_long} longer without an open incident); {held} clips held for open incidents, "
        f"{stale} past retention; {late} visitors' requests past their deadline."
    )
    if wrong or too_long or stale or late:
        return Finding(State.FAILING, text)
    return Finding(State.OK, text)

