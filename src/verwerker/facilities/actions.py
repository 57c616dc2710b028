"""Writes of the house's own registers (P08, P11, P17, P26, P27). Atomic and audited.

Documents go into the vault as blobs without a client (the house's own records). A consent-log entry is
the exception to "one audit event per write": the log itself is the proof, written by anonymous visitors
at the rate the website has them, so it is not copied into the hash chain; its purge is audited.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _lazy

from verwerker.accounts.queries import privacy_officer_emails
from verwerker.audit.actions import do_record_event
from verwerker.audit.actors import Actor
from verwerker.audit.events import EventType, Outcome
from verwerker.clients.eea import is_eea
from verwerker.facilities.models import (
    FORBIDDEN_LOCATIONS,
    AwarenessSession,
    Camera,
    CameraClip,
    CameraIncident,
    CameraRequest,
    ClipViewing,
    ConfidentialityAgreement,
    ConsentCategory,
    ConsentRecord,
    ConsentService,
    PentestReport,
    PentestReportRequest,
    Workstation,
    WorkstationCheck,
    WorkstationReminder,
)
from verwerker.facilities.queries import max_footage_days
from verwerker.privacy.models import RequestConcerns, RequestKind
from verwerker.privacy.subject_requests import close_controller_request, register_controller_request
from verwerker.retention.actions import do_issue_certificate, do_place_hold, do_release_hold
from verwerker.vault.actions import LIVE_STATES, do_shred_blob, do_shred_blobs, do_store_blob, read_blob_bytes
from verwerker.vault.models import DeletionReason, ReadPurpose

# -- P08 ------------------------------------------------------------------------------------------


def do_register_consent_service(
    category: ConsentCategory, *, name: str, subprocessor, script_host: str = "", cookies: str = "", actor: Actor
) -> ConsentService:
    """Register a service the website loads under ``category``. Its subprocessor outside the EU/EEA is
    refused (P22), with the advice to choose an EU-hosted service; the refusal is audited.

    Raises ValidationError.
    """
    if category.required:
        raise ValidationError(_lazy(
            "strictly necessary cookies need no consent; register services under an optional category"))
    if not is_eea(subprocessor.country):
        # Recorded outside any transaction of ours, so the refusal stays on record although we raise.
        do_record_event(
            EventType.CONSENT_SERVICE_REFUSED, actor=actor, object_type="facilities.consentservice",
            outcome=Outcome.REFUSED,
            details={"service": name[:100], "country": subprocessor.country, "reason": "outside EU/EEA (P22)"},
        )
        raise ValidationError(
            _lazy(
                "%(name)s: %(subprocessor)s is established in %(country)s, outside the EU/EEA, so visitors' data may "
                "not go there (P22). Choose a service hosted in the EU/EEA (for statistics, for example a "
                "self-hosted or EU-hosted analytics tool)."
            ),
            params={"name": name, "subprocessor": subprocessor.name, "country": subprocessor.country},
        )
    with transaction.atomic():
        service = ConsentService.objects.create(
            category=category, name=name.strip(), subprocessor=subprocessor, script_host=script_host.strip(),
            cookies=cookies.strip(),
        )
        do_record_event(
            EventType.CONSENT_SERVICE_REGISTERED, actor=actor, obj=service,
            details={"category": category.key, "subprocessor": subprocessor.pk, "country": subprocessor.country},
        )
    return service


def do_record_consent(choice, *, recorded_at: dt.datetime | None = None) -> ConsentRecord:
    """Add one visitor's choice (parsed by consent.parse_choice) to the consent log."""
    return ConsentRecord.objects.create(
        consent_id=choice.consent_id, action=choice.action, accepted=choice.accepted, rejected=choice.rejected,
        banner_version=choice.banner_version, language=choice.language, recorded_at=recorded_at or timezone.now(),
    )


# -- P11 ------------------------------------------------------------------------------------------


