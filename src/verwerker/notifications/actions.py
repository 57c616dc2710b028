"""Writes of the notifications app: dispatch from the audit log, e-mail, read marks, e-mail preferences.

Design (docs/design.md "Notifications"): the acting code does not call this app. The audit log's reader
(audit/feed.py, this app's LOG_READER) hands the dispatcher the events written after its cursor; it
turns the few kinds it knows into notifications for the people concerned (by role for staff, by client
for client users) in the transaction that moves the cursor; the e-mails go out after that, each claimed
by a conditional update. A process that dies
mid-way leaves either the cursor unmoved (the batch is read again; a unique key per event, person and
kind keeps it from being told twice) or e-mails still pending (sent by the next run).

What a notification holds: names of files, jobs and clients, references and counts. Never a value from
a client's file: the audit events carry ids, and the rows they name hold no values (DESIGN.md).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone, translation

from verwerker.accounts.models import User
from verwerker.accounts.roles import Role
from verwerker.audit.events import EventType
from verwerker.audit.feed import LogReader, do_feed_log_readers
from verwerker.audit.models import AuditEvent
from verwerker.notifications.models import ALWAYS_EMAILED, EmailOptOut, EmailState, Kind, Notification
from verwerker.notifications.texts import describe, subject

log = logging.getLogger(__name__)


@dataclass
class Tell:
    """What to tell whom about one event: a kind, its names and numbers, and per audience a link."""

    kind: str
    params: dict
    client_id: int | None
    audiences: list[tuple[QuerySet[User], str]] = field(default_factory=list)


def _staff(role: str) -> QuerySet[User]:
    return User.objects.filter(is_active=True, is_staff=True, groups__name=role)


def _client_users(client_id: int | None) -> QuerySet[User]:
    if client_id is None:
        return User.objects.none()
    return User.objects.filter(is_active=True, client_id=client_id)


def _data_file(event: AuditEvent, kind: str) -> Tell | None:
    from verwerker.datafiles.models import DataFile  # local: same layer or upward, a cycle at the top

    data_file = DataFile.objects.select_related("client").filter(pk=event.object_id).first()
    if data_file is None:
        return None
    params = {"file": data_file.name, "client": data_file.client.name, "records": data_file.record_count or 0}
    return Tell(kind, params, data_file.client_id, [
        (_staff(Role.DATABASE), reverse("production:data_file", args=[data_file.pk])),
        (_client_users(data_file.client_id), reverse("production:client")),
    ])


def _refused_upload(event: AuditEvent) -> Tell | None:
    from verwerker.intake.models import Upload  # local: same layer or upward, a cycle at the top

    upload = Upload.objects.select_related("client").filter(pk=event.object_id).first()
    if upload is None:
        return None
    return Tell(Kind.FILE_REFUSED, {"file": upload.name, "client": upload.client.name}, upload.client_id, [
        (_staff(Role.DATABASE), reverse("production:incoming")),
        (_client_users(upload.client_id), reverse("production:client")),
    ])


def _job(event: AuditEvent):
    from verwerker.production.models import Job  # local: same layer or upward, a cycle at the top

    return Job.objects.select_related("client", "data_file", "station").filter(pk=event.object_id).first()


def _job_tell(event: AuditEvent) -> Tell | None:
    """The job events that concern someone other than the one who acted."""
    job = _job(event)
    if job is None:
        return None
    params = {"job": job.name, "client": job.client.name}
    staff_link = reverse("production:job", args=[job.pk])
    action = event.action
    if action == EventType.JOB_DRAFTED:
        if not job.data_file.is_high_risk:
            return None
        approvers = _staff(Role.DATABASE).filter(groups__permissions__codename="release_job")
        if event.actor_id.isdigit():
            approvers = approvers.exclude(pk=int(event.actor_id))  # the drafter may not approve it
        return Tell(Kind.APPROVAL_REQUESTED, params, job.client_id, [(approvers, staff_link)])
    if action == EventType.JOB_PRODUCED:
        if not job.proof_required:
            return None
        return Tell(Kind.PROOF_WAITING, params, job.client_id,
                    [(_client_users(job.client_id), reverse("production:proof", args=[job.pk]))])
    if action == EventType.JOB_PROOF_REJECTED:
        return Tell(Kind.PROOF_REJECTED, params, job.client_id, [(_staff(Role.DATABASE), staff_link)])
    if action == EventType.JOB_PRODUCTION_FAILED:
        return Tell(Kind.JOB_FAILED, params, job.client_id, [(_staff(Role.DATABASE), staff_link)])
    if action == EventType.JOB_DELIVERED:
        if job.station is None:
            return None  # a subprocessor's delivery is confirmed on its own page
        return Tell(Kind.JOB_DELIVERED, {**params, "station": job.station.name}, job.client_id,
                    [(_staff(Role.PRINT), reverse("production:print_job", args=[job.pk]))])
    return None


def _breach_reported(event: AuditEvent) -> Tell | None:
    from verwerker.privacy.models import Breach  # local: same layer or upward, a cycle at the top

    breach = Breach.objects.filter(pk=event.object_id).first()
    if breach is None:
        return None
    return Tell(Kind.BREACH_REPORTED, {"reference": breach.reference}, None,
                [(_staff(Role.PRIVACY), reverse("privacy:breach", args=[breach.pk]))])


def _breach_notice(event: AuditEvent) -> Tell | None:
    from verwerker.clients.models import Client  # local: same layer or upward, a cycle at the top
    from verwerker.privacy.models import Breach  # local: same layer or upward, a cycle at the top

    breach = Breach.objects.filter(pk=event.object_id).first()
    client = Client.objects.filter(pk=event.client_id).first() if event.client_id else None
    if breach is None or client is None:
        return None
    return Tell(Kind.BREACH_NOTICE, {"reference": breach.reference, "client": client.name}, client.pk,
                [(_client_users(client.pk), reverse("home") + "#breach-notices")])


def _certificate(event: AuditEvent) -> Tell | None:
    from verwerker.clients.models import Client  # local: same layer or upward, a cycle at the top
    from verwerker.retention.models import DeletionCertificate  # local: same layer or upward, a cycle at the top

    cert = DeletionCertificate.objects.filter(pk=event.object_id).first()
    client = Client.objects.filter(pk=event.client_id).first() if event.client_id else None
    if cert is None or client is None:
        return None  # the house's own certificates (cameras, CRM) concern no client user
    return Tell(Kind.CERTIFICATE_ISSUED, {"client": client.name, "count": cert.objects_deleted}, client.pk,
                [(_client_users(client.pk), reverse("retention:certificate", args=[cert.pk]))])


HANDLERS: dict[int, Callable[[AuditEvent], Tell | None]] = {
    EventType.DATAFILE_PROFILED: lambda e: _data_file(e, Kind.FILE_PROFILED),
    EventType.DATAFILE_UNREADABLE: lambda e: _data_file(e, Kind.FILE_REFUSED),
    EventType.DATAFILE_REFUSED: _refused_upload,
    EventType.JOB_DRAFTED: _job_tell,
    EventType.JOB_PRODUCED: _job_tell,
    EventType.JOB_PROOF_REJECTED: _job_tell,
    EventType.JOB_PRODUCTION_FAILED: _job_tell,
    EventType.JOB_DELIVERED: _job_tell,
    EventType.BREACH_REPORTED: _breach_reported,
    EventType.BREACH_NOTICE_SENT: _breach_notice,
    EventType.CERTIFICATE_ISSUED: _certificate,
}


def _rows(event: AuditEvent, tell: Tell) -> list[Notification]:
    rows = []
    seen: set[int] = set()
    for users, link in tell.audiences:
        for user_id, email in users.values_list("pk", "email").distinct():
            if user_id in seen:
                continue
            seen.add(user_id)
            rows.append(Notification(
                recipient_id=user_id, kind=tell.kind, client_id=tell.client_id, params=tell.params, link=link,
                event_seq=event.seq, created_at=event.created_at,
                email=EmailState.PENDING if email else EmailState.NO_ADDRESS,
            ))
    return rows


def _take(events: list[AuditEvent]) -> list[Notification]:
    """The notifications a batch of audit events makes, recorded (audit/feed.py calls this in the
    transaction that moves the cursor). Events the dispatcher does not know are passed over."""
    rows: list[Notification] = []
    for event in events:
        tell = HANDLERS[event.action](event)
        if tell is not None:
            rows.extend(_rows(event, tell))
    _switch_off_unwanted(rows)
    Notification.objects.bulk_create(rows, ignore_conflicts=True)
    return rows


LOG_READER = LogReader("notifications", frozenset(HANDLERS), _take,
                       after=lambda _made: do_send_notification_emails())


def do_dispatch_notifications(*, batch: int = 500) -> int:
    """Turn audit events after the cursor into notifications (no e-mail yet); return how many were made.
    The scheduled pass (audit.tasks.feed_log_readers) feeds this reader with the others."""
    return len(do_feed_log_readers(only=[LOG_READER.name], batch=batch, run_after=False)[LOG_READER.name])


def _switch_off_unwanted(rows: list[Notification]) -> None:
    users = {r.recipient_id for r in rows}
    off = set(EmailOptOut.objects.filter(user_id__in=users).values_list("user_id", "kind"))
    for row in rows:
        if row.kind not in ALWAYS_EMAILED and (row.recipient_id, row.kind) in off:
            row.email = EmailState.OFF


def do_send_notification_emails(*, limit: int = 500) -> int:
    """Send the pending e-mails, each claimed first (so two workers never send one twice); return the count.

    A failed send is put back to pending and tried on the next run; the error is logged without the text.
    """
    sent = 0
    pending = list(Notification.objects.filter(email=EmailState.PENDING).select_related("recipient")
                   .order_by("pk")[:limit])
    base = settings.PUBLIC_URL.rstrip("/")
    for note in pending:
        claimed = Notification.objects.filter(pk=note.pk, email=EmailState.PENDING).update(
            email=EmailState.SENT, emailed_at=timezone.now())
        if not claimed:
            continue
        with translation.override(settings.LANGUAGE_CODE):
            body = describe(note.kind, note.params) + (f"\n\n{base}{note.link}" if note.link else "")
            title = subject(note.kind, note.params, settings.HOUSE_NAME)
        try:
            EmailMessage(title, body, to=[note.recipient.email]).send()
        except Exception as exc:  # noqa: BLE001 - any transport error: try again on the next run
            log.warning("notification %s: e-mail not sent (%s)", note.pk, type(exc).__name__)
            Notification.objects.filter(pk=note.pk).update(email=EmailState.PENDING, emailed_at=None)
            continue
        sent += 1
    return sent


def do_notify_now() -> int:
    """Dispatch and send (the reader's ``after``); return how many notifications were made."""
    return len(do_feed_log_readers(only=[LOG_READER.name])[LOG_READER.name])


def do_mark_read(user, ids: Iterable[int] | None = None) -> int:
    """Mark the user's notifications read (all unread when ``ids`` is None); return how many changed."""
    unread = Notification.objects.filter(recipient=user, read_at__isnull=True)
    if ids is not None:
        unread = unread.filter(pk__in=list(ids))
    return unread.update(read_at=timezone.now())


@transaction.atomic
def do_set_email_preferences(user, *, wanted: Iterable[str]) -> list[str]:
    """Keep e-mail only for the kinds in ``wanted``; breach messages cannot be switched off.

    Returns the kinds now switched off.
    """
    wanted_set = set(wanted)
    off = [k for k in Kind.values if k not in wanted_set and k not in ALWAYS_EMAILED]
    EmailOptOut.objects.filter(user=user).exclude(kind__in=off).delete()
    EmailOptOut.objects.bulk_create([EmailOptOut(user=user, kind=k) for k in off], ignore_conflicts=True)
    return off
