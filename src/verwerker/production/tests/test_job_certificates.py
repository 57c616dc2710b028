"""Certificates a client can file (P17), for jobs: the client's own names, reasons and outcome in Dutch words, local
time to the minute, and a PDF signed by the house that any reader and `verwerker certificate verify` check."""

import ast
import json
import re
from pathlib import Path

import pytest

from verwerker.audit.actors import Actor
from verwerker.datafiles.synthetic import address_csv
from verwerker.lib.testing import pdf_text
from verwerker.production.actions import do_cancel_job, do_reject_proof, do_release_job
from verwerker.production.tests.conftest import produce
from verwerker.retention.certificates import render_certificate_pdf
from verwerker.vault.models import Blob, DeletionReason

pytestmark = pytest.mark.django_db

ACTOR = Actor.system("test")
MINUTE = re.compile(r"^\d\d-\d\d-\d{4} \d\d:\d\d$")  # the house's one format (verwerker/formats)


def _upload(client, name: str, data: bytes):
    """Take a file in through the real intake stream (its vault blob gets a generated name) and profile it."""
    from verwerker.datafiles.models import DataFile
    from verwerker.datafiles.tasks import profile_data_file
    from verwerker.intake.streaming import UploadStream
    from verwerker.intake.tasks import record_upload_received

    stream = UploadStream.start(client, channel="web", name=name, actor=ACTOR)
    stream.write(data)
    upload = stream.finish()
    record_upload_received.call(upload.pk)
    data_file = DataFile.objects.get(blob_id=upload.blob_id)
    profile_data_file.call(data_file.pk)
    data_file.refresh_from_db()
    return data_file


def _produced_job(client, draft, staff, settings, name="Voorjaarsmailing", **options):
    settings.JOB_PART_SIZE = 400
    data_file = _upload(client, "leden-voorjaar.csv", address_csv(500, seed=11))
    job = draft(data_file, **options)
    job.name = name
    job.save(update_fields=["name"])
    job = do_release_job(job, user=staff.drafter, actor=Actor.for_user(staff.drafter))
    job = produce(job)
    assert job.state == "produced", job.error
    return job


def test_a_cancelled_jobs_certificate_says_cancelled_and_names_what_the_client_sent_and_got(
    client_a, draft, staff, settings
):
    """GIVEN a produced job of two print parts from the client's file «leden-voorjaar.csv»
    WHEN the job is cancelled before delivery
    THEN its certificate gives the reason and outcome as cancelled (in Dutch), names the file as the
    client sent it and the outputs in words, and gives local times to the minute."""
    job = _produced_job(client_a, draft, staff, settings)
    job = do_cancel_job(job, actor=ACTOR)
    body = json.loads(job.certificate.body)
    assert body["reason"] == "job_cancelled" and body["reason_text"] == "de opdracht is geannuleerd"
    assert body["outcome"] == "geannuleerd; er is niets gedrukt"
    assert body["subject"] == "opdracht «Voorjaarsmailing»"
    names = {d["name"] for d in body["deleted"]}
    assert "leden-voorjaar.csv" in names
    assert {"drukbestand deel 1 van opdracht «Voorjaarsmailing»", "drukbestand deel 2 van opdracht «Voorjaarsmailing»",
            "weigeringenrapport van opdracht «Voorjaarsmailing»"} <= names
    assert not [n for n in names if n.startswith(("upload-", "job-"))], names
    assert MINUTE.match(body["issued_at"]) and all(MINUTE.match(d["deleted_at"]) for d in body["deleted"])
    assert all(d["reason_text"] == "de opdracht is geannuleerd" for d in body["deleted"])
    text = pdf_text(render_certificate_pdf(job.certificate))
    assert "geannuleerd" in text and "leden-voorjaar.csv" in text and "completed" not in text


def test_a_printed_jobs_certificate_says_printed(client_a, draft, staff, settings):
    from verwerker.production.actions import do_confirm_printed, do_deliver_job

    job = _produced_job(client_a, draft, staff, settings)
    job = do_deliver_job(job, actor=ACTOR)
    job = do_confirm_printed(job, user=staff.printer, actor=Actor.for_user(staff.printer))
    body = json.loads(job.certificate.body)
    assert body["reason"] == "job_completed" and body["outcome"].startswith("gedrukt (bevestigd ")
    assert "Pers 1" in body["outcome"]


def test_a_rejected_proof_and_a_superseded_run_are_shredded_for_their_own_reasons(client_a, draft, staff, settings):
    """GIVEN a job whose first production run was replaced by a second, and whose proof was rejected
    THEN the first run's outputs were shredded as superseded, the second's as a rejected proof, and the
    certificate says so per file when the job is closed."""
    from verwerker.production.actions import do_fail_production, do_retry_production
    from verwerker.production.models import Job, JobOutput
    from verwerker.production.tasks import produce_job

    settings.JOB_PART_SIZE = 400
    job = draft(_upload(client_a, "leden.csv", address_csv(500, seed=12)), proof_required=True)
    job = do_release_job(job, user=staff.drafter, actor=Actor.for_user(staff.drafter))
    produce_job.call(job.pk)  # the first run fails after preparing, and is retried
    first = list(JobOutput.objects.filter(job=job, attempt=1).values_list("blob_id", flat=True))
    job = do_fail_production(Job.objects.get(pk=job.pk), error="synthetic failure", actor=ACTOR)
    job = do_retry_production(job, actor=Actor.for_user(staff.drafter))
    job = produce(job)
    second = list(JobOutput.objects.filter(job=job, attempt=2).values_list("blob_id", flat=True))
    assert first and second
    job = do_reject_proof(job, actor=ACTOR, reason="client")
    reasons = dict(Blob.objects.filter(pk__in=first + second).values_list("pk", "shred_reason"))
    assert {reasons[b] for b in first} == {DeletionReason.ATTEMPT_SUPERSEDED}
    assert {reasons[b] for b in second} == {DeletionReason.PROOF_REJECTED}
    job = do_cancel_job(job, actor=ACTOR)
    items = {d["blob_id"]: d for d in json.loads(job.certificate.body)["deleted"]}
    assert (
        items[str(first[0])]["reason_text"] == "uitvoer van een eerdere productieronde, vervangen door een nieuwe ronde"
    )
    assert items[str(second[0])]["reason_text"] == "de klant heeft de proef afgekeurd"
    assert "(productieronde 1)" in items[str(first[0])]["name"]


def test_there_is_one_list_of_deletion_reasons_and_every_shred_names_one_of_them():
    from verwerker.retention import models as retention_models
    from verwerker.retention import purge
    from verwerker.vault.actions import do_shred_blobs

    assert retention_models.DeletionReason is DeletionReason
    assert not hasattr(purge, "Reason")
    with pytest.raises(ValueError, match="unknown deletion reason"):
        do_shred_blobs([], actor=ACTOR, reason="job_done")
    root = Path(__file__).resolve().parents[2]
    literals = []
    for path in root.rglob("*.py"):
        if "/tests/" in str(path):
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            name = getattr(node, "func", None)
            name = getattr(name, "id", getattr(name, "attr", None)) if name is not None else None
            if isinstance(node, ast.Call) and name in ("do_shred_blobs", "do_shred_blob", "do_issue_certificate"):
                for kw in node.keywords:
                    if (
                        kw.arg == "reason"
                        and isinstance(kw.value, ast.Constant)
                        and kw.value.value not in DeletionReason.values
                    ):
                        literals.append(f"{path.relative_to(root)}:{node.lineno} {kw.value.value!r}")
    assert literals == []
