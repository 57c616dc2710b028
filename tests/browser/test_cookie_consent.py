"""The house's public website with Verwerker's cookie banner, in a real browser (P08).

A static page, served on loopback by a server of its own, embeds the one script tag Verwerker serves and a
statistics script blocked until consent. The statistics host is a stand-in server on 127.0.0.1 that
records every request it gets, so "no tracking before consent" is measured where it would happen.
"""

import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from playwright.sync_api import expect

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


class _Recorder(BaseHTTPRequestHandler):
    """Serves one body for every GET and records the paths asked for."""

    body = b""
    content_type = "text/html; charset=utf-8"
    seen: list

    def do_GET(self):  # noqa: N802 (http.server's name)
        self.seen.append(self.path)
        self.send_response(200)
        self.send_header("Content-Type", self.content_type)
        self.send_header("Cache-Control", "no-store")
        self.send_header("Content-Length", str(len(self.body)))
        self.end_headers()
        self.wfile.write(self.body)

    def log_message(self, *args):
        pass


def _serve(body: bytes, content_type: str):
    handler = type("Handler", (_Recorder,), {"body": body, "content_type": content_type, "seen": []})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, handler.seen


@pytest.fixture
def stats_host():
    server, seen = _serve(b"window.statisticsLoaded = (window.statisticsLoaded || 0) + 1;", "text/javascript")
    yield f"http://127.0.0.1:{server.server_address[1]}", seen
    server.shutdown()


@pytest.fixture
def house_site(live_server, stats_host):
    # A transactional test runs on a flushed database: put back the categories the data migration seeds.
    import importlib

    from django.apps import apps

    importlib.import_module("verwerker.facilities.migrations.0002_seed_consent_categories").seed(apps, None)
    stats_url, _seen = stats_host
    page = (
        '<!doctype html><html lang="nl"><head><meta charset="utf-8"><title>Drukkerij Voorbeeld</title>'
        f'<script src="{live_server.url}/site/cookies.js" defer></script>'
        f'<script type="text/plain" data-category="statistics" src="{stats_url}/stats.js"></script>'
        "</head><body><h1>Welkom bij de drukkerij</h1></body></html>"
    ).encode()
    server, _ = _serve(page, "text/html; charset=utf-8")
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()


def _settle(seconds: float = 1.0) -> None:
    time.sleep(seconds)


def _wait_for(condition, seconds: float = 30.0) -> None:
    """The consent log is written by the live server's thread: wait for it (a loaded machine is slow)."""
    deadline = time.monotonic() + seconds
    while not condition() and time.monotonic() < deadline:
        time.sleep(0.1)


def test_statistics_load_only_after_accepting_and_no_longer_after_withdrawal_and_each_choice_is_logged(
    page, house_site, stats_host
):
    """GIVEN the house's page with the banner and a blocked statistics script on a stand-in host
    WHEN a visitor arrives THEN the banner shows in Dutch and nothing reaches the statistics host;
    WHEN they click "Accepteren" THEN the statistics script loads and the consent is in the log;
    WHEN they withdraw through "Cookie-instellingen" → "Weigeren" and come back THEN it no longer loads,
    and the withdrawal is in the log too, under the same pseudonymous id."""
    from verwerker.facilities.models import ConsentRecord
    from verwerker.facilities.queries import banner_settings

    _stats_url, seen = stats_host
    page.goto(house_site)
    banner = page.locator("#cc-main .cm")
    expect(banner).to_be_visible()
    expect(banner).to_contain_text("Cookies op deze website")
    _settle()
    assert seen == [] and page.evaluate("window.statisticsLoaded || 0") == 0

    banner.get_by_role("button", name="Accepteren").click()
    expect(banner).to_be_hidden()
    page.wait_for_function("window.statisticsLoaded === 1", timeout=30_000)
    _wait_for(lambda: ConsentRecord.objects.exists())
    assert seen == ["/stats.js"]
    first = ConsentRecord.objects.get()
    assert first.action == "first" and "statistics" in first.accepted and "marketing" in first.accepted
    assert first.banner_version == banner_settings()["version"] and first.rejected == []

    page.locator("a[data-verwerker-consent=settings]").click()
    preferences = page.locator("#cc-main .pm")
    expect(preferences).to_be_visible()
    preferences.get_by_role("button", name="Weigeren").click()
    _wait_for(lambda: ConsentRecord.objects.count() == 2)
    withdrawal = ConsentRecord.objects.order_by("recorded_at").last()
    assert withdrawal.action == "change" and withdrawal.consent_id == first.consent_id
    assert withdrawal.accepted == ["necessary"] and set(withdrawal.rejected) == {"statistics", "marketing"}

    seen.clear()
    page.reload()
    expect(page.locator("a[data-verwerker-consent=settings]")).to_be_visible()
    expect(page.locator("#cc-main .cm")).to_have_count(0)  # the choice is remembered: no banner again
    _settle()
    assert seen == [] and page.evaluate("window.statisticsLoaded || 0") == 0
