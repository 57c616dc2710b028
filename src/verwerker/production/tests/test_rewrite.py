"""A client file rewritten on request (P07) after its job was produced: no copy of the old records survives.

Every output is decrypted and read (prepared records, print parts and proof as text, manifests, the
reject report) before and after, so the test fails if a single copy keeps the person.
"""

import io
import subprocess

import polars as pl
import pytest
from django.urls import reverse

from verwerker.audit.actors import Actor
from verwerker.audit.events import EventType
from verwerker.audit.models import AuditEvent
from verwerker.datafiles.synthetic import address_rows
from verwerker.lib.testing import require_tool
from verwerker.privacy.models import RequestKind
from verwerker.privacy.subject_requests import do_execute_subject_request, do_log_subject_request
from verwerker.privacy.subjects import Criteria
from verwerker.production.actions import do_deliver_job, do_release_job
from verwerker.production.models import Job, JobOutput
from verwerker.production.tests.conftest import produce
from verwerker.production.workflow import JobState
from verwerker.testing import receive_file
from verwerker.vault.actions import read_blob_bytes
from verwerker.vault.models import Blob, BlobState, ReadPurpose

READER = Actor.system("test reader")

pytestmark = pytest.mark.django_db

SURNAME, STREET = "Qwertyvelde", "Zonnebloemstraat"
PERSON = Criteria(postcode="1234ab", house_number="77", surname=SURNAME)


def _file_with_the_person(client):
    header, rows = address_rows(8, seed=3)
    rows.append(["Q.", "", SURNAME, STREET, "77", "1234 AB", "UTRECHT", "KQWERTY1"])
    body = ";".join(header) + "\r\n" + "".join(";".join(r) + "\r\n" for r in rows)
    return receive_file(client, "leden.csv", body.encode("utf-8"))


def _text(kind: str, data: bytes) -> str:
    if kind == "records":
        return pl.read_ipc(io.BytesIO(data)).cast(pl.String).write_csv()
    if data[:5] == b"%PDF-":
        return subprocess.run(["pdftotext", "-", "-"], input=data, capture_output=True, check=True).stdout.decode()
    return data.decode("utf-8-sig")


def _outputs(job) -> dict[str, str]:
    """Every output of the job the vault can still decrypt, as text: {"part 1": ..., "proof 0": ...}."""
    from verwerker.intake.models import OutboxFile

    texts = {}
    for output in JobOutput.objects.filter(job=job, blob__state=BlobState.STORED):
        texts[f"{output.kind} {output.index}"] = _text(
            output.kind, read_blob_bytes(output.blob_id, actor=READER, purpose=ReadPurpose.VERIFICATION)
        )
    for outbox in OutboxFile.objects.filter(
        name__startswith=f"weigeringen-job-{job.pk}-", blob__state=BlobState.STORED
    ):
        texts[outbox.name] = _text(
            "rejects", read_blob_bytes(outbox.blob_id, actor=READER, purpose=ReadPurpose.VERIFICATION)
        )
    return texts


def _request(client, kind):
    return do_log_subject_request(client, kind, PERSON, from_contact=client.contacts.get(is_designated=True),
                                  actor=Actor.system("test"))


def _produced(client, draft, staff, **options):
    job = draft(_file_with_the_person(client), **options)
    job = produce(do_release_job(job, user=staff.drafter, actor=Actor.for_user(staff.drafter)))
    assert job.state == JobState.PRODUCED, job.error
    return job


def test_an_erasure_after_production_leaves_no_trace_of_the_person_in_any_output(client_a, draft, staff, user_a, login):
    """GIVEN a produced job (waiting for proof approval) whose file holds the person
    WHEN the client's erasure request is executed
    THEN every output of the old attempt and the reject report are shredded and certified, the old proof
    cannot be downloaded, the job is back in production with its release kept, and the new attempt's
    outputs (decrypted and read) do not hold the person."""
    require_tool("pdftotext")
    job = _produced(client_a, draft, staff, proof_required=True)
    before = _outputs(job)
    assert {k.split()[0] for k, text in before.items() if SURNAME in text} >= {"records", "part", "proof"}
    old_blobs = [*JobOutput.objects.filter(job=job).values_list("blob_id", flat=True)]
    client = login(user_a)
    assert client.get(reverse("production:client_proof", args=[job.pk])).status_code == 200

    receipt = do_execute_subject_request(_request(client_a, RequestKind.ERASURE), actor=Actor.system("test"))

    job.refresh_from_db()
    assert job.state == JobState.RELEASED and job.released_at is not None
    assert not Blob.objects.filter(pk__in=old_blobs, wrapped_key__isnull=False).exists()
    assert not Blob.objects.filter(pk__in=old_blobs, certificate_item__isnull=True).exists()
    assert _outputs(job) == {}
    assert client.get(reverse("production:client_proof", args=[job.pk])).status_code == 404
    assert "1 record(s) verwijderd" in receipt and "opnieuw geproduceerd" in receipt
    assert AuditEvent.objects.filter(action=EventType.JOB_SENT_BACK_TO_PRODUCTION, object_id=str(job.pk)).exists()

    job = produce(job)
    assert job.state == JobState.PRODUCED and job.records_in == 8, job.error
    after = _outputs(job)
    assert {"records 1", "part 1", "proof 0"} <= set(after)
    assert [k for k, text in after.items() if SURNAME in text or STREET in text] == []
    assert client.get(reverse("production:client_proof", args=[job.pk])).status_code == 200


def test_a_rectification_after_production_replaces_the_old_value_in_every_output(client_a, draft, staff):
    require_tool("pdftotext")
    job = _produced(client_a, draft, staff, proof_required=True)
    assert any(STREET in text for text in _outputs(job).values())

    do_execute_subject_request(_request(client_a, RequestKind.RECTIFICATION), actor=Actor.system("test"),
                               corrections={"street": "Tulpenhof"})

    job = produce(Job.objects.get(pk=job.pk))
    after = _outputs(job)
    assert [k for k, text in after.items() if STREET in text] == []
    assert "Tulpenhof" in after["records 1"] and "Tulpenhof 77" in after["part 1"]


def test_a_job_delivered_before_the_erasure_is_flagged_on_its_page_and_on_the_receipt(client_a, draft, staff, login):
    """GIVEN a job delivered to a print station
    WHEN the person's records are erased
    THEN the job stays delivered, the copies the vault held are shredded, and its page and the
    request's receipt say when and where it went and that the printed pieces are outside the system."""
    job = _produced(client_a, draft, staff)
    job = do_deliver_job(job, actor=Actor.system("test"))
    assert job.state == JobState.DELIVERED

    receipt = do_execute_subject_request(_request(client_a, RequestKind.ERASURE), actor=Actor.system("test"))

    job.refresh_from_db()
    assert job.state == JobState.DELIVERED and len(job.rewritten_after_delivery) == 1
    assert _outputs(job) == {}
    when = job.delivered_at.astimezone().strftime("%d-%m-%Y")
    assert f"«{job.name}» is op {when}" in receipt and "geleverd aan drukpers Pers 1" in receipt
    assert "buiten het systeem" in receipt
    page = login(staff.drafter).get(reverse("production:job", args=[job.pk])).content.decode()
    assert "data-rewritten-after-delivery" in page and "Pers 1" in page and when in page
    assert AuditEvent.objects.filter(
        action=EventType.JOB_FLAGGED_DELIVERED_BEFORE_REWRITE, object_id=str(job.pk)
    ).exists()
