"""The house endpoints: staff service tokens with the screens' permissions; the P11 gate (a lapsed
confidentiality agreement) refuses client data through the API exactly as in the screens."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.utils import timezone

from verwerker.accounts.roles import Role
from verwerker.audit.events import EventType
from verwerker.audit.models import AuditEvent
from verwerker.datafiles.synthetic import address_csv
from verwerker.facilities.models import ConfidentialityAgreement
from verwerker.testing import receive_file

pytestmark = pytest.mark.django_db


def test_a_staff_member_whose_agreement_lapsed_is_refused_a_data_file_through_the_api_too(
    make_staff, client_a, api, token_for, system_actor
):
    """GIVEN a database-department member's token that opens a data file
    WHEN their confidentiality agreement has lapsed
    THEN the API refuses with the screens' Dutch message (problem+json 403), audited by the same check;
    WHEN a newly signed agreement is recorded THEN the file opens again."""
    from verwerker.facilities.actions import do_record_confidentiality_agreement

    worker = make_staff(Role.DATABASE, "dbmedewerker")
    data_file = receive_file(client_a, "leden.csv", address_csv(5))
    _row, secret = token_for(user=worker, roles=[Role.DATABASE])
    url = f"/api/v1/house/files/{data_file.pk}/"
    assert api(secret).get(url).json()["name"] == "leden.csv"

    ConfidentialityAgreement.objects.filter(user=worker).update(valid_until=timezone.localdate() - dt.timedelta(days=1))
    refused = api(secret).get(url, HTTP_ACCEPT_LANGUAGE="nl")
    assert refused.status_code == 403 and refused["Content-Type"] == "application/problem+json"
    assert (
        "geen geldige geheimhoudingsverklaring" in refused.json()["detail"]
        and "leden.csv" not in refused.content.decode()
    )
    assert api(secret).get("/api/v1/house/jobs/").status_code == 403
    event = AuditEvent.objects.filter(action=EventType.CONFIDENTIALITY_BLOCKED).last()
    assert event.object_id == str(worker.pk) and json.loads(event.details)["view"] == "api:house_file"
    english = api(secret).get(url, HTTP_ACCEPT_LANGUAGE="en")
    assert "no current confidentiality agreement" in english.json()["detail"]

    do_record_confidentiality_agreement(
        worker,
        version="2026-2",
        signed_on=timezone.localdate(),
        document=b"%PDF-1.7",
        document_name="getekend.pdf",
        actor=system_actor,
    )
    assert api(secret).get(url).status_code == 200


def test_house_endpoints_need_the_screens_permission(make_staff, api, token_for, client_a):
    printer = make_staff(Role.PRINT, "drukker")
    relation = make_staff(Role.RELATION, "relatie")
    _row, print_token = token_for(user=printer, roles=[Role.PRINT])
    _row, relation_token = token_for(user=relation, roles=[Role.RELATION])
    assert api(print_token).get("/api/v1/house/clients/").status_code == 403
    listed = api(relation_token).get("/api/v1/house/clients/").json()["results"]
    assert [c["name"] for c in listed] == [client_a.name]
    agreements = api(relation_token).get(f"/api/v1/house/agreements/?client={client_a.pk}").json()["results"]
    assert agreements[0]["reference"] == "VO-A-1" and agreements[0]["in_force"] is True
    assert api(relation_token).get("/api/v1/house/audit/").status_code == 403


def test_job_status_per_client_and_station_and_counts_per_day(
    make_staff, api, token_for, client_a, client_b, draft, staff, settings, station
):
    from verwerker.audit.actors import Actor
    from verwerker.production.actions import do_release_job
    from verwerker.production.tests.conftest import produce

    settings.JOB_PART_SIZE = 400
    job_a = produce(
        do_release_job(
            draft(receive_file(client_a, "a.csv", address_csv(20, seed=1))),
            user=staff.drafter,
            actor=Actor.for_user(staff.drafter),
        )
    )
    draft(receive_file(client_b, "b.csv", address_csv(7, seed=2)))
    _row, secret = token_for(user=staff.drafter, roles=[Role.DATABASE])
    jobs = api(secret).get(f"/api/v1/house/jobs/?client={client_a.pk}&station={station.pk}").json()["results"]
    assert [(j["id"], j["state"]) for j in jobs] == [(job_a.pk, "produced")]
    assert len(api(secret).get("/api/v1/house/jobs/").json()["results"]) == 2
    assert api(secret).get("/api/v1/house/jobs/?client=abc").status_code == 400
    counts = api(secret).get("/api/v1/house/counts/").json()
    today = timezone.localdate().isoformat()
    by_client = {(row["day"], row["client"]): row for row in counts}
    assert by_client[(today, client_a.pk)]["records_in"] == 20
    assert (
        by_client[(today, client_a.pk)]["letters_out"] == job_a.records_out
        and by_client[(today, client_a.pk)]["pages"] == job_a.pages
    )
    assert by_client[(today, client_b.pk)] == {
        "day": today,
        "client": client_b.pk,
        "records_in": 7,
        "letters_out": 0,
        "pages": 0,
        "rejects": 0,
    }
    assert api(secret).get("/api/v1/house/counts/?since=2020-01-01&until=2026-12-31").status_code == 400


def test_the_privacy_officer_exports_the_audit_trail_and_the_export_is_audited(make_staff, api, token_for, client_a):
    officer = make_staff(Role.PRIVACY, "po")
    _row, secret = token_for(user=officer, roles=[Role.PRIVACY])
    response = api(secret).get(f"/api/v1/house/audit/?client={client_a.pk}")
    assert response.status_code == 200
    document = json.loads(response.content)
    assert document["format"] == "verwerker-audit-export/1" and document["events"]
    assert AuditEvent.objects.filter(action=EventType.AUDIT_EXPORTED, actor_id=str(officer.pk)).exists()
    csv = api(secret).get("/api/v1/house/audit/?format=csv")
    assert csv.status_code == 200 and csv.content.split(b",")[0] in (b"seq", b"nummer")


def test_problems_speak_dutch_or_english_by_accept_language(api, token_for, client_a):
    _row, secret = token_for(client=client_a)
    nl = api(secret).get("/api/v1/files/999/", HTTP_ACCEPT_LANGUAGE="nl")
    en = api(secret).get("/api/v1/files/999/", HTTP_ACCEPT_LANGUAGE="en")
    assert nl.json()["title"] == "Niet gevonden" and en.json()["title"] == "Not found"
    assert api(secret).get("/api/v1/bestaat-niet/", HTTP_ACCEPT_LANGUAGE="nl").json()["status"] == 404


def test_a_hostile_json_body_is_bounded(api, token_for, client_a):
    _row, secret = token_for(client=client_a)
    huge = api(secret).post("/api/v1/webhooks/", "x" * (65 * 1024 + 1), content_type="application/json")
    assert huge.status_code == 413
    broken = api(secret).post("/api/v1/webhooks/", "{not json", content_type="application/json")
    assert broken.status_code == 400 and broken["Content-Type"] == "application/problem+json"
