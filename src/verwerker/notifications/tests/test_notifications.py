"""Notifications: who is told what, by e-mail (Django's outbox) and in the app's list.

The dispatcher reads the audit log after its cursor; the tests call it as the scheduled task does.
"""

from __future__ import annotations

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from verwerker.audit.actors import Actor
from verwerker.audit.models import LogCursor
from verwerker.datafiles.synthetic import address_csv
from verwerker.notifications.actions import (
    do_dispatch_notifications,
    do_notify_now,
    do_send_notification_emails,
    do_set_email_preferences,
)
from verwerker.notifications.models import EmailState, Kind, Notification
from verwerker.production.actions import do_release_job
from verwerker.production.tests.conftest import draft, produce, staff, station, template  # noqa: F401 (fixtures)
from verwerker.testing import receive_file

pytestmark = pytest.mark.django_db


def _with_email(user, address: str):
    user.email = address
    user.save(update_fields=["email"])
    return user


def _produced(client, draft, staff, **options):  # noqa: F811
    job = draft(receive_file(client, "leden-najaar.csv", address_csv(12, seed=4)), **options)
    job = do_release_job(job, user=staff.drafter, actor=Actor.for_user(staff.drafter))
    job = produce(job)
    assert job.state == "produced", job.error
    return job


def test_a_reported_breach_is_really_sent_to_every_privacy_officer_and_listed_for_them(login, make_staff):
    """GIVEN two privacy officers and a database-department member WHEN the latter reports a breach on
    its screen and the dispatcher runs THEN each officer has an e-mail naming the reference and an unread
    entry in their list; the reporter gets neither."""
    officers = [_with_email(make_staff("privacy", f"po-{i}"), f"po{i}@huis.example") for i in (1, 2)]
    reporter = _with_email(make_staff("database", "db-reporter"), "db@huis.example")
    response = login(reporter).post(reverse("privacy:report_breach"), {
        "title": "Doos post op verkeerd adres", "description": "Bezorger meldt een verkeerde doos.",
        "discovered_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M")})
    assert response.status_code == 302
    mail.outbox.clear()
    do_notify_now()
    to = sorted(address for message in mail.outbox for address in message.to)
    assert to == ["po1@huis.example", "po2@huis.example"]
    assert all("DL-" in message.subject and "Datalek" in message.body for message in mail.outbox)
    assert not Notification.objects.filter(recipient=reporter).exists()
    page = login(officers[0]).get(reverse("notifications:list"))
    assert b'data-notification="breach_reported"' in page.content and b'data-read="no"' in page.content


def test_a_rejected_proof_carries_its_reason_to_the_database_department(login, client_a, user_a, draft, staff):  # noqa: F811
    """GIVEN a produced job whose client approves a proof WHEN the client rejects it with a reason THEN the
    database department is told (e-mail and list) and sees the reason on the job page; the client was told
    the proof waited; the reason is not in the audit log."""
    from verwerker.audit.models import AuditEvent

    _with_email(staff.drafter, "drafter@huis.example")
    _with_email(user_a, "alice@aland.example")
    job = _produced(client_a, draft, staff, proof_required=True)
    do_notify_now()
    assert Notification.objects.filter(recipient=user_a, kind=Kind.PROOF_WAITING).exists()
    assert any(m.to == ["alice@aland.example"] and "proef" in m.body.lower() for m in mail.outbox)
    web = login(user_a)
    refused = web.post(reverse("production:client_proof_decision", args=[job.pk]), {"decision": "reject"}, follow=True)
    assert b"Zeg waarom" in refused.content
    job.refresh_from_db()
    assert job.state == "produced"
    web.post(reverse("production:client_proof_decision", args=[job.pk]),
             {"decision": "reject", "note": "Het logo op pagina 2 is van vorig jaar."})
    job.refresh_from_db()
    assert job.state == "drafted" and job.proof_rejection_note == "Het logo op pagina 2 is van vorig jaar."
    mail.outbox.clear()
    do_notify_now()
    told = Notification.objects.get(recipient=staff.drafter, kind=Kind.PROOF_REJECTED)
    assert told.link == reverse("production:job", args=[job.pk])
    assert [m.to for m in mail.outbox if "afgekeurd" in m.body] == [["drafter@huis.example"]]
    page = login(staff.drafter).get(reverse("production:job", args=[job.pk]))
    assert b"Het logo op pagina 2 is van vorig jaar." in page.content
    assert not AuditEvent.objects.filter(details__contains="logo").exists()


def test_a_person_switches_e_mail_off_per_kind_but_never_for_breaches(login, make_staff, system_actor):
    """GIVEN an officer who switched off every kind WHEN a breach is reported THEN the e-mail still goes,
    and a job-failure e-mail (switched off) would not: the list keeps both."""
    from verwerker.privacy.actions import do_report_breach

    officer = _with_email(make_staff("privacy", "po"), "po@huis.example")
    login(officer).post(reverse("notifications:preferences"), {})  # every box unticked
    do_report_breach(title="Laptop kwijt", description="In de trein.", discovered_at=timezone.now(), actor=system_actor)
    do_notify_now()
    assert [m.to for m in mail.outbox] == [["po@huis.example"]]
    note = Notification.objects.get(recipient=officer)
    assert note.email == EmailState.SENT
    off = do_set_email_preferences(officer, wanted=[])
    assert Kind.BREACH_REPORTED not in off and Kind.JOB_FAILED in off
    page = login(officer).get(reverse("notifications:list"))
    assert b'value="breach_reported" checked disabled' in page.content
    assert b'value="job_failed">' in page.content  # unticked


