"""Browser tests drive Debian's Chromium through Playwright (nothing downloads a browser)."""

import os
import shutil

import pytest

CHROMIUM = os.environ.get("VERWERKER_TEST_CHROMIUM", "/usr/bin/chromium")
ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]


@pytest.fixture(scope="session")
def browser():
    if not shutil.which(CHROMIUM):
        # CI installs Chromium and sets VERWERKER_TEST_REQUIRE_BROWSER, so a missing browser fails there.
        if os.environ.get("VERWERKER_TEST_REQUIRE_BROWSER") == "true":
            pytest.fail(f"no Chromium at {CHROMIUM}")
        pytest.skip(f"no Chromium at {CHROMIUM} (apt-get install chromium)")
    sync_api = pytest.importorskip("playwright.sync_api")
    # Playwright's sync API runs an event loop; Django must allow ORM calls from the test beside it.
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        yield browser
        browser.close()


def _watch_policy(page, violations: list) -> None:
    """Collect what the Content-Security-Policy blocked on this page (Chromium reports it on the console)."""
    page.on("console", lambda m: violations.append(m.text) if "Content Security Policy" in m.text else None)


@pytest.fixture
def page(browser):
    context = browser.new_context(locale="nl-NL")
    page = context.new_page()
    page.set_default_timeout(15_000)
    violations = []
    _watch_policy(page, violations)
    yield page
    context.close()
    assert violations == [], "the Content-Security-Policy blocked something a page needs"


VIEWPORT = {"width": 1280, "height": 800}


@pytest.fixture
def new_page(browser, live_server):
    """Open a page in a browser context of its own (one per person); all are closed after the test."""
    contexts = []
    violations = []

    def new():
        context = browser.new_context(locale="nl-NL", viewport=VIEWPORT, base_url=live_server.url)
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(15_000)
        _watch_policy(page, violations)
        return page

    yield new
    for context in contexts:
        context.close()
    assert violations == [], "the Content-Security-Policy blocked something a page needs"


@pytest.fixture
def staff_page(new_page, live_server):
    """A browser whose session belongs to a staff user, second factor verified (as after a TOTP login;
    the login form and the second factor themselves are test_login.py's subject)."""

    def open_as(user):
        from django.conf import settings
        from django.test import Client
        from django_otp.plugins.otp_totp.models import TOTPDevice

        web = Client()
        web.force_login(user)
        device = TOTPDevice.objects.create(user=user, name="browser", confirmed=True)
        session = web.session
        session["otp_device_id"] = device.persistent_id
        session.save()
        page = new_page()
        page.context.add_cookies(
            [
                {
                    "name": settings.SESSION_COOKIE_NAME,
                    "value": session.session_key,
                    "url": live_server.url,
                    "httpOnly": True,
                }
            ]
        )
        return page

    return open_as


def confirm_dialog(page) -> None:
    """Answer "Ja, doorgaan" in the dialog that asks before an action that cannot be undone (test_confirm.py
    presses "Annuleren" there and checks nothing happened)."""
    page.locator("dialog#confirm-dialog [data-confirm-ok]").click()
