"""Deletion certificates: issued after purges, verifiable against the audit log, and only for their client."""

import datetime as dt
import json
import os
import uuid

import pytest
import time_machine
from django.core.management import call_command
from django.utils import timezone

from verwerker.audit.events import EventType
from verwerker.audit.models import AuditEvent
from verwerker.lib.testing import pdf_text
from verwerker.retention.actions import do_issue_certificate
from verwerker.retention.certificates import (
    CertificateInvalid,
    canonical_json,
    render_certificate_pdf,
    verify_certificate_bytes,
)
from verwerker.retention.models import DeletionCertificate
from verwerker.retention.purge import run_purge
from verwerker.vault.actions import do_set_blob_records, do_shred_blobs, do_store_blob
from verwerker.vault.models import BlobPurpose

pytestmark = pytest.mark.django_db


@pytest.fixture
def purged(client_a, client_b, system_actor, django_capture_on_commit_callbacks):
    """Two expired blobs of client A and one of client B, purged; returns {client_pk: certificate}."""
    now = timezone.now()
    with time_machine.travel(now - dt.timedelta(days=40), tick=False):
        for client, n in ((client_a, 2), (client_b, 1)):
            for i in range(n):
                do_store_blob(
                    os.urandom(50 + i), client=client, purpose="upload", name=f"bestand-{i}.csv", actor=system_actor
                )
    with django_capture_on_commit_callbacks(execute=True):
        result = run_purge(actor=system_actor, now=now)
    assert len(result["certificates"]) == 2
    return {c.client_id: c for c in DeletionCertificate.objects.all()}


def test_a_purge_issues_one_certificate_per_client_with_what_when_why_and_how(purged, client_a):
    cert = purged[client_a.pk]
    body = json.loads(cert.body)
    assert body["controller"]["client_id"] == client_a.pk
    assert body["agreement_reference"] == "VO-A-1"
    assert body["reason"] == "retention_expired"
    assert {d["name"] for d in body["deleted"]} == {"bestand-0.csv", "bestand-1.csv"}
    assert all(len(d["sha256"]) == 64 and d["size"] in (50, 51) for d in body["deleted"])
    assert "NIST SP 800-88" in body["method"]["standard"] and "cryptography" in body["method"]["tool"]
    assert body["data_kept_by_legal_obligation"] is False
    assert body["totals"]["objects"] == 2 and body["totals"]["records"] is None
    event = AuditEvent.objects.get(action=EventType.CERTIFICATE_ISSUED, object_id=str(cert.pk))
    assert json.loads(event.details)["sha256"] == cert.sha256
    assert canonical_json(body).decode() == cert.body


def test_an_issued_certificate_verifies_and_an_altered_one_does_not(purged, client_a):
    cert = purged[client_a.pk]
    pretty = json.dumps(json.loads(cert.body), indent=2).encode()  # layout does not matter, content does
    assert verify_certificate_bytes(pretty)["certificate_id"] == str(cert.pk)

    altered = json.loads(cert.body)
    altered["deleted"][0]["name"] = "iets-anders.csv"
    with pytest.raises(CertificateInvalid, match="altered"):
        verify_certificate_bytes(json.dumps(altered).encode())
    unknown = {**json.loads(cert.body), "certificate_id": str(uuid.uuid4())}
    with pytest.raises(CertificateInvalid, match="unknown"):
        verify_certificate_bytes(json.dumps(unknown).encode())
    with pytest.raises(CertificateInvalid, match="not JSON"):
        verify_certificate_bytes(b"{certificate")
    with pytest.raises(CertificateInvalid, match="not a readable PDF"):
        verify_certificate_bytes(b"%PDF-1.7")


def test_the_verify_command_exits_1_for_an_altered_certificate(purged, client_a, tmp_path):
    cert = purged[client_a.pk]
    good = tmp_path / "good.json"
    good.write_text(cert.body)
    call_command("certificate", "verify", str(good))
    bad = tmp_path / "bad.json"
    bad.write_text(cert.body.replace('"retention_expired"', '"job_completed"'))
    with pytest.raises(SystemExit) as exit_info:
        call_command("certificate", "verify", str(bad))
    assert exit_info.value.code == 1


def test_the_pdf_carries_the_certificate(purged, client_a):
    cert = purged[client_a.pk]
    pdf = render_certificate_pdf(cert)
    assert pdf.startswith(b"%PDF")
    text = pdf_text(pdf)
    assert "Vernietigingsverklaring" in text and str(cert.pk) in text and "bestand-0.csv" in text


def test_record_counts_come_from_the_blob(client_a, system_actor, django_capture_on_commit_callbacks):
    blob = do_store_blob(b"a;b\n1;2\n", client=client_a, purpose=BlobPurpose.UPLOAD, name="f.csv", actor=system_actor)
    do_set_blob_records(blob.pk, 1)
    do_shred_blobs([blob.pk], actor=system_actor, reason="job_completed")
    cert = do_issue_certificate(client_a.pk, [blob.pk], reason="job_completed", actor=system_actor, subject="job 7")
    body = json.loads(cert.body)
    assert body["deleted"][0]["record_count"] == 1 and body["totals"]["records"] == 1
    with pytest.raises(ValueError, match="already"):
        do_issue_certificate(client_a.pk, [blob.pk], reason="job_completed", actor=system_actor)


def test_a_live_blob_cannot_be_certified(client_a, system_actor):
    blob = do_store_blob(b"still here", client=client_a, purpose=BlobPurpose.UPLOAD, actor=system_actor)
    with pytest.raises(ValueError, match="not deleted"):
        do_issue_certificate(client_a.pk, [blob.pk], reason="job_completed", actor=system_actor)


def test_a_client_user_sees_and_downloads_their_own_certificates(purged, client_a, client_b, user_a, login):
    web = login(user_a)
    mine, theirs = purged[client_a.pk], purged[client_b.pk]
    listing = web.get("/vernietigingsverklaringen/")
    assert listing.status_code == 200
    assert str(mine.pk) in listing.content.decode() and str(theirs.pk) not in listing.content.decode()
    response = web.get(f"/vernietigingsverklaringen/{mine.pk}/json/")
    assert response.status_code == 200 and response.content.decode() == mine.body
    assert web.get(f"/vernietigingsverklaringen/{mine.pk}/pdf/").content.startswith(b"%PDF")


def test_a_client_user_gets_404_for_another_clients_certificate(purged, client_b, user_a, login):
    web = login(user_a)
    theirs = purged[client_b.pk]
    for suffix in ("", "json/", "pdf/"):
        assert web.get(f"/vernietigingsverklaringen/{theirs.pk}/{suffix}").status_code == 404
    assert web.get(f"/vernietigingsverklaringen/{uuid.uuid4()}/").status_code == 404


def test_staff_see_certificates_only_with_the_permission(purged, client_a, login, make_staff):
    from verwerker.accounts.roles import Role

    cert = purged[client_a.pk]
    assert login(make_staff(Role.PRIVACY)).get(f"/vernietigingsverklaringen/{cert.pk}/").status_code == 200
    assert login(make_staff(Role.PRINT)).get(f"/vernietigingsverklaringen/{cert.pk}/").status_code == 404
