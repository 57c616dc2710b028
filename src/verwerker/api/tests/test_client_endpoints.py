"""The client endpoints: a client's token sees its own client only, through the screens' scoping and
actions (audited as in the screens); uploads stream into the vault with the web upload's limits."""

from __future__ import annotations

import base64
import hashlib
import json

import pytest
from django.urls import reverse

from verwerker.api.tests.conftest import ACTOR, upload
from verwerker.audit.events import EventType
from verwerker.audit.models import AuditEvent
from verwerker.datafiles.synthetic import address_csv
from verwerker.intake.models import Upload, UploadState
from verwerker.production.workflow import JobState
from verwerker.testing import receive_file
from verwerker.vault.models import Blob, BlobState

pytestmark = pytest.mark.django_db


@pytest.fixture
def tokens(client_a, client_b, token_for):
    _row_a, a = token_for(client=client_a)
    _row_b, b = token_for(client=client_b)
    return {"a": a, "b": b}


def _register_and_profile(upload_id: int):
    from verwerker.datafiles.models import DataFile
    from verwerker.datafiles.tasks import profile_data_file
    from verwerker.intake.tasks import record_upload_received

    record_upload_received.call(upload_id)
    data_file = DataFile.objects.get(blob_id=Upload.objects.get(pk=upload_id).blob_id)
    profile_data_file.call(data_file.pk)
    data_file.refresh_from_db()
    return data_file


def test_an_upload_streams_into_the_vault_and_becomes_a_profiled_file(api, tokens, client_a):
    data = address_csv(40, seed=3)
    response = upload(api(tokens["a"]), data)
    assert response.status_code == 201, response.content
    body = response.json()
    stored = Upload.objects.get(pk=body["id"])
    assert stored.client_id == client_a.pk and stored.channel == "api" and stored.state == UploadState.COMPLETED
    assert stored.size == len(data) and stored.blob.sha256 == hashlib.sha256(data).hexdigest()
    assert AuditEvent.objects.filter(action=EventType.UPLOAD_COMPLETED, object_id=str(stored.pk)).exists()
    data_file = _register_and_profile(stored.pk)
    shown = api(tokens["a"]).get(f"/api/v1/files/{data_file.pk}/").json()
    assert shown["state"] == "profiled" and shown["profile"]["records"] == 40
    assert shown["name"] == "adressen.csv" and sum(shown["profile"]["kinds"].values()) == shown["profile"]["columns"]
    assert api(tokens["a"]).get(f"/api/v1/uploads/{stored.pk}/").json()["data_file"] == data_file.pk
    # no value of the file is in what the API shows
    assert data.split(b"\n")[1].split(b";")[0].decode() not in json.dumps(shown)


def test_an_upload_without_length_or_checksum_is_refused_before_a_byte_is_stored(api, tokens):
    client = api(tokens["a"])
    no_sum = client.post("/api/v1/uploads/a.csv", b"x;y\n", content_type="application/octet-stream")
    assert no_sum.status_code == 428 and no_sum["Content-Type"] == "application/problem+json"
    bad = upload(client, b"x;y\n", HTTP_CONTENT_SHA256="abc")
    assert bad.status_code == 400
    assert not Upload.objects.exists() and not Blob.objects.exists()


def test_a_checksum_mismatch_is_refused_and_shredded(api, tokens):
    data = address_csv(5)
    response = api(tokens["a"]).post(
        "/api/v1/uploads/a.csv",
        data,
        content_type="application/octet-stream",
        HTTP_CONTENT_SHA256=hashlib.sha256(b"other").hexdigest(),
    )
    assert response.status_code == 422 and response.json()["type"].endswith("checksum_mismatch")
    stored = Upload.objects.get()
    assert stored.state == UploadState.REFUSED and stored.reason == "checksum"
    assert stored.blob.state in (BlobState.SHREDDING, BlobState.SHREDDED)  # the file goes after commit


def test_the_digest_header_is_accepted_too(api, tokens):
    data = address_csv(5)
    digest = "sha-256=" + base64.b64encode(hashlib.sha256(data).digest()).decode()
    response = api(tokens["a"]).post(
        "/api/v1/uploads/a.csv", data, content_type="application/octet-stream", HTTP_DIGEST=digest
    )
    assert response.status_code == 201


def test_the_web_uploads_limits_apply(api, tokens, settings):
    settings.UPLOAD_MAX_MB = 1
    big = b"a;b\n" * (300 * 1024)  # 1.2 MiB
    response = upload(api(tokens["a"]), big)
    assert response.status_code == 413
    refused = upload(api(tokens["a"]), b"MZ", name="programma.exe")
    assert refused.status_code == 422
    assert Upload.objects.get(name="programma.exe").state == UploadState.REFUSED


