"""Writes of the privacy office: breaches and their notices, complaints, penetration tests. All audited."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _lazy
from django.utils.translation import ngettext

from verwerker.accounts.queries import privacy_officer_emails
from verwerker.audit.actions import do_record_event
from verwerker.audit.actors import Actor
from verwerker.audit.events import EventType
from verwerker.clients.models import Client
from verwerker.clients.queries import get_active_agreement
from verwerker.privacy import clock, impact
from verwerker.privacy.models import (
    Breach,
    BreachClient,
    BreachEscalation,
    BreachNote,
    BreachStatus,
    Complaint,
    ComplaintStatus,
    FindingStatus,
    Pentest,
    PentestFinding,
)
from verwerker.privacy.sources import IMPACT_SOURCES

# Which status may follow which. "Not a breach" ends an investigation; "closed" ends a notified breach.
TRANSITIONS = {
    BreachStatus.SUSPECTED: {BreachStatus.INVESTIGATING, BreachStatus.NOTIFIED, BreachStatus.NOT_A_BREACH},
    BreachStatus.INVESTIGATING: {BreachStatus.NOTIFIED, BreachStatus.NOT_A_BREACH},
    BreachStatus.NOTIFIED: {BreachStatus.CLOSED},
    BreachStatus.CLOSED: set(),
    BreachStatus.NOT_A_BREACH: set(),
}


def _next_reference(now: dt.datetime) -> str:
    prefix = f"DL-{now.year}-"
    last = (
        Breach.objects.filter(reference__startswith=prefix)
        .order_by("-reference")
        .values_list("reference", flat=True)
        .first()
    )
    number = int(last.rsplit("-", 1)[1]) + 1 if last else 1
    return f"{prefix}{number:04d}"


@transaction.atomic
def do_report_breach(
    *,
    title: str,
    description: str,
    discovered_at: dt.datetime,
    window_start: dt.datetime | None = None,
    window_end: dt.datetime | None = None,
    systems: list[str] | tuple[str, ...] = (),
    accounts: list[str] | tuple[str, ...] = (),
    reporter=None,
    actor: Actor,
) -> Breach:
    """Record a (suspected) breach and start its clock; then find who is affected.

    Any staff member may report. Raises ValidationError when discovery lies in the future or the window
    is reversed. Side effects: an audit event, and the impact analysis (affected clients, deadlines,
    draft notices) when a window is given.
    """
    now = timezone.now()
    if discovered_at > now + dt.timedelta(minutes=5):
        raise ValidationError(_lazy("the discovery time lies in the future"))
    if window_start and window_end and window_end < window_start:
        raise ValidationError(_lazy("the exposure window ends before it starts"))
    breach = Breach.objects.create(
        reference=_next_reference(now),
        title=title,
        description=description,
        discovered_at=discovered_at,
        window_start=window_start,
        window_end=window_end,
        systems=",".join(s.strip() for s in systems if s.strip()),
        accounts=",".join(a.strip() for a in accounts if a.strip()),
        reported_by=reporter if reporter is not None and reporter.is_authenticated else None,
    )
    do_record_event(
        EventType.BREACH_REPORTED, actor=actor, obj=breach,
        details={"reference": breach.reference, "discovered_at": discovered_at.isoformat()},
    )
    if window_start and window_end:
        do_analyse_breach_impact(breach, actor=actor)
    return breach


def _window(breach: Breach) -> impact.Window:
    return impact.Window(
        start=breach.window_start,  # type: ignore[arg-type]
        end=breach.window_end,  # type: ignore[arg-type]
        systems=tuple(s for s in breach.systems.split(",") if s),
        accounts=tuple(a for a in breach.accounts.split(",") if a),
    )


def _deadline_for(breach: Breach, client: Client) -> dt.datetime:
    agreement = get_active_agreement(client, on=timezone.localdate(breach.discovered_at))
    hours = agreement.breach_notice_hours if agreement else settings.DEFAULT_BREACH_NOTICE_HOURS
    return clock.notice_deadline(breach.discovered_at, hours)


@transaction.atomic
def do_analyse_breach_impact(breach: Breach, *, actor: Actor) -> list[BreachClient]:
    """(Re)run the impact analysis: add every client found exposed, with deadline, impact and draft notice.

    Clients added by hand stay. Raises ValidationError when the breach has no exposure window.
    """
    if not (breach.window_start and breach.window_end):
        raise ValidationError(_lazy("give the exposure window first"))
    found = impact.analyse(_window(breach), IMPACT_SOURCES)
    affected = []
    for client_id, client_impact in sorted(found.items()):
        client = Client.objects.get(pk=client_id)
        affected.append(_add_client(breach, client, client_impact.to_json(), actor=actor))
    do_record_event(
        EventType.BREACH_IMPACT_ANALYSED, actor=actor, obj=breach,
        details={"clients": sorted(found), "objects": sum(len(i.exposures) for i in found.values())},
    )
    return affected


def _add_client(breach: Breach, client: Client, impact_json: dict, *, actor: Actor) -> BreachClient:
    affected, created = BreachClient.objects.get_or_create(
        breach=breach, client=client, defaults={"deadline": _deadline_for(breach, client)}
    )
    if not (affected.impact or {}).get("corrected"):  # a correction by hand outlives a new analysis
        affected.impact = impact_json
    if not affected.notified_at:
        affected.notice_text = draft_notice(affected)
    affected.save()
    if created:
        do_record_event(
            EventType.BREACH_CLIENT_ADDED, actor=actor, client_id=client.pk, obj=breach,
            details={"deadline": affected.deadline.isoformat()},
        )
    return affected


@transaction.atomic
def do_add_affected_client(breach: Breach, client: Client, *, actor: Actor) -> BreachClient:
    """Add a client by hand (known affected although no record shows it)."""
    return _add_client(
        breach, client, {"client_id": client.pk, "records": 0, "kinds": [], "risks": [], "exposures": []}, actor=actor
    )


def draft_notice(affected: BreachClient) -> str:
    """The notification to one client, in Dutch, in the structure of the AP's breach form."""
    agreement = get_active_agreement(affected.client, on=timezone.localdate(affected.breach.discovered_at))
    return render_to_string(
        "privacy/breach_notice.txt",
        {
            "breach": affected.breach,
            "affected": affected,
            "client": affected.client,
            "agreement": agreement,
            "impact": affected.impact,
            "house_name": settings.HOUSE_NAME,
            "contact": settings.PRIVACY_CONTACT,
        },
    )