@transaction.atomic
def do_record_confidentiality_agreement(
    user, *, version: str, signed_on: dt.date, valid_until: dt.date | None = None,
    document: bytes | None = None, document_name: str = "", actor: Actor,
) -> ConfidentialityAgreement:
    """Record a staff member's signed confidentiality agreement; the signed copy goes into the vault.

    Raises ValidationError for a client user, an empty version, a signature in the future, an end before
    the signature, or a missing signed copy.
    """

    if not user.is_staff:
        raise ValidationError(_lazy(
            "confidentiality agreements are for staff; clients are bound by their processing agreement"))
    if not version.strip():
        raise ValidationError(_lazy("give the version of the agreement's text"))
    if signed_on > timezone.localdate():
        raise ValidationError(_lazy("the agreement cannot be signed in the future"))
    if valid_until is not None and valid_until < signed_on:
        raise ValidationError(_lazy("the agreement cannot end before it was signed"))
    if not document:
        raise ValidationError(_lazy("attach the signed agreement (PDF or scan)"))
    blob = do_store_blob(
        document,
        client=None,
        purpose="house_record",
        name=f"geheimhouding-{user.pk}-{signed_on}.{_ext(document_name)}",
        actor=actor,
    )
    agreement = ConfidentialityAgreement.objects.create(
        user=user, version=version.strip(), signed_on=signed_on, valid_until=valid_until, document=blob,
        recorded_by=actor.label or actor.type,
    )
    do_record_event(
        EventType.CONFIDENTIALITY_SIGNED, actor=actor, obj=agreement,
        details={"user": user.pk, "version": agreement.version, "signed_on": signed_on.isoformat(),
                 "valid_until": valid_until.isoformat() if valid_until else None, "blob": str(blob.pk)},
    )
    return agreement


def _ext(name: str) -> str:
    ext = name.rsplit(".", 1)[-1].lower() if "." in name else "pdf"
    return ext if ext.isalnum() and len(ext) <= 5 else "pdf"


@transaction.atomic
def do_record_awareness_session(*, held_on: dt.date, subject: str, attendees, actor: Actor) -> AwarenessSession:
    """Record an awareness session and who attended. Raises ValidationError without subject or attendees."""
    attendees = [u for u in attendees if u.is_staff]
    if not subject.strip():
        raise ValidationError(_lazy("give the session's subject"))
    if not attendees:
        raise ValidationError(_lazy("record who attended"))
    if held_on > timezone.localdate():
        raise ValidationError(_lazy("record a session once it was held"))
    session = AwarenessSession.objects.create(held_on=held_on, subject=subject.strip())
    session.attendees.set(attendees)
    do_record_event(
        EventType.AWARENESS_SESSION_RECORDED, actor=actor, obj=session,
        details={"held_on": held_on.isoformat(), "attendees": sorted(u.pk for u in attendees)},
    )
    return session


def record_client_data_refusal(user, *, view: str, actor: Actor) -> None:
    """Audit that ``user`` was refused client data for lack of a current confidentiality agreement."""
    do_record_event(
        EventType.CONFIDENTIALITY_BLOCKED, actor=actor, object_type="accounts.user", object_id=user.pk,
        outcome=Outcome.REFUSED, details={"view": view},
    )


# -- P17 ------------------------------------------------------------------------------------------


@transaction.atomic
def do_register_workstation(*, name: str, kind: str, location: str, responsible, actor: Actor) -> Workstation:
    """Register a workstation that touches client data; its first check is due at once."""
    if not responsible.is_staff:
        raise ValidationError(_lazy("the responsible person is a staff member"))
    workstation = Workstation.objects.create(
        name=name.strip(), kind=kind, location=location.strip(), responsible=responsible
    )
    do_record_event(EventType.WORKSTATION_REGISTERED, actor=actor, obj=workstation, details={"kind": kind})
    return workstation


@transaction.atomic
def do_record_workstation_check(
    workstation: Workstation, *, checked_by, local_copies_removed: bool, downloads_empty: bool, temp_empty: bool,
    findings: str = "", actor: Actor,
) -> WorkstationCheck:
    """Record the monthly check. Anything left behind needs findings (what it was, what was done).

    Raises ValidationError when an item is not ticked and no findings are given.
    """
    clean = local_copies_removed and downloads_empty and temp_empty
    if not clean and not findings.strip():
        raise ValidationError(_lazy("describe what was found and what was done about it"))
    check = WorkstationCheck.objects.create(
        workstation=workstation, checked_by=checked_by, local_copies_removed=local_copies_removed,
        downloads_empty=downloads_empty, temp_empty=temp_empty, findings=findings.strip(),
    )
    do_record_event(
        EventType.WORKSTATION_CHECKED, actor=actor, obj=workstation,
        details={"clean": clean, "local_copies_removed": local_copies_removed, "downloads_empty": downloads_empty,
                 "temp_empty": temp_empty},
    )
    return check


