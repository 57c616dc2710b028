"""Tokens: shown once, stored as a hash, revocable, expiring, bound to networks; the CLI and the
relation manager's screen issue them; every refusal of a known token is audited."""

from __future__ import annotations

import datetime as dt
import io
import json

import pytest
import time_machine
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from verwerker.api.models import ApiToken
from verwerker.api.tokens import hash_token, sign, verify_signature
from verwerker.audit.events import EventType
from verwerker.audit.models import AuditEvent

pytestmark = pytest.mark.django_db


def _cli(*args) -> str:
    out = io.StringIO()
    call_command("api-token", *args, stdout=out)
    return out.getvalue()


def test_the_cli_creates_a_client_token_shown_once_and_stored_as_a_hash(client_a, api):
    made = json.loads(_cli("create", "--client", str(client_a.pk), "--expires", "30", "--json"))
    row = ApiToken.objects.get(pk=made["id"])
    assert row.token_hash == hash_token(made["token"]) and made["token"] not in json.dumps(
        list(ApiToken.objects.values()), default=str
    )
    assert (row.expires_at - timezone.now()).days in (29, 30)
    assert made["token"] not in _cli("list", "--json") and f"vw_{row.prefix}" in _cli("list")
    assert api(made["token"]).get("/api/v1/whoami/").json()["client"] == client_a.pk
    event = AuditEvent.objects.get(action=EventType.API_TOKEN_CREATED)
    assert made["token"] not in event.details


def test_a_revoked_token_gets_401_at_once_and_the_refusal_is_audited(client_a, api):
    made = json.loads(_cli("create", "--client", str(client_a.pk), "--json"))
    assert api(made["token"]).get("/api/v1/files/").status_code == 200
    assert "revoked" in _cli("revoke", made["prefix"])
    response = api(made["token"]).get("/api/v1/files/")
    assert response.status_code == 401 and response["Content-Type"] == "application/problem+json"
    refused = AuditEvent.objects.get(action=EventType.API_TOKEN_REFUSED)
    assert json.loads(refused.details)["reason"] == "revoked" and refused.client_id == client_a.pk
    for _ in range(5):  # retries with the dead token are refused, but audited once a minute, not each time
        assert api(made["token"]).get("/api/v1/files/").status_code == 401
    assert AuditEvent.objects.filter(action=EventType.API_TOKEN_REFUSED).count() == 1


def test_an_expired_token_gets_401(client_a, api, token_for):
    _row, secret = token_for(client=client_a, expires_days=1)
    with time_machine.travel(timezone.now() + dt.timedelta(days=1, minutes=1)):
        response = api(secret).get("/api/v1/jobs/")
    assert response.status_code == 401
    assert json.loads(AuditEvent.objects.get(action=EventType.API_TOKEN_REFUSED).details)["reason"] == "expired"


def test_a_token_bound_to_networks_is_refused_elsewhere(client_a, api, token_for):
    _row, inside = token_for(client=client_a, networks="127.0.0.0/8")
    _row, outside = token_for(client=client_a, networks="192.0.2.0/24")
    assert api(inside).get("/api/v1/jobs/").status_code == 200
    assert api(outside).get("/api/v1/jobs/").status_code == 401


def test_a_forged_or_malformed_token_gets_401_without_an_audit_write(client_a, api, token_for):
    row, secret = token_for(client=client_a)
    before = AuditEvent.objects.count()
    forged = secret[:-4] + ("AAAA" if not secret.endswith("AAAA") else "BBBB")
    for bad in (forged, "vw_nothing", "x" * 5000):
        assert api(bad).get("/api/v1/jobs/").status_code == 401
    assert AuditEvent.objects.count() == before


def test_a_staff_token_holds_only_roles_its_member_has(make_staff, client_a):
    printer = make_staff("print", "drukker")
    with pytest.raises(CommandError, match="heeft de rol"):
        _cli("create", "--user", "drukker", "--role", "privacy")
    with pytest.raises(CommandError, match="minstens één rol nodig"):
        _cli("create", "--user", "drukker")
    with pytest.raises(CommandError, match="van een klant"):
        _cli("create", "--user", "drukker", "--client", str(client_a.pk), "--role", "print")
    made = json.loads(_cli("create", "--user", "drukker", "--role", "print", "--json"))
    assert made["kind"] == "staff" and made["roles"] == ["print"] and printer.api_tokens.count() == 1


def test_a_staff_token_of_a_deactivated_member_stops_working(make_staff, api, token_for):
    from verwerker.accounts.actions import do_deactivate_user
    from verwerker.api.tests.conftest import ACTOR

    relation = make_staff("relation", "rm")
    make_staff("admin", "admin2")
    _row, secret = token_for(user=relation, roles=["relation"])
    assert api(secret).get("/api/v1/house/clients/").status_code == 200
    do_deactivate_user(relation, actor=ACTOR)
    assert api(secret).get("/api/v1/house/clients/").status_code == 401


def test_the_relation_manager_issues_and_revokes_a_client_token_on_the_clients_page(login, make_staff, client_a, api):
    relation = make_staff("relation", "rm")
    web = login(relation)
    page = web.get(f"/klanten/{client_a.pk}/")
    assert b'id="api"' in page.content
    contact = client_a.contacts.get()
    shown = web.post(f"/api-beheer/klant/{client_a.pk}/token/", {"contact": contact.pk, "days": "30", "label": "ERP"})
    assert shown.status_code == 200 and shown["Cache-Control"] == "no-store"
    secret = shown.content.decode().split("data-api-token>")[1].split("<")[0]
    row = ApiToken.objects.get(client=client_a)
    assert row.contact_id == contact.pk and row.token_hash == hash_token(secret)
    assert api(secret).get("/api/v1/whoami/").status_code == 200
    assert web.get(f"/klanten/{client_a.pk}/").content.count(secret.encode()) == 0
    web.post(f"/api-beheer/token/{row.pk}/intrekken/")
    assert api(secret).get("/api/v1/whoami/").status_code == 401
    assert AuditEvent.objects.filter(action=EventType.API_TOKEN_REVOKED, actor_id=str(relation.pk)).exists()


def test_a_client_user_or_print_operator_cannot_issue_tokens(login, make_staff, client_a, user_a):
    assert login(user_a).post(f"/api-beheer/klant/{client_a.pk}/token/").status_code in (403, 404)
    assert login(make_staff("print", "p")).post(f"/api-beheer/klant/{client_a.pk}/token/").status_code == 403
    assert not ApiToken.objects.exists()


def test_the_rate_limit_is_per_token(client_a, client_b, api, token_for, settings):
    settings.API_RATE = "3/min"
    _row, a = token_for(client=client_a)
    _row, b = token_for(client=client_b)
    codes = [api(a).get("/api/v1/jobs/").status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]
    assert api(b).get("/api/v1/jobs/").status_code == 200


def test_a_webhook_signature_checks_out_only_for_the_same_body_secret_and_recent_time():
    header = sign("geheim", 1_700_000_000, b'{"a":1}')
    assert verify_signature("geheim", header, b'{"a":1}', now=1_700_000_010)
    assert not verify_signature("geheim", header, b'{"a":2}', now=1_700_000_010)
    assert not verify_signature("anders", header, b'{"a":1}', now=1_700_000_010)
    assert not verify_signature("geheim", header, b'{"a":1}', now=1_700_000_000 + 3600)
