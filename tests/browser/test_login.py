"""A new staff member's first login, in a real browser: one-time password, second factor, own password."""

import re
from urllib.parse import parse_qs, urlparse

import pytest
from django_otp.oath import totp

from verwerker.accounts.roles import Role

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def _code_from_uri(uri: str) -> str:
    """The current code for an otpauth:// URI, or for the key as the enrolment page shows it (groups of four)."""
    import base64

    query = parse_qs(urlparse(uri).query) if uri.startswith("otpauth://") else {"secret": ["".join(uri.split())]}
    secret = query["secret"][0]
    key = base64.b32decode(secret + "=" * (-len(secret) % 8))
    return f"{totp(key, step=int(query.get('period', ['30'])[0]), digits=int(query.get('digits', ['6'])[0])):06d}"


def test_a_staff_member_enrols_a_second_factor_and_replaces_the_one_time_password(live_server, page, system_actor):
    """GIVEN a staff account just created with a one-time password
    WHEN its owner logs in through the browser, scans the enrolment code and chooses a password
    THEN they reach the staff home, in Dutch, with their role shown."""
    from verwerker.accounts.actions import do_create_staff_user

    do_create_staff_user("privacyofficer", roles=[Role.PRIVACY], actor=system_actor)
    _user, one_time = do_create_staff_user("po-tweede", roles=[Role.PRIVACY], actor=system_actor)

    page.goto(f"{live_server.url}/")
    page.fill("#id_username", "po-tweede")
    page.fill("#id_password", one_time)
    page.get_by_role("button", name="Aanmelden").click()

    page.wait_for_url(re.compile(r"/accounts/tweede-factor/"))
    assert page.locator("svg").count() >= 1  # the QR code
    secret = page.locator("[data-otp-secret]").text_content()
    assert re.fullmatch(r"[A-Z2-7]{4}( [A-Z2-7]{1,4})+", secret.strip()), secret  # the key in groups of four
    assert "otpauth" not in page.locator("main").inner_text()
    uri = secret
    page.fill("#id_token", _code_from_uri(uri))
    page.get_by_role("button", name="Bevestigen").click()

    page.wait_for_url(re.compile(r"/accounts/wachtwoord/"))
    page.fill("#id_old_password", one_time)
    page.fill("#id_new_password1", "Groene-Vouwmachine-2026")
    page.fill("#id_new_password2", "Groene-Vouwmachine-2026")
    page.get_by_role("button", name="Wachtwoord wijzigen").click()

    page.wait_for_url(f"{live_server.url}/")
    assert "Welkom, po-tweede" in page.content()
    page.get_by_role("link", name="Auditlog").click()
    assert page.locator("tr[data-seq]").count() > 0


def test_a_wrong_password_shows_an_error_and_logs_nobody_in(live_server, page, system_actor):
    from verwerker.accounts.actions import do_create_staff_user

    do_create_staff_user("drukker", roles=[Role.PRINT], actor=system_actor)
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", "drukker")
    page.fill("#id_password", "helemaal-niet-goed")
    page.get_by_role("button", name="Aanmelden").click()
    assert "/accounts/login/" in page.url
    assert page.locator(".errorlist").count() == 1


def test_the_language_chooser_works_under_the_content_security_policy(live_server, page):
    """The chooser's behaviour lives in a static script (no inline handler): picking English reloads the
    page in English, and the policy blocks nothing (the page fixture checks the console)."""
    page.goto(f"{live_server.url}/accounts/login/")
    assert "Aanmelden" in page.content()
    with page.expect_navigation():
        page.select_option("select[name=language]", "en")
    page.wait_for_selector("text=Log in")
    assert "Aanmelden" not in page.content()
