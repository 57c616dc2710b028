"""Web upload streams into the vault; client A never sees client B's uploads; officers lift bans."""

from pathlib import Path

from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from verwerker.audit.actors import Actor
from verwerker.audit.events import EventType
from verwerker.audit.models import AuditEvent
from verwerker.intake.models import Ban, Upload, UploadState
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


def _csrf_client(user):
    """A test client that enforces CSRF like a browser's server would, with the page's token in hand."""
    import re

    from django.test import Client

    web = Client(enforce_csrf_checks=True)
    web.force_login(user)
    page = web.get(reverse("intake:uploads")).content.decode()
    action = re.search(r'<form method="post" enctype="multipart/form-data" action="([^"]+)"', page).group(1)
    return web, action.replace("&amp;", "&")


def _nothing_stored():
    from verwerker.vault.models import Blob

    return not Upload.objects.exists() and not Blob.objects.exists()


def test_a_forged_upload_is_refused_before_a_byte_is_stored(user_a, client_a):
    """GIVEN a logged-in client user WHEN a POST arrives without the token outside the body, or from
    another site THEN it is refused with 403 and leaves no upload row and no blob (the vault handler
    never ran)."""
    web, action = _csrf_client(user_a)
    url = reverse("intake:uploads")
    token = web.cookies[settings.CSRF_COOKIE_NAME].value
    here = {"HTTP_ORIGIN": "http://testserver"}
    attempts = [
        web.post(url, {"file": SimpleUploadedFile("a.csv", b"a;b\n")}, **here),  # no token at all
        web.post(
            url, {"file": SimpleUploadedFile("a.csv", b"a;b\n"), "csrfmiddlewaretoken": token}, **here
        ),  # body only
        web.post(url + action, {"file": SimpleUploadedFile("a.csv", b"a;b\n")}, HTTP_ORIGIN="https://evil.example"),
        web.post(url + action, {"file": SimpleUploadedFile("a.csv", b"a;b\n")}),  # neither Origin nor Referer
        web.post(url + "?csrfmiddlewaretoken=" + "x" * 64, {"file": SimpleUploadedFile("a.csv", b"a;b\n")}, **here),
    ]
    assert [r.status_code for r in attempts] == [403] * 5
    assert _nothing_stored()


def test_the_upload_form_passes_the_early_check_with_its_token_in_the_query_string(user_a, client_a):
    web, action = _csrf_client(user_a)
    url = reverse("intake:uploads")
    for headers in ({"HTTP_ORIGIN": "http://testserver"}, {"HTTP_REFERER": "http://testserver" + url}):
        response = web.post(url + action, {"file": SimpleUploadedFile("a.csv", b"a;b\n")}, **headers)
        assert response.status_code == 302
    token = web.cookies[settings.CSRF_COOKIE_NAME].value
    header = web.post(url, {"file": SimpleUploadedFile("b.csv", b"a;b\n")}, HTTP_X_CSRFTOKEN=token,
                      HTTP_ORIGIN="http://testserver")
    assert header.status_code == 302
    assert Upload.objects.filter(client=client_a, state=UploadState.COMPLETED).count() == 3


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