def test_client_users_are_told_only_about_their_own_client(client_a, client_b, user_a, user_b, draft, staff):  # noqa: F811
    """GIVEN users of clients A and B WHEN A's file is profiled and A's job is cancelled (certified)
    THEN only A's user is told, by name of the file and the client, with counts."""
    from verwerker.production.actions import do_cancel_job

    job = draft(receive_file(client_a, "huurders-a.csv", address_csv(9, seed=2)))
    do_cancel_job(job, actor=Actor.for_user(staff.drafter))
    do_dispatch_notifications()
    kinds_a = set(Notification.objects.filter(recipient=user_a).values_list("kind", flat=True))
    assert {Kind.FILE_PROFILED, Kind.CERTIFICATE_ISSUED} <= kinds_a
    assert not Notification.objects.filter(recipient=user_b).exists()
    profiled = Notification.objects.get(recipient=user_a, kind=Kind.FILE_PROFILED)
    assert profiled.params == {"file": "huurders-a.csv", "client": client_a.name, "records": 9}
    assert Notification.objects.filter(recipient=staff.drafter, kind=Kind.FILE_PROFILED).exists()
    assert not Notification.objects.filter(recipient=staff.printer, kind=Kind.FILE_PROFILED).exists()


def test_no_value_of_the_clients_file_reaches_a_notification_or_an_e_mail(client_a, user_a, draft, staff):  # noqa: F811
    """GIVEN a file whose records hold marker values WHEN it is profiled, drafted high-risk, produced and
    failed THEN no marker appears in any notification's text, params or e-mail."""
    import json

    from verwerker.notifications.texts import describe
    from verwerker.production.actions import do_fail_production

    _with_email(user_a, "alice@aland.example")
    _with_email(staff.drafter, "d@huis.example")
    data = ("Voorletters;Achternaam;Straat;Huisnummer;Postcode;Plaats\r\n"
            + "Q.;Zwartekatmarker;Geheimlaan;7;1234 AB;MARKERSTAD\r\n" * 3)
    job = draft(receive_file(client_a, "markers.csv", data.encode()))
    job = do_release_job(job, user=staff.drafter, actor=Actor.for_user(staff.drafter))
    do_fail_production(job, error="template line 3: unknown field", actor=Actor.system("test"))
    do_notify_now()
    everything = json.dumps([(n.params, describe(n.kind, n.params), n.link) for n in Notification.objects.all()])
    everything += "".join(m.subject + m.body for m in mail.outbox)
    assert Notification.objects.exists()
    for marker in ("Zwartekatmarker", "Geheimlaan", "MARKERSTAD"):
        assert marker not in everything


def test_the_dispatcher_tells_once_even_when_it_runs_again_after_a_crash(client_a, user_a):
    """GIVEN events already dispatched WHEN the cursor is lost (as if the process died before it moved)
    and the dispatcher runs twice more THEN nobody is told twice; e-mails already sent are not resent."""
    _with_email(user_a, "alice@aland.example")
    receive_file(client_a, "een.csv", address_csv(5, seed=1))
    first = do_notify_now()
    sent = len(mail.outbox)
    assert first >= 1 and sent >= 1
    LogCursor.objects.filter(name="notifications").update(seq=0)
    do_notify_now()
    do_notify_now()
    assert Notification.objects.count() == first
    assert len(mail.outbox) == sent


def test_a_failed_send_stays_pending_and_goes_on_the_next_run(client_a, user_a, settings):
    """GIVEN an SMTP server that refuses WHEN the e-mails are sent THEN they stay pending; once mail
    works again the next run sends them."""
    _with_email(user_a, "alice@aland.example")
    receive_file(client_a, "twee.csv", address_csv(5, seed=2))
    do_dispatch_notifications()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 9, 2  # nothing listens
    assert do_send_notification_emails() == 0
    assert Notification.objects.filter(recipient=user_a, email=EmailState.PENDING).exists()
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert do_send_notification_emails() >= 1
    assert not Notification.objects.filter(email=EmailState.PENDING).exists()


def test_marking_read_lowers_the_count_in_the_header(login, client_a, user_a):
    receive_file(client_a, "drie.csv", address_csv(5, seed=3))
    do_dispatch_notifications()
    web = login(user_a)
    page = web.get(reverse("home"))
    unread = Notification.objects.filter(recipient=user_a, read_at__isnull=True).count()
    assert unread >= 1 and f'data-unread="{unread}"'.encode() in page.content
    note = Notification.objects.filter(recipient=user_a).first()
    opened = web.post(reverse("notifications:mark_read"), {"id": note.pk, "go": "1"})
    assert opened.status_code == 302 and opened["Location"] == note.link
    web.post(reverse("notifications:mark_read"))
    assert b'data-unread="0"' in web.get(reverse("home")).content


def test_nobody_marks_or_sees_another_persons_notifications(login, client_a, user_a, user_b):
    receive_file(client_a, "vier.csv", address_csv(5, seed=4))
    do_dispatch_notifications()
    note = Notification.objects.filter(recipient=user_a).first()
    login(user_b).post(reverse("notifications:mark_read"), {"id": note.pk})
    note.refresh_from_db()
    assert note.read_at is None
    assert b"vier.csv" not in login(user_b).get(reverse("notifications:list")).content