def do_remind_workstation_checks(now: dt.datetime | None = None) -> int:
    """E-mail the responsible person of each workstation whose check is due; once per due date.

    Idempotent: a unique constraint per workstation and due date makes a second run send nothing.
    Returns the number of reminders sent.
    """
    from verwerker.facilities.queries import workstation_due_on  # local: same layer or upward, a cycle at the top

    today = timezone.localdate(now or timezone.now())
    sent = 0
    for workstation in Workstation.objects.filter(active=True).select_related("responsible"):
        due = workstation_due_on(workstation)
        if due > today or not workstation.responsible.email:
            continue
        try:
            with transaction.atomic():
                WorkstationReminder.objects.create(workstation=workstation, due_on=due)
                send_mail(
                    subject=f"[{settings.HOUSE_NAME}] Maandelijkse controle werkplek {workstation.name}",
                    message=(
                        f"De maandelijkse controle van werkplek {workstation.name} ({workstation.location}) is "
                        f"{'vandaag' if due == today else f'sinds {due:%d-%m-%Y}'} nodig: controleer dat er geen lokale "  # noqa: E501
                        "kopieën van klantbestanden zijn, dat de map Downloads en de tijdelijke mappen leeg zijn, "
                        "en leg de controle vast in Verwerker (Huis → Werkplekken)."
                    ),
                    from_email=settings.DEFAULT_FROM_EMAIL,
                    recipient_list=[workstation.responsible.email],
                )
                do_record_event(
                    EventType.WORKSTATION_REMINDER_SENT, actor=Actor.system("workstation reminders"), obj=workstation,
                    details={"due_on": due.isoformat()},
                )
            sent += 1
        except IntegrityError:
            continue  # sent for this due date already
    return sent


# -- P26 ------------------------------------------------------------------------------------------


@transaction.atomic
def do_store_pentest_report(pentest, *, document: bytes, document_name: str = "", actor: Actor) -> PentestReport:
    """Store a penetration test's report in the vault (replacing none: one report per test)."""

    if not document:
        raise ValidationError(_lazy("the report is empty"))
    if PentestReport.objects.filter(pentest=pentest).exists():
        raise ValidationError(_lazy("this test has its report already"))
    blob = do_store_blob(
        document,
        client=None,
        purpose="house_record",
        name=f"pentest-{pentest.performed_on}.{_ext(document_name)}",
        actor=actor,
    )
    report = PentestReport.objects.create(pentest=pentest, blob=blob)
    do_record_event(EventType.PENTEST_REPORT_STORED, actor=actor, obj=pentest, details={"blob": str(blob.pk)})
    return report


@transaction.atomic
def do_set_finding_due(finding, *, due_on: dt.date, actor: Actor) -> None:
    """Set the date by which a finding must be fixed (an open finding past it fails P26)."""
    finding.due_on = due_on
    finding.save(update_fields=["due_on"])
    do_record_event(EventType.PENTEST_FINDING_DUE_SET, actor=actor, obj=finding, details={"due_on": due_on.isoformat()})


@transaction.atomic
def do_request_pentest_report(user, *, actor: Actor) -> PentestReportRequest:
    """A client user asks for the latest penetration-test report; the privacy officers are told.

    Raises ValidationError for staff, or while the client has a request still unanswered.
    """

    if not user.is_client_user:
        raise ValidationError(_lazy("only a client asks for the report"))
    if PentestReportRequest.objects.filter(client_id=user.client_id, answered_at__isnull=True).exists():
        raise ValidationError(_lazy("your earlier request is still being handled"))
    request = PentestReportRequest.objects.create(client_id=user.client_id, requested_by=user)
    do_record_event(EventType.PENTEST_REPORT_REQUESTED, actor=actor, client_id=user.client_id, obj=request)
    client_name = user.client.name
    transaction.on_commit(
        lambda: send_mail(
            subject=f"[{settings.HOUSE_NAME}] {client_name} vraagt het pentestrapport op",
            message=f"{client_name} vraagt het rapport van de laatste penetratietest op. Beantwoord het verzoek in Verwerker (Huis → Pentestrapporten).",  # noqa: E501
            from_email=settings.DEFAULT_FROM_EMAIL,
            recipient_list=privacy_officer_emails() or [settings.PRIVACY_CONTACT],
        )
    )
    return request


