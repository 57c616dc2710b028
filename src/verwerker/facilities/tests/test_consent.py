"""The website's cookie banner (P08): its settings, its consent log, its services' countries, and
Verwerker's own cookies."""

import datetime as dt
import json

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.urls import reverse
from django.utils import timezone

from verwerker.accounts.roles import Role
from verwerker.audit.events import EventType
from verwerker.audit.models import AuditEvent
from verwerker.clients.actions import do_create_subprocessor
from verwerker.facilities import actions
from verwerker.facilities.compliance import cookies as p08
from verwerker.facilities.consent import BadChoice, parse_choice
from verwerker.facilities.models import ConsentCategory, ConsentRecord, ConsentService
from verwerker.privacy.compliance import State
from verwerker.retention.purge import run_purge

pytestmark = pytest.mark.django_db

KNOWN = {"necessary", "statistics", "marketing"}


def _choice(**overrides) -> bytes:
    data = {
        "consent_id": "3f1c2d9e-0b7a-4c1e-9a52-5d0e8f7a6b21",
        "action": "first",
        "accepted": ["necessary", "statistics"],
        "rejected": ["marketing"],
        "banner_version": "0123456789ab",
        "language": "nl",
        **overrides,
    }
    return json.dumps(data).encode()


def test_the_banner_settings_have_three_categories_in_dutch_and_english_and_only_necessary_on(client):
    data = json.loads(client.get("/site/cookies/config.json", HTTP_ORIGIN="https://www.drukkerij.example").content)
    options = data["options"]
    assert data["categories"] == ["necessary", "statistics", "marketing"]
    assert options["categories"]["necessary"] == {"enabled": True, "readOnly": True}
    assert options["categories"]["statistics"] == {"enabled": False, "readOnly": False}
    assert options["language"]["translations"]["nl"]["consentModal"]["acceptAllBtn"] == "Accepteren"
    assert options["language"]["translations"]["en"]["consentModal"]["acceptAllBtn"] == "Accept"
    assert data["library_js"].endswith("/static/facilities/vendor/cookieconsent/cookieconsent.umd.js")
    assert options["revision"] == int(data["version"][:7], 16) + 1


def test_the_banner_version_changes_when_what_it_shows_changes(client):
    before = json.loads(client.get("/site/cookies/config.json").content)["version"]
    ConsentCategory.objects.filter(key="statistics").update(description_nl="Anders verwoord.")
    after = json.loads(client.get("/site/cookies/config.json").content)["version"]
    assert before != after


def test_the_loader_is_served_as_javascript_and_the_settings_to_the_houses_site_only(client, settings):
    loader = client.get("/site/cookies.js")
    assert loader.status_code == 200 and loader["Content-Type"].startswith("text/javascript")
    assert b"CookieConsent.run" in loader.content and b"cdn" not in loader.content.lower()
    settings.CONSENT_SITE_ORIGINS = ["https://www.drukkerij.example"]
    ours = client.get("/site/cookies/config.json", HTTP_ORIGIN="https://www.drukkerij.example")
    other = client.get("/site/cookies/config.json", HTTP_ORIGIN="https://elders.example")
    assert ours["Access-Control-Allow-Origin"] == "https://www.drukkerij.example"
    assert "Access-Control-Allow-Origin" not in other
    assert (
        client.post(
            "/site/cookies/log", _choice(), content_type="text/plain", HTTP_ORIGIN="https://elders.example"
        ).status_code
        == 403
    )
    assert not ConsentRecord.objects.exists()


def test_a_choice_posted_by_the_banner_is_logged_without_the_visitors_address(client):
    response = client.post("/site/cookies/log", _choice(), content_type="text/plain", HTTP_ORIGIN="https://www.drukkerij.example",
                           REMOTE_ADDR="203.0.113.7")
    assert response.status_code == 204
    record = ConsentRecord.objects.get()
    assert (record.accepted, record.rejected, record.banner_version) == (
        ["necessary", "statistics"],
        ["marketing"],
        "0123456789ab",
    )
    stored = json.dumps([record.consent_id, record.accepted, record.rejected, record.banner_version, record.language])
    assert "203.0.113.7" not in stored


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        (b"{", "not JSON"),
        (_choice(consent_id="<script>"), "pseudonymous id"),
        (_choice(accepted=["tracking"]), "unknown categories"),
        (_choice(action="delete"), "unknown action"),
        (_choice(banner_version="v1"), "banner version"),
        (b"[" + b"1," * 5000 + b"1]", "too large"),
    ],
)
def test_a_malformed_choice_is_refused_with_a_one_line_reason(client, raw, reason):
    with pytest.raises(BadChoice, match=reason):
        parse_choice(raw, known=KNOWN)
    response = client.post("/site/cookies/log", raw, content_type="text/plain")
    assert response.status_code == 400 and reason in response.content.decode() and response.content.count(b"\n") == 1


