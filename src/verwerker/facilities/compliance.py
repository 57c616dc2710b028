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
from django.utils.translation import gettext

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
        problems.append(gettext("Verwerker's own screens set cookies that are not strictly necessary: %(cookies)s")
                        % {"cookies": ", ".join(sorted(unexpected))})
    if not (settings.SESSION_COOKIE_HTTPONLY and settings.SESSION_COOKIE_SAMESITE in ("Lax", "Strict")):
        problems.append(gettext("the session cookie must be HttpOnly and SameSite"))
    outside = ConsentService.objects.exclude(subprocessor__country__in=sorted(EEA))
    if outside.exists():
        problems.append(gettext("%(count)s website services outside the EU/EEA: %(services)s") % {
            "count": outside.count(), "services": ", ".join(outside.values_list("name", flat=True))})
    if not ConsentCategory.objects.filter(required=True).exists():
        problems.append(gettext("the banner has no strictly necessary category"))
    optional = ConsentCategory.objects.filter(required=False).count()
    services = ConsentService.objects.count()
    month = ConsentRecord.objects.filter(recorded_at__gte=timezone.now() - dt.timedelta(days=30)).count()
    text = gettext(
        "Verwerker's screens set only %(cookies)s (checked on a real response). The website's banner blocks "
        "%(optional)s optional categories until consent (%(services)s services, all in the EU/EEA); %(month)s choices "
        "logged in the last 30 days."
    ) % {"cookies": ", ".join(sorted(necessary_cookie_names())), "optional": optional, "services": services,
         "month": month}
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
    text = gettext(
        "%(current)s of %(staff)s active staff have a current confidentiality agreement; without one, client data "
        "(files, jobs, proofs, outputs, requests) is refused. Encryption at rest in the vault; roles limit each "
        "person to their part."
    ) % {"current": staff - len(blocked), "staff": staff}
    if blocked:
        text += " " + gettext("Blocked from client data: %(names)s.") % {"names": ", ".join(blocked)}
    if overdue:
        text += " " + gettext("Awareness session overdue (more than %(months)s months): %(names)s.") % {
            "months": settings.AWARENESS_INTERVAL_MONTHS, "names": ", ".join(overdue)}
    return Finding(State.ATTENTION if blocked or overdue else State.OK, text)


def workstations() -> Finding:
    """P17's second half: each workstation that touches client data checked within the month."""
    from verwerker.facilities.queries import workstations_overdue  # local: same layer or upward, a cycle at the top

    active = Workstation.objects.filter(active=True).count()
    overdue = workstations_overdue()
    if not active:
        return Finding(
            State.ATTENTION, gettext("No workstations registered: register every PC and RIP that touches client data.")
        )
    last_dirty = WorkstationCheck.objects.filter(
        checked_at__gte=timezone.now() - dt.timedelta(days=settings.WORKSTATION_CHECK_DAYS)
    ).exclude(local_copies_removed=True, downloads_empty=True, temp_empty=True).count()
    if overdue:
        text = gettext("%(active)s workstations registered, %(overdue)s overdue for their monthly check "
                       "(%(names)s)") % {"active": active, "overdue": len(overdue),
                                         "names": ", ".join(w.name for w in overdue)}
    else:
        text = gettext("%(active)s workstations registered, %(overdue)s overdue for their monthly check") % {
            "active": active, "overdue": 0}
    text += "; " + gettext("%(dirty)s checks in the last %(days)s days found something left behind.") % {
        "dirty": last_dirty, "days": settings.WORKSTATION_CHECK_DAYS}
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
        return Finding(State.FAILING, gettext("No penetration test recorded (the statement promises one a year)."))
    due = last.performed_on + dt.timedelta(days=365)
    unfixed = PentestFinding.objects.exclude(status__in=[FindingStatus.RETESTED, FindingStatus.ACCEPTED])
    late = unfixed.filter(status=FindingStatus.OPEN, due_on__lt=today).count()
    waiting = PentestReportRequest.objects.filter(answered_at__isnull=True).count()
    has_report = hasattr(last, "report")
    text = (gettext("Last test %(date)s by %(tester)s; next due %(due)s; report stored") if has_report else
            gettext("Last test %(date)s by %(tester)s; next due %(due)s; report NOT stored")) % {
        "date": last.performed_on, "tester": last.tester, "due": due}
    text += "; " + gettext("%(unfixed)s findings not yet retested, %(late)s open past their due date; %(waiting)s "
                           "client requests for the report waiting.") % {
        "unfixed": unfixed.count(), "late": late, "waiting": waiting}
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
    text = gettext(
        "%(cameras)s cameras, none in a toilet or changing room, none with sound (%(wrong)s violations); recorders "
        "keep at most %(limit)s days (%(too_long)s longer without an open incident); %(held)s clips held for open "
        "incidents, %(stale)s past retention; %(late)s visitors' requests past their deadline."
    ) % {"cameras": cams.count(), "wrong": wrong, "limit": limit, "too_long": too_long, "held": held, "stale": stale,
         "late": late}
    if wrong or too_long or stale or late:
        return Finding(State.FAILING, text)
    return Finding(State.OK, text)