@transaction.atomic
def do_answer_pentest_report_request(request: PentestReportRequest, *, actor: Actor) -> tuple[str, bytes]:
    """The privacy officer downloads the latest report for the requesting client: (file name, content).

    Audited with the client, the test and the blob. Raises ValidationError when no report is stored.
    """
    from verwerker.privacy.models import Pentest  # local: same layer or upward, a cycle at the top

    latest = (
        Pentest.objects.filter(report__isnull=False).order_by("-performed_on").select_related("report__blob").first()
    )
    if latest is None:
        raise ValidationError(_lazy("no penetration-test report is stored yet"))
    content = read_blob_bytes(latest.report.blob, actor=actor, purpose=ReadPurpose.PENTEST_REPORT)
    request = PentestReportRequest.objects.select_for_update().get(pk=request.pk)
    request.pentest = latest
    request.answered_at = timezone.now()
    request.answered_by = actor.label or actor.type
    request.save(update_fields=["pentest", "answered_at", "answered_by"])
    do_record_event(
        EventType.PENTEST_REPORT_SENT, actor=actor, client_id=request.client_id, obj=request,
        details={"pentest": latest.pk, "blob": str(latest.report.blob_id)},
    )
    return latest.report.blob.name, content


# -- P27 ------------------------------------------------------------------------------------------


def _refuse_camera(name: str, reason: str, actor: Actor) -> None:
    do_record_event(
        EventType.CAMERA_REFUSED, actor=actor, object_type="facilities.camera", outcome=Outcome.REFUSED,
        details={"camera": name[:100], "reason": reason},
    )


def do_register_camera(
    *, name: str, location: str, location_kind: str, kind: str, audio: bool = False,
    recorder_retention_days: int | None = None, actor: Actor,
) -> Camera:
    """Register a camera. Refused (and the refusal audited): a toilet or changing room, sound, or a recorder
    that keeps footage longer than the schedule's four weeks. Raises ValidationError."""
    days = max_footage_days() if recorder_retention_days is None else recorder_retention_days
    problem = None
    if location_kind in FORBIDDEN_LOCATIONS:
        problem = f"no camera in a {location_kind.replace('_', ' ')} (P27)"
    elif audio:
        problem = "cameras record no sound (P27): switch the audio off"
    elif days > max_footage_days():
        problem = f"the recorder keeps footage at most {max_footage_days()} days (P27), not {days}"
    elif days < 1:
        problem = "the recorder keeps footage at least one day"
    if problem:
        _refuse_camera(name, problem, actor)
        raise ValidationError(f"{name}: {problem}")
    with transaction.atomic():
        camera = Camera.objects.create(
            name=name.strip(), location=location.strip(), location_kind=location_kind, kind=kind, audio=False,
            recorder_retention_days=days,
        )
        do_record_event(EventType.CAMERA_REGISTERED, actor=actor, obj=camera,
                        details={"location_kind": location_kind, "retention_days": days})
    return camera


@transaction.atomic
def do_set_camera_retention(
    camera: Camera, *, days: int, incident: CameraIncident | None = None, actor: Actor
) -> Camera:
    """Set how long the recorder keeps this camera's footage. Longer than four weeks only while an open
    incident holds it (it falls back when that incident is closed). Raises ValidationError."""
    limit = max_footage_days()
    if days < 1:
        raise ValidationError(_lazy("the recorder keeps footage at least one day"))
    if days > limit and (incident is None or not incident.is_open):
        raise ValidationError(
            _lazy("%(camera)s: footage is kept at most %(limit)s days, longer only for an open incident (P27)"),
            params={"camera": camera.name, "limit": limit},
        )
    camera.recorder_retention_days = days
    camera.extended_for = incident if days > limit else None
    camera.save(update_fields=["recorder_retention_days", "extended_for"])
    do_record_event(EventType.CAMERA_RETENTION_SET, actor=actor, obj=camera,
                    details={"days": days, "incident": incident.reference if incident and days > limit else None})
    return camera


def _next_reference(model, prefix: str, now: dt.datetime) -> str:
    prefix = f"{prefix}-{now.year}-"
    last = (
        model.objects.filter(reference__startswith=prefix)
        .order_by("-reference")
        .values_list("reference", flat=True)
        .first()
    )
    return f"{prefix}{(int(last.rsplit('-', 1)[1]) + 1) if last else 1:04d}"