def test_a_statistics_service_outside_the_eu_is_refused_and_an_eu_hosted_one_registered(client, system_actor):
    """GIVEN Google Analytics as a US party that receives no client files WHEN the house registers it for the
    website's statistics THEN it is refused as P22 refuses any other transfer, pointing to an EU-hosted service."""
    statistics = ConsentCategory.objects.get(key="statistics")
    google = do_create_subprocessor("Google Analytics", country="US", receives_personal_data=False, actor=system_actor)
    with pytest.raises(ValidationError, match="buiten de EU/EER.*in de EU gehoste"):
        actions.do_register_consent_service(
            statistics, name="Google Analytics 4", subprocessor=google, actor=system_actor
        )
    assert not ConsentService.objects.exists()
    assert AuditEvent.objects.filter(action=EventType.CONSENT_SERVICE_REFUSED, outcome="refused").exists()

    eu = do_create_subprocessor("Statistiek BV", country="NL", receives_personal_data=False, actor=system_actor)
    actions.do_register_consent_service(statistics, name="Matomo", subprocessor=eu, script_host="stats.example.nl",
                                        actor=system_actor)
    options = json.loads(client.get("/site/cookies/config.json").content)["options"]
    assert "Matomo (NL)" in json.dumps(options, ensure_ascii=False)
    assert p08().state == State.OK


def test_the_cookies_check_passes_on_verwerkers_own_screens_and_fails_when_a_response_sets_a_tracking_cookie(settings):
    finding = p08()
    assert finding.state == State.OK and settings.SESSION_COOKIE_NAME in finding.evidence
    settings.MIDDLEWARE = [*settings.MIDDLEWARE, "verwerker.facilities.tests.test_consent.TrackingCookieMiddleware"]
    finding = p08()
    assert finding.state == State.FAILING and "_ga" in finding.evidence


class TrackingCookieMiddleware:
    """What a careless change could add: an analytics cookie on every response (the failing case of P08)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request) -> HttpResponse:
        response = self.get_response(request)
        response.set_cookie("_ga", "GA1.1.123")
        return response


def test_a_service_outside_the_eu_recorded_behind_the_actions_back_fails_the_check(system_actor):
    from verwerker.clients.models import Subprocessor

    eu = do_create_subprocessor("Statistiek BV", country="NL", receives_personal_data=False, actor=system_actor)
    actions.do_register_consent_service(
        ConsentCategory.objects.get(key="marketing"), name="Adverteerder", subprocessor=eu, actor=system_actor
    )
    Subprocessor.objects.filter(pk=eu.pk).update(country="US")
    assert p08().state == State.FAILING


def test_the_consent_log_is_kept_two_years_then_purged_with_an_event(client, system_actor):
    client.post("/site/cookies/log", _choice(), content_type="text/plain")
    with time_machine.travel(timezone.now() + dt.timedelta(days=700), tick=False):
        run_purge(actor=system_actor)
        assert ConsentRecord.objects.count() == 1
    with time_machine.travel(timezone.now() + dt.timedelta(days=731), tick=False):
        report = run_purge(actor=system_actor)
    assert not ConsentRecord.objects.exists()
    assert next(c for c in report["classes"] if c["record_class"] == "consent_log")["purged"] == 1
    assert AuditEvent.objects.filter(action=EventType.CONSENT_LOG_PURGED).exists()


def test_the_consent_screen_shows_the_embed_tag_to_the_privacy_officer_only(login, make_staff):
    assert login(make_staff(Role.DATABASE)).get(reverse("facilities:consent")).status_code == 404
    page = login(make_staff(Role.PRIVACY)).get(reverse("facilities:consent")).content.decode()
    assert "/site/cookies.js" in page and 'data-category="statistics"' in page
