"""Confidentiality agreements gate client data (P11); awareness sessions are due at an interval."""

import datetime as dt
import json

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from verwerker.accounts.roles import Role
from verwerker.audit.actors import Actor
from verwerker.audit.events import EventType
from verwerker.audit.models import AuditEvent
from verwerker.facilities import actions
from verwerker.facilities.compliance import confidentiality as p11
from verwerker.facilities.models import ConfidentialityAgreement
from verwerker.facilities.queries import blocked_staff
from verwerker.intake.models import Upload
from verwerker.privacy.compliance import State
from verwerker.vault.actions import read_blob_bytes
from verwerker.vault.models import ReadPurpose

pytestmark = pytest.mark.django_db

REFUSAL = "geen geldige geheimhoudingsverklaring"
CSV = b"Achternaam;Postcode;Huisnummer\nJansen;1234 AB;1\n"


@pytest.fixture
def data_file(client_a):
    from verwerker.testing import receive_file

    return receive_file(client_a, "leden.csv", CSV)


def _lapse(user, on):
    ConfidentialityAgreement.objects.filter(user=user).update(valid_until=on)


def test_a_staff_member_whose_agreement_lapsed_is_refused_a_data_file_until_a_new_one_is_recorded(
    login, make_staff, data_file, system_actor
):
    """GIVEN a database-department member who opens a data file
    WHEN their confidentiality agreement has lapsed
    THEN the file's page, the job list and the upload list refuse them with a Dutch message, and the refusal is
    audited; WHEN the privacy officer records a newly signed agreement THEN the file opens again."""
    worker = make_staff(Role.DATABASE, "dbmedewerker")
    web = login(worker)
    url = reverse("production:data_file", args=[data_file.pk])
    assert web.get(url).status_code == 200

    _lapse(worker, timezone.localdate() - dt.timedelta(days=1))
    refused = web.get(url, HTTP_ACCEPT_LANGUAGE="nl")
    assert refused.status_code == 403 and REFUSAL in refused.content.decode()
    assert "leden.csv" not in refused.content.decode()
    for other in (
        reverse("production:jobs"),
        reverse("production:incoming"),
        reverse("intake:upload", args=[Upload.objects.get(blob_id=data_file.blob_id).pk]),
    ):
        assert web.get(other).status_code == 403
    event = AuditEvent.objects.filter(action=EventType.CONFIDENTIALITY_BLOCKED).last()
    assert (
        event.outcome == "refused"
        and event.object_id == str(worker.pk)
        and json.loads(event.details)["view"] == "production:data_file"
    )
    assert list(blocked_staff()) == [worker]

    officer = login_officer = make_staff(Role.PRIVACY, "privacyofficer")
    officer_web = login(login_officer)
    officer_web.post(reverse("facilities:confidentiality"), {
        "nda-user": worker.pk, "nda-version": "2026-1", "nda-signed_on": timezone.localdate().isoformat(),
        "nda-document": SimpleUploadedFile("getekend.pdf", b"%PDF-1.7 ondertekend"),
    })
    agreement = ConfidentialityAgreement.objects.get(user=worker, version="2026-1")
    assert (
        read_blob_bytes(agreement.document, actor=Actor.system("test reader"), purpose=ReadPurpose.VERIFICATION)
        == b"%PDF-1.7 ondertekend"
        and agreement.document.client_id is None
    )
    assert agreement.recorded_by == officer.username

    web = login(worker)
    assert web.get(url).status_code == 200
    assert not blocked_staff().exists()


def test_client_users_and_pages_without_client_data_are_not_gated(login, make_staff, user_a, data_file):
    worker = make_staff(Role.DATABASE)
    _lapse(worker, timezone.localdate() - dt.timedelta(days=1))
    web = login(worker)
    assert web.get(reverse("home")).status_code == 200
    assert web.get(reverse("privacy:report_breach")).status_code == 200  # anyone reports a breach
    assert login(user_a).get(reverse("production:client")).status_code == 200


def test_the_privacy_officer_without_an_agreement_cannot_open_data_subject_requests(login, make_staff):
    officer = make_staff(Role.PRIVACY)
    ConfidentialityAgreement.objects.filter(user=officer).delete()
    web = login(officer)
    assert web.get(reverse("privacy:requests")).status_code == 403
    assert web.get(reverse("privacy:dashboard")).status_code == 200


@pytest.mark.usefixtures("english")  # the evidence read as written, in English
def test_the_dashboard_lists_who_is_blocked_and_passes_when_everyone_has_signed(make_staff, system_actor):
    signed = make_staff(Role.PRINT, "drukker")
    unsigned = make_staff(Role.DATABASE, "nieuwkomer")
    ConfidentialityAgreement.objects.filter(user=unsigned).delete()
    actions.do_record_awareness_session(held_on=timezone.localdate(), subject="Phishing herkennen",
                                        attendees=[signed, unsigned], actor=system_actor)
    finding = p11()
    assert finding.state == State.ATTENTION and "Blocked from client data: nieuwkomer." in finding.evidence
    assert "drukker" not in finding.evidence.split("Blocked")[1]

    actions.do_record_confidentiality_agreement(unsigned, version="2026-1", signed_on=timezone.localdate(),
                                                document=b"%PDF scan", actor=system_actor)
    finding = p11()
    assert finding.state == State.OK and "2 of 2 active staff" in finding.evidence


@pytest.mark.usefixtures("english")  # the evidence read as written, in English
def test_awareness_overdue_after_the_configured_interval_warns(make_staff, system_actor, settings):
    member = make_staff(Role.PRINT, "drukker")
    actions.do_record_awareness_session(held_on=timezone.localdate(), subject="Clean desk", attendees=[member],
                                        actor=system_actor)
    assert p11().state == State.OK
    with time_machine.travel(timezone.now() + dt.timedelta(days=370), tick=False):
        finding = p11()
        assert (
            finding.state == State.ATTENTION
            and "Awareness session overdue (more than 12 months): drukker" in finding.evidence
        )
        settings.AWARENESS_INTERVAL_MONTHS = 24
        assert p11().state == State.OK


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"version": " "}, "versie"),
        ({"document": b""}, "voeg de ondertekende verklaring toe"),
        ({"valid_until": dt.date(2020, 1, 1)}, "niet eindigen vóór"),
    ],
)
def test_an_agreement_without_version_or_signed_copy_or_ending_before_signing_is_refused(
    make_staff, system_actor, kwargs, message
):
    member = make_staff(Role.PRINT)
    base = {"version": "2026-1", "signed_on": timezone.localdate(), "document": b"%PDF"}
    with pytest.raises(ValidationError, match=message):
        actions.do_record_confidentiality_agreement(member, **{**base, **kwargs}, actor=system_actor)


def test_a_client_user_signs_no_confidentiality_agreement_here(user_a, system_actor):
    with pytest.raises(ValidationError, match="voor medewerkers"):
        actions.do_record_confidentiality_agreement(user_a, version="1", signed_on=timezone.localdate(),
                                                    document=b"%PDF", actor=system_actor)


def test_the_confidentiality_register_is_for_the_privacy_officer(login, make_staff, user_a):
    assert login(make_staff(Role.DATABASE)).get(reverse("facilities:confidentiality")).status_code == 404
    assert login(user_a).get(reverse("facilities:confidentiality")).status_code == 404
    page = login(make_staff(Role.PRIVACY, "privacyofficer")).get(reverse("facilities:confidentiality"))
    assert page.status_code == 200 and 'data-staff="privacyofficer"' in page.content.decode()