_NOTICE_TYPST = r"""
#set document(title: "Melding datalek " + sys.inputs.reference)
#set page(paper: "a4", margin: 2cm, footer: context [#set text(7pt); #sys.inputs.reference #h(1fr) #counter(page).display("1 / 1", both: true)])
#set text(size: 9.5pt, lang: "nl")
#set par(justify: false)
#raw(sys.inputs.text, block: false, lang: none)
"""  # noqa: E501


def render_notice_pdf(affected: BreachClient) -> bytes:
    """The notice to one client as a PDF (compiled in memory by Typst), the same text the e-mail carries."""
    import typst  # deferred: a heavy import

    text = affected.notice_text or draft_notice(affected)
    return typst.compile(
        _NOTICE_TYPST.encode("utf-8"), format="pdf",
        sys_inputs={"text": text, "reference": f"{affected.breach.reference} · {affected.client.name}"},
    )


@transaction.atomic
def do_change_breach_status(breach: Breach, status: str, *, reason: str = "", actor: Actor) -> None:
    """Move a breach along suspected → investigating → notified → closed (or not a breach, with reasons).

    Raises ValidationError for a transition the flow does not allow, for "not a breach" without reasons,
    and for "notified" while an affected client has not been told.
    """
    breach = Breach.objects.select_for_update().get(pk=breach.pk)
    if status not in TRANSITIONS[breach.status]:  # type: ignore[index]
        raise ValidationError(
            _lazy("a breach that is %(old)s cannot become %(new)s"),
            params={"old": breach.get_status_display(), "new": BreachStatus(status).label},
        )
    if status == BreachStatus.NOT_A_BREACH and not reason.strip():
        raise ValidationError(_lazy("say why this is not a breach"))
    if status == BreachStatus.NOTIFIED and breach.affected.filter(notified_at__isnull=True).exists():
        raise ValidationError(_lazy("notify every affected client first"))
    old = breach.status
    breach.status = status
    if status == BreachStatus.NOT_A_BREACH:
        breach.not_a_breach_reason = reason.strip()
    if status in (BreachStatus.CLOSED, BreachStatus.NOT_A_BREACH):
        breach.closed_at = timezone.now()
    breach.save()
    with translation.override(settings.LANGUAGE_CODE):  # a note is kept as written: in the house's language
        change = f"{BreachStatus(old).label} → {BreachStatus(status).label}."
    BreachNote.objects.create(breach=breach, kind=BreachNote.Kind.STATUS, text=f"{change} {reason}".strip())
    do_record_event(EventType.BREACH_STATUS_CHANGED, actor=actor, obj=breach, details={"from": old, "to": status})