def test_an_idempotency_key_makes_a_repeated_upload_answer_with_the_first(api, tokens):
    data = address_csv(5)
    first = upload(api(tokens["a"]), data, HTTP_IDEMPOTENCY_KEY="run-2026-12-03")
    again = upload(api(tokens["a"]), data, HTTP_IDEMPOTENCY_KEY="run-2026-12-03")
    assert first.status_code == 201 and again.status_code == 200 and first.json()["id"] == again.json()["id"]
    assert Upload.objects.count() == 1
    other = upload(api(tokens["a"]), address_csv(6), HTTP_IDEMPOTENCY_KEY="run-2026-12-03")
    assert other.status_code == 409


@pytest.fixture
def produced_job(client_a, draft, staff, settings):
    from verwerker.audit.actors import Actor
    from verwerker.production.actions import do_release_job
    from verwerker.production.tests.conftest import produce

    settings.JOB_PART_SIZE = 400
    job = draft(receive_file(client_a, "huurders.csv", address_csv(30, seed=5)), proof_required=True)
    job = do_release_job(job, user=staff.drafter, actor=Actor.for_user(staff.drafter))
    job = produce(job)
    assert job.state == JobState.PRODUCED, job.error
    return job


def test_the_client_downloads_and_approves_its_proof_as_in_the_screens(api, tokens, produced_job):
    client = api(tokens["a"])
    pdf = client.get(f"/api/v1/jobs/{produced_job.pk}/proof/")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    read = AuditEvent.objects.filter(action=EventType.BLOB_READ).latest("seq")
    assert json.loads(read.details)["purpose"] == "proof_download" and read.actor_id.startswith("api:")
    shown = client.get(f"/api/v1/jobs/{produced_job.pk}/").json()
    assert shown["state"] == "produced" and shown["records_in"] == 30
    approved = client.post(f"/api/v1/jobs/{produced_job.pk}/proof/approve/")
    assert approved.status_code == 200 and approved.json()["state"] == JobState.PROOF_APPROVED
    event = AuditEvent.objects.filter(action=EventType.JOB_PROOF_APPROVED).get()
    assert event.client_id == produced_job.client_id and event.actor_type == "client_user"
    again = client.post(f"/api/v1/jobs/{produced_job.pk}/proof/approve/")
    assert again.status_code == 409


def test_the_client_rejects_a_proof_with_a_reason_from_the_list(api, tokens, produced_job):
    client = api(tokens["a"])
    assert (
        client.post(f"/api/v1/jobs/{produced_job.pk}/proof/reject/", {"reason": "Jansen woont er niet"}).status_code
        == 400
    )
    rejected = client.post(f"/api/v1/jobs/{produced_job.pk}/proof/reject/", {"reason": "addresses"})
    assert rejected.status_code == 200 and rejected.json()["state"] == JobState.DRAFTED
    event = AuditEvent.objects.filter(action=EventType.JOB_PROOF_REJECTED).get()
    assert json.loads(event.details)["reason"] == "client:addresses"


def test_outbox_and_certificates_are_the_clients_own(api, tokens, client_a, client_b):
    from verwerker.intake.actions import do_put_in_outbox

    item = do_put_in_outbox(client_a, "weigeringen-job-1-deel.csv", b"reden;regel\n", actor=ACTOR)
    mine = api(tokens["a"])
    assert [r["id"] for r in mine.get("/api/v1/outbox/").json()["results"]] == [item.pk]
    assert [r["id"] for r in mine.get("/api/v1/reject-reports/").json()["results"]] == [item.pk]
    got = mine.get(f"/api/v1/outbox/{item.pk}/")
    assert got.status_code == 200 and got.content == b"reden;regel\n"
    assert AuditEvent.objects.filter(action=EventType.OUTBOX_DOWNLOADED, object_id=str(item.pk)).exists()
    theirs = api(tokens["b"])
    assert theirs.get("/api/v1/outbox/").json()["results"] == []
    assert theirs.get(f"/api/v1/outbox/{item.pk}/").status_code == 404


def test_a_printed_jobs_certificate_comes_as_json_and_as_a_signed_pdf(api, tokens, produced_job, staff, token_for):
    from verwerker.production.actions import do_approve_proof, do_deliver_job
    from verwerker.retention.certificates import verify_certificate_pdf

    job = do_approve_proof(produced_job, actor=ACTOR)
    job = do_deliver_job(job, actor=ACTOR)
    _row, printer = token_for(user=staff.printer, roles=["print"])
    printed = api(printer).post(f"/api/v1/house/jobs/{job.pk}/printed/", {"pieces": 30})
    assert printed.status_code == 200, printed.content
    cert_id = printed.json()["certificate"]
    listed = api(tokens["a"]).get("/api/v1/certificates/").json()["results"]
    assert [c["id"] for c in listed] == [cert_id]
    body = api(tokens["a"]).get(f"/api/v1/certificates/{cert_id}/")
    assert body.status_code == 200 and hashlib.sha256(body.content).hexdigest() == listed[0]["sha256"]
    pdf = api(tokens["a"]).get(f"/api/v1/certificates/{cert_id}/pdf/")
    assert verify_certificate_pdf(pdf.content)["certificate_id"] == cert_id
    assert api(tokens["b"]).get(f"/api/v1/certificates/{cert_id}/").status_code == 404
    assert api(tokens["b"]).get(f"/api/v1/certificates/{cert_id}/pdf/").status_code == 404


