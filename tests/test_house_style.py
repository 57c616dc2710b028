"""House style (issue 17, point 10 and the OTP findings): styled Dutch error pages with a way back, a 500 page
that needs no database, titles that name the page, the TOTP key in groups of four, a throttled code that
is called a wait and not wrong, and a step's message that says what was done."""

from __future__ import annotations

import re

import pytest
from django.test import RequestFactory
from django.urls import reverse
from django.utils import translation
from django_otp.oath import totp

from verwerker.accounts.roles import Role


def _title(page: str) -> str:
    return re.search(r"<title>(.*?)</title>", page, re.S).group(1).strip()


@pytest.mark.django_db
def test_a_missing_page_is_a_dutch_page_of_the_house_with_a_way_home(login, make_staff):
    client = login(make_staff(Role.DATABASE))
    response = client.get("/werk/opdrachten/999999/")
    page = response.content.decode()
    assert response.status_code == 404
    assert "Pagina niet gevonden" in page and 'href="/"' in page and "verwerker.css" in page
    assert _title(page) == "Pagina niet gevonden · Verwerker"
    assert "Not Found" not in page


@pytest.mark.django_db
def test_a_forbidden_page_is_a_dutch_page_of_the_house_with_a_way_home(login, make_staff):
    client = login(make_staff(Role.PRINT))
    response = client.get(reverse("accounts:people"))
    page = response.content.decode()
    assert response.status_code == 403
    assert "Geen toegang" in page and 'href="/"' in page and "403 Forbidden" not in page


def test_the_server_error_page_is_dutch_and_needs_no_database():
    """No django_db mark: any query would fail the test."""
    from django.views.defaults import server_error

    request = RequestFactory().get("/werk/")
    with translation.override("nl"):
        response = server_error(request)
    page = response.content.decode()
    assert response.status_code == 500
    assert "Er ging iets mis" in page and 'href="/"' in page and _title(page) == "Er ging iets mis · Verwerker"


@pytest.mark.django_db
def test_titles_name_the_page_and_not_the_house_twice(login, make_staff):
    client = login(make_staff(Role.DATABASE))
    for url in ("/", reverse("production:jobs"), reverse("production:incoming"), reverse("clients:list")):
        title = _title(client.get(url).content.decode())
        page_part, _, house = title.rpartition(" · ")
        assert house == "Verwerker" and page_part and page_part != house, title


@pytest.mark.django_db
def test_totp_enrolment_shows_the_key_in_groups_of_four_and_not_the_uri(client, system_actor):
    import base64

    from django_otp.plugins.otp_totp.models import TOTPDevice

    from verwerker.accounts.actions import do_create_staff_user

    user, password = do_create_staff_user("nieuwkomer", roles=[Role.PRINT], actor=system_actor)
    client.post(reverse("accounts:login"), {"username": "nieuwkomer", "password": password})
    page = client.get(reverse("accounts:otp")).content.decode()
    device = TOTPDevice.objects.get(user=user, confirmed=False)
    secret = base64.b32encode(device.bin_key).decode().rstrip("=")
    shown = re.search(r"data-otp-secret>([^<]*)<", page).group(1)
    assert shown == " ".join(secret[i:i + 4] for i in range(0, len(secret), 4))
    assert "otpauth://" not in page


@pytest.mark.django_db
def test_after_the_throttle_the_right_code_is_called_a_wait_not_invalid(client, system_actor):
    """GIVEN a wrong code (django-otp then throttles the device) WHEN the right code follows at once
    THEN the page says to wait until a time, not that the code is wrong; after the wait it is accepted."""
    import datetime as dt

    import time_machine
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from verwerker.accounts.actions import do_create_staff_user

    user, password = do_create_staff_user("nieuwkomer", roles=[Role.PRINT], actor=system_actor)
    client.post(reverse("accounts:login"), {"username": "nieuwkomer", "password": password})
    client.get(reverse("accounts:otp"))
    device = TOTPDevice.objects.get(user=user, confirmed=False)

    def code():
        return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"

    wrong = "000000" if code() != "000000" else "111111"
    client.post(reverse("accounts:otp"), {"token": wrong})
    page = client.post(reverse("accounts:otp"), {"token": code()}).content.decode()
    assert "Wacht tot" in page and "niet geldig" not in page
    with time_machine.travel(dt.datetime.now(dt.UTC) + dt.timedelta(seconds=5), tick=True):
        response = client.post(reverse("accounts:otp"), {"token": code()})
    assert response.status_code == 302


@pytest.mark.django_db
def test_a_step_says_what_was_done(login, make_staff, client_a, settings, tmp_path):
    from verwerker.audit.actors import Actor
    from verwerker.datafiles.synthetic import address_csv
    from verwerker.production.actions import do_draft_job
    from verwerker.production.models import PrintStation, Template
    from verwerker.production.render import EXAMPLES
    from verwerker.testing import receive_file

    drafter = make_staff(Role.DATABASE, "db-opsteller")
    template = Template.objects.create(name="Brief", source=(EXAMPLES / "letter.typ").read_text())
    station = PrintStation.objects.create(name="Pers 1", hot_folder=str(tmp_path))
    job = do_draft_job(receive_file(client_a, "huurders.csv", address_csv(5)), name="Huurdersbrief", template=template,
                       user=drafter, actor=Actor.for_user(drafter), station=station)
    client = login(drafter)
    page = client.post(reverse("production:job_step", args=[job.pk, "release"]), follow=True).content.decode()
    assert f"Opdracht {job.pk} «Huurdersbrief» vrijgegeven." in page and "Gedaan" not in page


def test_the_password_validators_speak_dutch():
    from django.contrib.auth.password_validation import validate_password
    from django.core.exceptions import ValidationError

    with translation.override("nl"), pytest.raises(ValidationError) as refused:
        validate_password("kort1")
    assert refused.value.messages == ["Dit wachtwoord is te kort. Het moet minstens 12 tekens bevatten."]


@pytest.mark.django_db
def test_the_compliance_dashboard_stays_in_the_readers_language(login, make_staff):
    """Its cookie check asks the login page in the same thread; the page is still rendered in English."""
    client = login(make_staff(Role.PRIVACY))
    client.cookies["django_language"] = "en"
    page = client.get(reverse("privacy:dashboard")).content.decode()
    assert "Compliance dashboard" in page and "Nalevingsoverzicht" not in page


@pytest.mark.django_db
def test_the_django_admin_names_the_apps_in_dutch(login, make_staff):
    page = login(make_staff(Role.ADMIN)).get("/beheer/").content.decode()
    assert "Klanten en overeenkomsten" in page and "Clients and agreements" not in page
