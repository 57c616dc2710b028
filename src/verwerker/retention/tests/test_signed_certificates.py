"""Signed certificates (P17): a PDF signed by the house (PAdES) that any PDF reader and
`verwerker certificate verify` check; an altered one fails."""

import io
import json
import os
import stat
from pathlib import Path

import pytest
from django.core.management import call_command

from verwerker.retention.certificates import CertificateInvalid, render_certificate_pdf, verify_certificate_bytes
from verwerker.vault.models import BlobPurpose, DeletionReason

pytestmark = pytest.mark.django_db


@pytest.fixture
def certificate(client_a, system_actor):
    from verwerker.retention.actions import do_issue_certificate
    from verwerker.vault.actions import do_shred_blobs, do_store_blob

    blob = do_store_blob(b"a;b\n", client=client_a, purpose=BlobPurpose.UPLOAD, name="bestand.csv", actor=system_actor)
    do_shred_blobs([blob.pk], actor=system_actor, reason=DeletionReason.RETENTION_EXPIRED)
    return do_issue_certificate(client_a.pk, [blob.pk], reason=DeletionReason.RETENTION_EXPIRED, actor=system_actor)


def test_the_pdf_is_signed_by_the_house_so_any_reader_can_check_it(certificate, settings):
    from pyhanko.pdf_utils.reader import PdfFileReader

    pdf = render_certificate_pdf(certificate)
    signatures = PdfFileReader(io.BytesIO(pdf)).embedded_signatures
    assert len(signatures) == 1 and signatures[0].sig_object["/SubFilter"] == "/ETSI.CAdES.detached"  # PAdES
    found = verify_certificate_bytes(pdf)
    assert found["certificate_id"] == str(certificate.pk) and settings.HOUSE_NAME in found["signed_by"]
    key = Path(settings.SIGNING_KEY_FILE)
    assert stat.S_IMODE(key.stat().st_mode) == 0o600 and Path(settings.SIGNING_CERT_FILE).exists()


def test_a_tampered_signed_pdf_fails_verify_with_exit_1(certificate, tmp_path):
    pdf = render_certificate_pdf(certificate)
    good = tmp_path / "good.pdf"
    good.write_bytes(pdf)
    call_command("certificate", "verify", str(good))

    at = pdf.index(b"Vernietigingsverklaring")  # in the document's metadata, inside the signed range
    altered = pdf[:at] + b"Vernietigingsverklarinh" + pdf[at + len(b"Vernietigingsverklaring"):]
    appended = pdf + b"\n% a line added after signing\n"
    for name, data in (("altered.pdf", altered), ("appended.pdf", appended)):
        path = tmp_path / name
        path.write_bytes(data)
        with pytest.raises(SystemExit) as exit_info:
            call_command("certificate", "verify", str(path))
        assert exit_info.value.code == 1, name
    with pytest.raises(CertificateInvalid, match="altered|changed"):
        verify_certificate_bytes(altered)


def test_a_pdf_signed_by_another_key_is_not_the_houses(certificate, settings, tmp_path):
    from verwerker.retention import signing

    pdf = render_certificate_pdf(certificate)
    settings.SIGNING_KEY_FILE, settings.SIGNING_CERT_FILE = tmp_path / "other.pem", tmp_path / "other-cert.pem"
    with pytest.raises(CertificateInvalid, match="not by this house's key"):
        verify_certificate_bytes(pdf)
    signing.ensure_signing_key()
    assert os.stat(tmp_path / "other.pem").st_mode & 0o077 == 0


def test_a_caller_can_name_a_file_no_row_points_at_any_more(client_a, system_actor):
    """A data file rewritten for a request no longer points at its old blob; whoever rewrote it knows
    the client's name for it, and the certificate uses that name and the request's outcome."""
    from verwerker.retention.actions import do_issue_certificate
    from verwerker.vault.actions import do_shred_blobs, do_store_blob

    old = do_store_blob(b"a;b\n", client=client_a, purpose=BlobPurpose.UPLOAD, name="upload-9", actor=system_actor)
    do_shred_blobs([old.pk], actor=system_actor, reason=DeletionReason.DATA_SUBJECT_REQUEST)
    cert = do_issue_certificate(client_a.pk, [old.pk], reason=DeletionReason.DATA_SUBJECT_REQUEST, actor=system_actor,
                                names={old.pk: "leden.csv (versie voor het verzoek)"})
    body = json.loads(cert.body)
    assert body["deleted"][0]["name"] == "leden.csv (versie voor het verzoek)"
    assert body["outcome"] == "gewist op verzoek van een betrokkene"
    assert body["deleted"][0]["reason_text"] == "een verzoek van een betrokkene, doorgegeven door de klant"


def test_signing_and_checking_work_inside_a_running_event_loop(db):
    """GIVEN a thread that runs an event loop (the SFTP server's, or a browser test's driver)
    WHEN a PDF is signed and its signature checked there
    THEN both work (pyHanko's own asyncio.run would refuse a running loop)."""
    import asyncio

    import pikepdf

    from verwerker.retention.signing import check_pdf_signature, ensure_signing_key, sign_pdf

    ensure_signing_key()
    blank = pikepdf.new()
    blank.add_blank_page()
    out = io.BytesIO()
    blank.save(out)
    unsigned = out.getvalue()

    async def inside():
        signed = sign_pdf(unsigned, reason="test")
        return check_pdf_signature(signed, source="test.pdf")

    assert asyncio.run(inside()).certificate_sha256