def test_data_subject_requests_come_only_from_the_designated_contacts_token(api, client_a, token_for):
    contact = client_a.contacts.get()
    _row, with_contact = token_for(client=client_a, contact=contact)
    _row, without = token_for(client=client_a)
    payload = {"kind": "access", "postcode": "1234AB", "house_number": "12"}
    refused = api(without).post("/api/v1/subject-requests/", payload)
    assert refused.status_code == 403
    logged = api(with_contact).post("/api/v1/subject-requests/", payload)
    assert logged.status_code == 201 and logged.json()["status"] == "open"
    from verwerker.privacy.models import DataSubjectRequest

    request = DataSubjectRequest.objects.get()
    assert request.from_contact_id == contact.pk and "1234AB" not in request.subject_mask
    assert api(with_contact).get("/api/v1/subject-requests/").json()["results"][0]["reference"] == request.reference


def _objects_of_a(client_a, produced_job):
    from verwerker.intake.actions import do_put_in_outbox

    item = do_put_in_outbox(client_a, "weigeringen-job-9-x.csv", b"x\n", actor=ACTOR)
    return {
        "upload": Upload.objects.get(blob_id=produced_job.data_file.blob_id).pk,
        "file": produced_job.data_file_id,
        "job": produced_job.pk,
        "item": item.pk,
    }


CROSS = [
    ("get", "/api/v1/uploads/{upload}/"),
    ("get", "/api/v1/files/{file}/"),
    ("get", "/api/v1/jobs/{job}/"),
    ("get", "/api/v1/jobs/{job}/proof/"),
    ("post", "/api/v1/jobs/{job}/proof/approve/"),
    ("post", "/api/v1/jobs/{job}/proof/reject/"),
    ("get", "/api/v1/outbox/{item}/"),
]


@pytest.mark.parametrize(("method", "path"), CROSS)
def test_another_clients_token_gets_the_same_404_as_for_nothing(api, tokens, client_a, produced_job, method, path):
    ids = _objects_of_a(client_a, produced_job)
    theirs = api(tokens["b"])
    url = path.format(**ids)
    response = theirs.get(url) if method == "get" else theirs.post(url, {"reason": "other"})
    assert response.status_code == 404 and response["Content-Type"] == "application/problem+json"
    missing = path.format(**{key: 999999 for key in ids})
    nothing = theirs.get(missing) if method == "get" else theirs.post(missing, {"reason": "other"})
    assert nothing.status_code == 404 and nothing.json()["title"] == response.json()["title"]
    produced_job.refresh_from_db()
    assert produced_job.state == JobState.PRODUCED


LISTS = [
    "/api/v1/uploads/",
    "/api/v1/files/",
    "/api/v1/jobs/",
    "/api/v1/outbox/",
    "/api/v1/reject-reports/",
    "/api/v1/certificates/",
    "/api/v1/subject-requests/",
    "/api/v1/webhooks/",
]


@pytest.mark.parametrize("path", LISTS)
def test_another_clients_lists_are_empty(api, tokens, client_a, produced_job, path):
    _objects_of_a(client_a, produced_job)
    mine = api(tokens["a"]).get(path)
    theirs = api(tokens["b"]).get(path)
    assert mine.status_code == theirs.status_code == 200
    assert theirs.json()["results"] == []


@pytest.mark.parametrize("path", [p for p in LISTS] + ["/api/v1/house/clients/"])
def test_no_token_gets_401_with_a_bearer_challenge(api, path):
    response = api(None).get(path)
    assert response.status_code == 401 and response["WWW-Authenticate"].startswith("Bearer")


def test_a_client_token_cannot_use_house_endpoints(api, tokens):
    for path in ("/api/v1/house/clients/", "/api/v1/house/jobs/", "/api/v1/house/counts/", "/api/v1/house/audit/"):
        assert api(tokens["a"]).get(path).status_code == 403


def test_the_screens_show_the_uploaded_file_to_staff_too(api, tokens, login, make_staff):
    response = upload(api(tokens["a"]), address_csv(5), name="via-api.csv")
    data_file = _register_and_profile(response.json()["id"])
    page = login(make_staff("database", "db-viewer")).get(reverse("production:data_file", args=[data_file.pk]))
    assert page.status_code == 200 and b"via-api.csv" in page.content