@transaction.atomic
def do_send_breach_notice(affected: BreachClient, *, text: str, sender, actor: Actor) -> None:
    """Send the reviewed notice to the client's designated contacts and record it (P24).

    Raises ValidationError when the client has no designated contact or the notice is empty. When every
    affected client has been told, the breach moves to "notified".
    """
    if not text.strip():
        raise ValidationError(_lazy("the notice is empty"))
    recipients = list(affected.client.contacts.filter(is_designated=True).values_list("email", flat=True))
    if not recipients:
        raise ValidationError(
            _lazy("%(client)s has no designated contact to notify"),
            params={"client": str(affected.client)},
        )
    breach = affected.breach
    send_mail(
        subject=f"[{settings.HOUSE_NAME}] Melding (vermoedelijk) datalek {breach.reference}",
        message=text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        recipient_list=recipients,
    )
    affected.notice_text = text
    affected.notified_at = timezone.now()
    affected.notified_by = sender if sender is not None and sender.is_authenticated else None
    affected.save()
    with translation.override(settings.LANGUAGE_CODE):  # a note is kept as written: in the house's language
        sent_to = ngettext("sent to %(n)s designated contact", "sent to %(n)s designated contacts",
                           len(recipients)) % {"n": len(recipients)}
    BreachNote.objects.create(
        breach=breach, client=affected.client, kind=BreachNote.Kind.NOTICE_SENT,
        text=sent_to, created_by=affected.notified_by,
    )
    on_time = affected.notified_at <= affected.deadline
    do_record_event(
        EventType.BREACH_NOTICE_SENT, actor=actor, client_id=affected.client_id, obj=breach,
        details={"recipients": len(recipients), "on_time": on_time, "deadline": affected.deadline.isoformat()},
    )
    if breach.status != BreachStatus.NOTIFIED and not breach.affected.filter(notified_at__isnull=True).exists():
        do_change_breach_status(breach, BreachStatus.NOTIFIED, actor=actor)


BREACH_DETAIL_FIELDS = ("nature", "consequences", "measures_taken", "measures_proposed")
BREACH_WINDOW_FIELDS = ("window_start", "window_end", "systems", "accounts")


