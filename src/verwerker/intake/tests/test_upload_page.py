"""The upload page's script sends one file per request and reads a JSON answer; the page shows the limit
and the room left before anything is sent."""

import re

from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from verwerker.intake.models import Upload, UploadState

XHR = {"HTTP_X_REQUESTED_WITH": "XMLHttpRequest", "HTTP_ORIGIN": "http://testserver"}


def _browser(user):
    """A client that enforces CSRF as the server does for a browser, with the page's token."""
    web = Client(enforce_csrf_checks=True)
    web.force_login(user)
    page = web.get(reverse("intake:uploads")).content.decode()
    token = re.search(r'data-csrf="([^"]+)"', page).group(1)
    return web, token, page


def test_the_script_gets_a_json_answer_naming_the_file_for_each_upload(user_a, client_a):
    web, token, _page = _browser(user_a)
    url = reverse("intake:uploads")
    ok = web.post(url, {"file": SimpleUploadedFile("leden.csv", b"naam;postcode\nA;1234 AB\n")},
                  HTTP_X_CSRFTOKEN=token, **XHR)
    assert ok.status_code == 201
    assert ok.json()["ok"] is True and ok.json()["name"] == "leden.csv" and "leden.csv" in ok.json()["message"]
    refused = web.post(url, {"file": SimpleUploadedFile("macro.xlsm", b"PK")}, HTTP_X_CSRFTOKEN=token, **XHR)
    assert refused.status_code == 422
    answer = refused.json()
    assert answer["ok"] is False and answer["name"] == "macro.xlsm" and answer["message"].startswith("macro.xlsm")
    assert Upload.objects.get(client=client_a, name="leden.csv").state == UploadState.COMPLETED
    # No messages are left behind for the next page: the script showed them already.
    assert b'class="messages"' not in web.get(url).content.replace(b'class="messages upload-queue"', b"")


def test_a_scripted_upload_without_the_token_is_refused_before_a_byte_is_stored(user_a, client_a):
    web, _token, _page = _browser(user_a)
    response = web.post(reverse("intake:uploads"), {"file": SimpleUploadedFile("a.csv", b"a;b\n")}, **XHR)
    assert response.status_code == 403
    assert not Upload.objects.exists()


def test_the_page_shows_the_limit_and_the_room_left_before_the_upload(user_a, client_a, settings):
    settings.UPLOAD_QUOTA_MB = 1
    web, token, page = _browser(user_a)
    assert f'data-max-bytes="{settings.UPLOAD_MAX_MB * 1024 * 1024}"' in page
    assert 'data-quota-left="1048576"' in page
    web.post(reverse("intake:uploads"), {"file": SimpleUploadedFile("a.csv", b"x;y\n" * 1000)},
             HTTP_X_CSRFTOKEN=token, **XHR)
    page = web.get(reverse("intake:uploads")).content.decode()
    assert f'data-quota-left="{1048576 - 4000}"' in page


def test_several_files_in_one_plain_form_post_each_get_their_line(login, user_a, client_a):
    web = login(user_a)
    response = web.post(reverse("intake:uploads"), {"file": [SimpleUploadedFile("een.csv", b"a;b\n"),
                                                             SimpleUploadedFile("twee.csv", b"a;b\n")]}, follow=True)
    shown = [str(m) for m in response.context["messages"]]
    assert len(shown) == 2 and "een.csv" in shown[0] and "twee.csv" in shown[1]
    assert set(Upload.objects.filter(client=client_a).values_list("name", flat=True)) == {"een.csv", "twee.csv"}
    assert settings.CSRF_HEADER_NAME == "HTTP_X_CSRFTOKEN"  # the header the script sets