@transaction.atomic
def do_record_camera_incident(*, title: str, occurred_at: dt.datetime, actor: Actor) -> CameraIncident:
    """Record an incident: the only ground to view footage or keep it longer."""
    if not title.strip():
        raise ValidationError(_lazy("say what happened"))
    now = timezone.now()
    if occurred_at > now:
        raise ValidationError(_lazy("an incident is recorded after it happened"))
    incident = CameraIncident.objects.create(
        reference=_next_reference(CameraIncident, "CI", now), title=title.strip(), occurred_at=occurred_at,
        recorded_at=now, recorded_by=actor.label or actor.type,
    )
    do_record_event(
        EventType.CAMERA_INCIDENT_RECORDED, actor=actor, obj=incident, details={"reference": incident.reference}
    )
    return incident


@transaction.atomic
def do_close_camera_incident(incident: CameraIncident, *, outcome: str, actor: Actor) -> CameraIncident:
    """Close an incident: its clips' holds are released (the next purge deletes those past four weeks)
    and cameras kept longer for it fall back to the schedule's maximum."""

    if not outcome.strip():
        raise ValidationError(_lazy("record the outcome of the incident"))
    incident = CameraIncident.objects.select_for_update().get(pk=incident.pk)
    if not incident.is_open:
        raise ValidationError(_lazy("%(reference)s is closed already"), params={"reference": incident.reference})
    incident.closed_at, incident.outcome = timezone.now(), outcome.strip()
    incident.save(update_fields=["closed_at", "outcome"])
    released = 0
    for clip in incident.clips.filter(hold__isnull=False).select_related("hold"):
        do_release_hold(clip.hold, reason=f"incident {incident.reference} closed", actor=actor)  # type: ignore[arg-type]
        released += 1
    limit = max_footage_days()
    for camera in Camera.objects.filter(extended_for=incident):
        do_set_camera_retention(camera, days=limit, actor=actor)
    do_record_event(EventType.CAMERA_INCIDENT_CLOSED, actor=actor, obj=incident, details={"holds_released": released})
    return incident


def do_store_camera_clip(
    camera: Camera, incident: CameraIncident, *, recorded_from: dt.datetime, recorded_until: dt.datetime,
    content, hold: bool = False, actor: Actor,
) -> CameraClip:
    """Store a clip exported from the recorder for an incident, in the vault. With ``hold`` it is kept until
    the incident is closed; otherwise four weeks from the recording. Raises ValidationError."""

    if recorded_until < recorded_from:
        raise ValidationError(_lazy("the clip ends before it starts"))
    if hold and not incident.is_open:
        raise ValidationError(
            _lazy("%(reference)s is closed: a clip is held only while its incident is open"),
            params={"reference": incident.reference},
        )
    blob = do_store_blob(
        content,
        client=None,
        purpose="house_record",
        name=f"camera-{camera.pk}-{recorded_from:%Y%m%d-%H%M}",
        actor=actor,
    )
    try:
        with transaction.atomic():
            clip = CameraClip.objects.create(
                camera=camera, incident=incident, recorded_from=recorded_from, recorded_until=recorded_until, blob=blob
            )
            if hold:
                clip.hold = do_place_hold(
                    "vault.blob", blob.pk, reason=f"camera incident {incident.reference} open", actor=actor
                )
                clip.save(update_fields=["hold"])
            do_record_event(
                EventType.CAMERA_CLIP_STORED, actor=actor, obj=clip,
                details={"camera": camera.pk, "incident": incident.reference, "held": hold, "blob": str(blob.pk)},
            )
    except Exception:
        do_shred_blob(blob, actor=actor, reason=DeletionReason.ABANDONED_WRITE)
        raise
    return clip


@transaction.atomic
def do_view_clip(clip: CameraClip, *, viewer, reason: str, actor: Actor) -> bytes:
    """Give the clip's footage to ``viewer`` and log who, when and why (only for a recorded incident).

    Raises ValidationError without a reason; ShreddedError once the clip is deleted.
    """

    if not reason.strip():
        raise ValidationError(_lazy("say why you view this footage"))
    if clip.incident.recorded_at > timezone.now():
        raise ValidationError(_lazy("footage is viewed only after an incident is recorded"))
    content = read_blob_bytes(clip.blob_id, actor=actor, purpose=ReadPurpose.CAMERA_INCIDENT)
    viewing = ClipViewing.objects.create(clip=clip, viewed_by=viewer, reason=reason.strip())
    do_record_event(EventType.CAMERA_CLIP_VIEWED, actor=actor, obj=clip,
                    details={"viewing": viewing.pk, "incident": clip.incident.reference})
    return content