@transaction.atomic
def do_update_breach_details(breach: Breach, *, details: dict, author=None, actor: Actor) -> list[str]:
    """Record the findings the notices quote (nature, consequences, measures) and the exposure (window,
    systems, accounts), and redraft the notices not yet sent. Every finding stays editable after the
    report. Returns the fields that changed; a follow-up note names them (not their text). A changed
    window runs the impact analysis again. Raises ValidationError for a window that ends before it starts.
    """
    breach = Breach.objects.select_for_update().get(pk=breach.pk)
    given = dict(details)
    for name in ("systems", "accounts"):
        if name in given:
            given[name] = ",".join(s.strip() for s in str(given[name] or "").split(",") if s.strip())
    start = given.get("window_start", breach.window_start)
    end = given.get("window_end", breach.window_end)
    if start and end and end < start:
        raise ValidationError(_lazy("the exposure window ends before it starts"))
    changed = [f for f in BREACH_DETAIL_FIELDS + BREACH_WINDOW_FIELDS if f in given and getattr(breach, f) != given[f]]
    if not changed:
        return []
    for field in changed:
        setattr(breach, field, given[field])
    breach.save(update_fields=changed)
    for affected in breach.affected.filter(notified_at__isnull=True):
        affected.notice_text = draft_notice(affected)
        affected.save(update_fields=["notice_text"])
    do_record_breach_follow_up(breach, text="details updated: " + ", ".join(changed), author=author, actor=actor)
    if set(changed) & set(BREACH_WINDOW_FIELDS) and breach.window_start and breach.window_end:
        do_analyse_breach_impact(breach, actor=actor)
    return changed


@transaction.atomic
def do_correct_breach_impact(affected: BreachClient, *, records: int, kinds: list[str], author=None,
                             actor: Actor) -> BreachClient:
    """The privacy officer corrects what was found for one client (records, data categories); the
    notice is redrafted while it is not sent. A follow-up note records the correction (numbers only)."""
    affected = BreachClient.objects.select_for_update().select_related("breach", "client").get(pk=affected.pk)
    impact_json = dict(affected.impact or {})
    impact_json.update({"records": int(records), "kinds": list(kinds), "corrected": True})
    affected.impact = impact_json
    fields = ["impact"]
    if not affected.notified_at:
        affected.notice_text = draft_notice(affected)
        fields.append("notice_text")
    affected.save(update_fields=fields)
    do_record_breach_follow_up(
        affected.breach, client=affected.client, author=author, actor=actor,
        text=f"impact corrected by hand: {int(records)} records, {len(kinds)} data categories",
    )
    return affected


@transaction.atomic
def do_record_breach_follow_up(
    breach: Breach, *, text: str, client: Client | None = None, author=None, actor: Actor
) -> BreachNote:
    """Record a written follow-up (measures, findings) on a breach."""
    note = BreachNote.objects.create(
        breach=breach, client=client, kind=BreachNote.Kind.FOLLOW_UP, text=text,
        created_by=author if author is not None and author.is_authenticated else None,
    )
    do_record_event(EventType.BREACH_FOLLOW_UP, actor=actor, client_id=client.pk if client else None, obj=breach)
    return note


def do_escalate_breaches(now: dt.datetime | None = None) -> int:
    """E-mail the privacy officers at each configured point before an unmet deadline; once per point.

    Idempotent: a unique constraint makes a second run (or a second scheduler) send nothing twice.
    Returns the number of escalations sent.
    """
    now = now or timezone.now()
    points = settings.BREACH_ESCALATION_HOURS
    sent = 0
    pending = BreachClient.objects.filter(
        notified_at__isnull=True, breach__status__in=[BreachStatus.SUSPECTED, BreachStatus.INVESTIGATING]
    ).select_related("breach", "client")
    for affected in pending:
        done = set(affected.escalations.values_list("hours_before", flat=True))
        for point in clock.due_escalations(affected.deadline, now, points, done):
            try:
                with transaction.atomic():
                    BreachEscalation.objects.create(breach_client=affected, hours_before=point, sent_at=now)
                    left = clock.format_left(clock.time_left(affected.deadline, now))
                    send_mail(
                        subject=f"[{settings.HOUSE_NAME}] {affected.breach.reference}: {affected.client} nog niet gemeld ({left})",  # noqa: E501
                        message=(
                            f"Datalek {affected.breach.reference} ({affected.breach.title}).\n"
                            f"Klant {affected.client} moet uiterlijk {timezone.localtime(affected.deadline):%d-%m-%Y %H:%M} "  # noqa: E501
                            f"gemeld zijn. Resterende tijd: {left}."
                        ),
                        from_email=settings.DEFAULT_FROM_EMAIL,
                        recipient_list=privacy_officer_emails() or [settings.PRIVACY_CONTACT],
                    )
                    do_record_event(
                        EventType.BREACH_ESCALATED, actor=Actor.system("breach clock"), client_id=affected.client_id,
                        obj=affected.breach, details={"hours_before": point},
                    )
                sent += 1
            except IntegrityError:
                continue  # another scheduler sent this one
    return sent


