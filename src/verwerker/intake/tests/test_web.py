"""Web upload streams into the vault; client A never sees client B's uploads; officers lift bans."""

from pathlib import Path

from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from verwerker.audit.events import EventType
from verwerker.audit.models import AuditEvent
from verwerker.intake.models import Ban, Upload, UploadState
from verwerker.audit.actors import Actor
from verwerker.vault.models import ReadPurpose

READER = Actor.system("test reader")


def _post(client, name, data):
    return client.post(reverse("intake:uploads"), {"file": SimpleUploadedFile(name, data)}, follow=True)


def test_a_client_user_uploads_a_file_into_the_vault(login, user_a, client_a):
    from verwerker.vault.actions import read_blob_bytes

    web = login(user_a)
    data = b"naam;postcode\nWEB-MARKER-55;1234AB\n" * 2000
    page = _post(web, "leden.csv", data).content.decode()
    upload = Upload.objects.get(client=client_a)
    assert upload.state == UploadState.COMPLETED and upload.channel == "web" and upload.user == user_a
    assert read_blob_bytes(upload.blob, actor=READER, purpose=ReadPurpose.VERIFICATION) == data
    assert "leden.csv" in page
    assert AuditEvent.objects.filter(action=EventType.UPLOAD_COMPLETED, client_id=client_a.pk).exists()
    for path in Path(settings.DATA_DIR).rglob("*"):
        if path.is_file():
            assert b"WEB-MARKER-55" not in path.read_bytes(), path


def test_web_upload_refuses_a_disallowed_type(login, user_a, client_a):
    web = login(user_a)
    _post(web, "macro.xlsm", b"PK")
    upload = Upload.objects.get(client=client_a)
    assert upload.state == UploadState.REFUSED and upload.reason == "extension"


def test_web_upload_refuses_a_file_over_the_maximum(login, user_a, client_a, settings):
    settings.UPLOAD_MAX_MB = 1
    web = login(user_a)
    _post(web, "groot.csv", b"x" * (1024 * 1024 + 10))
    upload = Upload.objects.get(client=client_a)
    assert upload.state == UploadState.REFUSED and upload.reason == "too_large"
    assert upload.blob.wrapped_key is None


def test_the_upload_page_needs_a_csrf_token(user_a, client_a):
    from django.test import Client

    web = Client(enforce_csrf_checks=True)
    web.force_login(user_a)
    response = web.post(reverse("intake:uploads"), {"file": SimpleUploadedFile("a.csv", b"a;b\n")})
    assert response.status_code == 403


def test_client_a_cannot_see_client_bs_uploads(login, user_a, user_b, client_b):
    _post(login(user_b), "b.csv", b"a;b\n")
    upload_b = Upload.objects.get(client=client_b)
    web = login(user_a)
    assert web.get(reverse("intake:upload", args=[upload_b.pk])).status_code == 404
    assert "b.csv" not in web.get(reverse("intake:uploads")).content.decode()


def test_staff_cannot_upload_as_a_client(login, make_staff):
    web = login(make_staff("relation"))
    assert web.post(reverse("intake:uploads"), {"file": SimpleUploadedFile("a.csv", b"a")}).status_code == 404
    assert not Upload.objects.exists()


def test_a_privacy_officer_sees_and_lifts_bans_and_others_cannot(login, make_staff, settings):
    from verwerker.intake.actions import do_record_login_failure

    settings.SFTP_FAILURE_LIMIT = 1
    do_record_login_failure(address="198.51.100.4", account=None, method="password")
    ban = Ban.objects.get()
    assert login(make_staff("database")).get(reverse("intake:bans")).status_code == 403
    officer = login(make_staff("privacy"))
    assert "198.51.100.4" in officer.get(reverse("intake:bans")).content.decode()
    officer.post(reverse("intake:lift_ban", args=[ban.pk]))
    ban.refresh_from_db()
    assert ban.lifted_at is not None and ban.lifted_by == "staff-privacy"