@transaction.atomic
def do_log_camera_request(
    *, kind: str, requester: str, camera: Camera | None = None, moment_from: dt.datetime | None = None,
    moment_until: dt.datetime | None = None, actor: Actor,
) -> CameraRequest:
    """Log a visitor's or employee's request about footage in the request register; answered within a month.

    Raises ValidationError without a way to reach the person, or with a period that ends before it starts.
    """
    if not requester.strip():
        raise ValidationError(_lazy("record how to reach the person"))
    if moment_from and moment_until and moment_until < moment_from:
        raise ValidationError(_lazy("the footage period ends before it starts"))
    entry = register_controller_request(RequestConcerns.CAMERA, kind, subject_mask=_mask_contact(requester))
    request = CameraRequest.objects.create(
        request=entry, requester=requester.strip(), camera=camera, moment_from=moment_from, moment_until=moment_until,
    )
    do_record_event(EventType.CAMERA_REQUEST_LOGGED, actor=actor, obj=request,
                    details={"kind": kind, "deadline": entry.deadline.isoformat(), "register": entry.reference})
    return request


def _mask_contact(requester: str) -> str:
    """What the register shows of the person: the first letter of each word (the contact stays here)."""
    return " ".join(f"{w[0]}{'*' * 3}" for w in requester.split()[:4]) or "?"


def clips_of_request(request: CameraRequest):
    """Live clips of the request's camera (any camera when none was named) that overlap its period."""

    clips = CameraClip.objects.filter(blob__state__in=LIVE_STATES).select_related("incident", "hold", "camera")
    if request.camera_id:
        clips = clips.filter(camera_id=request.camera_id)
    if request.moment_until:
        clips = clips.filter(recorded_from__lte=request.moment_until)
    if request.moment_from:
        clips = clips.filter(recorded_until__gte=request.moment_from)
    return clips.order_by("recorded_from")


def do_answer_camera_request(request: CameraRequest, *, outcome: str, actor: Actor) -> CameraRequest:
    """Answer the person and close the request in the register.

    An erasure ("be forgotten") crypto-shreds the clips of the request's camera and period with a deletion
    certificate; a clip an open incident holds is kept, and the answer says so and until when. The answer
    stored is the officer's words followed by what the system did. Raises ValidationError without an
    answer, for a closed request, or for an erasure that names neither a camera nor a period.
    """

    if not outcome.strip():
        raise ValidationError(_lazy("record the answer given"))
    with transaction.atomic():
        request = CameraRequest.objects.select_related("request").select_for_update().get(pk=request.pk)
        if request.closed_at:
            raise ValidationError(_lazy("%(reference)s is answered already"), params={"reference": request.reference})
        lines = [outcome.strip()]
        shredded: list = []
        held: list[CameraClip] = []
        if request.kind == RequestKind.ERASURE:
            if not (request.camera_id or request.moment_from or request.moment_until):
                raise ValidationError(
                    _lazy("%(reference)s: name the camera or the period the footage is from"),
                    params={"reference": request.reference},
                )
            clips = list(clips_of_request(request))
            held = [c for c in clips if c.hold_id and c.hold.released_at is None]
            free = [c.blob_id for c in clips if c not in held]
            if free:
                shredded = do_shred_blobs(free, actor=actor, reason=DeletionReason.OWN_REQUEST)
            if shredded:
                certificate = do_issue_certificate(
                    None, shredded, reason=DeletionReason.OWN_REQUEST, actor=actor,
                    subject=f"camera footage erased on request {request.reference}",
                )
                lines.append(
                    f"{len(shredded)} opname(n) cryptografisch gewist; vernietigingsverklaring {certificate.pk}."
                )
            elif not held:
                lines.append("Er zijn geen opnamen van deze camera en periode bewaard.")
            for clip in held:
                lines.append(
                    f"De opname van {clip.camera.name} van {timezone.localtime(clip.recorded_from):%d-%m-%Y %H:%M} "
                    f"wordt bewaard voor incident {clip.incident.reference} en gewist zodra dat incident is "
                    "afgesloten (en de bewaartermijn van vier weken verstreken is)."
                )
        on_time = close_controller_request(request.request, receipt="\n".join(lines))
        do_record_event(EventType.CAMERA_REQUEST_CLOSED, actor=actor, obj=request,
                        details={"on_time": on_time, "register": request.reference, "shredded": len(shredded),
                                 "held": len(held)})
    return request