@transaction.atomic
def do_register_complaint(
    *, complainant: str, subject: str, description: str, client: Client | None = None, actor: Actor
) -> Complaint:
    """Register a complaint about the processing (P25)."""
    complaint = Complaint.objects.create(
        complainant=complainant, subject=subject, description=description, client=client
    )
    do_record_event(EventType.COMPLAINT_RECEIVED, actor=actor, client_id=client.pk if client else None, obj=complaint)
    return complaint


@transaction.atomic
def do_update_complaint(complaint: Complaint, *, status: str, outcome: str = "", actor: Actor) -> None:
    """Move a complaint on; resolving or rejecting it needs an outcome. Raises ValidationError otherwise."""
    if status in (ComplaintStatus.RESOLVED, ComplaintStatus.REJECTED) and not outcome.strip():
        raise ValidationError(_lazy("a closed complaint needs its outcome"))
    complaint.status = status
    complaint.outcome = outcome.strip() or complaint.outcome
    if status in (ComplaintStatus.RESOLVED, ComplaintStatus.REJECTED):
        complaint.closed_at = timezone.now()
    complaint.save()
    do_record_event(
        EventType.COMPLAINT_CHANGED,
        actor=actor,
        client_id=complaint.client_id,
        obj=complaint,
        details={"status": status},
    )


@transaction.atomic
def do_record_pentest(*, performed_on: dt.date, tester: str, scope: str, report_reference: str = "", actor: Actor):
    """Record a penetration test of the web environment (P26); its findings follow."""

    pentest = Pentest.objects.create(
        performed_on=performed_on, tester=tester, scope=scope, report_reference=report_reference
    )
    do_record_event(
        EventType.PENTEST_RECORDED, actor=actor, obj=pentest, details={"performed_on": performed_on.isoformat()}
    )
    return pentest


@transaction.atomic
def do_record_finding(pentest, *, title: str, severity: str, actor: Actor):
    finding = PentestFinding.objects.create(pentest=pentest, title=title, severity=severity)
    do_record_event(
        EventType.PENTEST_FINDING_CHANGED,
        actor=actor,
        obj=finding,
        details={"status": finding.status, "severity": severity},
    )
    return finding


@transaction.atomic
def do_update_finding(finding, *, status: str, actor: Actor) -> None:
    """Move a finding on: fixed, then retested (P26: leaks fixed and retested). Dates are set as it moves."""

    if status == FindingStatus.RETESTED and finding.status not in (FindingStatus.FIXED, FindingStatus.RETESTED):
        raise ValidationError(_lazy("a finding is retested after it is fixed"))
    today = timezone.localdate()
    if status == FindingStatus.FIXED and not finding.fixed_on:
        finding.fixed_on = today
    if status == FindingStatus.RETESTED:
        finding.retested_on = today
    finding.status = status
    finding.save()
    do_record_event(EventType.PENTEST_FINDING_CHANGED, actor=actor, obj=finding, details={"status": status})
