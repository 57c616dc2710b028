"""A walk per role in Chromium at 1280 px, in Dutch and in English (issue 17): each role's home and the
screen of its daily work, with the menu on one line, in the chosen language. Screenshots go to
docs/screenshots/rol-<role>-<page>-<language>.png (overwritten each run)."""

from __future__ import annotations

from pathlib import Path

import pytest

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"

# role -> (its daily screen, a word that screen shows in Dutch, the same in English)
DAILY = {
    "database": ("/werk/bestanden/", "Binnengekomen bestanden", "Incoming files"),
    "print": ("/werk/drukkerij/", "Drukwachtrij", "Print queue"),
    "relation": ("/klanten/", "Klanten", "Clients"),
    "privacy": ("/privacy/", "Nalevingsoverzicht", "Compliance dashboard"),
    "admin": ("/accounts/mensen/", "Mensen", "People"),
    "client": ("/werk/mijn/", "Mijn bestanden en opdrachten", "My files and jobs"),
}


@pytest.fixture
def people(client_a, user_a, make_staff):
    from verwerker.datafiles.synthetic import address_csv
    from verwerker.testing import receive_file

    receive_file(client_a, "huurders-voorjaar.csv", address_csv(8))
    staff = {role: make_staff(role, f"{role}-medewerker") for role in DAILY if role != "client"}
    return {**staff, "client": user_a}


def _open_as(new_page, live_server, user):
    from django.conf import settings
    from django.test import Client
    from django_otp.plugins.otp_totp.models import TOTPDevice

    web = Client()
    web.force_login(user)
    if user.is_staff:
        device = TOTPDevice.objects.create(user=user, name="browser", confirmed=True)
        session = web.session
        session["otp_device_id"] = device.persistent_id
        session.save()
    page = new_page()
    page.context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": web.session.session_key,
                               "url": live_server.url, "httpOnly": True}])
    return page


def _menu_rows(page) -> int:
    """How many rows the header's items take (1 when the menu fits on one line): items whose vertical
    centres lie more than 20 px apart are on different rows."""
    centres = page.evaluate("""() => [...document.querySelectorAll(
            'header nav > a, header nav > details > summary, header > a.brand, header > form, header > span')]
        .filter(e => e.offsetParent !== null)
        .map(e => { const r = e.getBoundingClientRect(); return r.top + r.height / 2; })""")
    rows = []
    for centre in sorted(centres):
        if not rows or centre - rows[-1] > 20:
            rows.append(centre)
    return len(rows)


@pytest.mark.parametrize("role", list(DAILY))
def test_each_role_walks_its_daily_screen_in_dutch_and_in_english(new_page, live_server, people, role):
    page = _open_as(new_page, live_server, people[role])
    url, dutch, english = DAILY[role]
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for language, word, logout in (("nl", dutch, "Afmelden"), ("en", english, "Log out")):
        if language == "en":
            with page.expect_navigation():
                page.select_option("select[name=language]", "en")
        page.goto("/")
        assert page.get_by_role("button", name=logout).is_visible()
        page.screenshot(path=str(SCREENSHOTS / f"rol-{role}-start-{language}.png"))
        assert _menu_rows(page) == 1, f"the {role} menu wraps at 1280 px"
        page.goto(url)
        assert word in page.locator("main").inner_text()
        assert _menu_rows(page) == 1
        title = page.title()
        assert title.endswith(" · Verwerker") and title != "Verwerker · Verwerker", title
        page.screenshot(path=str(SCREENSHOTS / f"rol-{role}-werk-{language}.png"), full_page=True)
