"""Prepared records are stored one blob per part, so a part's task reads and holds only its part (issue 23:
memory stays flat with the job's size); the proof and a reprint read only the parts that hold their
records; an attempt prepared with one blob of all its records (before this) still renders the same."""

import polars as pl
import pytest

from verwerker.audit.actors import Actor
from verwerker.datafiles.synthetic import address_csv
from verwerker.production import engine
from verwerker.production.actions import do_deliver_job, do_deliver_reprint, do_record_spoilage, do_release_job
from verwerker.production.actions.producing import _store, records_at
from verwerker.production.models import Job, JobOutput, OutputKind
from verwerker.production.tasks import finish_job_production, produce_job, render_job_part
from verwerker.production.tests.conftest import produce
from verwerker.testing import receive_file
from verwerker.vault.actions import do_shred_blobs, read_blob_bytes
from verwerker.vault.models import DeletionReason, ReadPurpose

pytestmark = pytest.mark.django_db
READER = Actor.system("test")


def _records(output: JobOutput):
    return engine.read_records(read_blob_bytes(output.blob_id, actor=READER, purpose=ReadPurpose.VERIFICATION))


def _manifest(job: Job) -> bytes:
    output = JobOutput.objects.get(job=job, attempt=job.attempt, kind=OutputKind.MANIFEST)
    return read_blob_bytes(output.blob_id, actor=READER, purpose=ReadPurpose.VERIFICATION)


def _job(client_a, draft, staff, seed: int = 5):
    data_file = receive_file(client_a, f"adressen-{seed}.csv", address_csv(900, seed=seed))
    return do_release_job(draft(data_file), user=staff.drafter, actor=Actor.for_user(staff.drafter))


def test_each_part_has_its_own_records_blob_and_a_reprint_reads_only_the_parts_it_needs(
    client_a, draft, staff, settings
):
    """GIVEN 900 records in parts of 400
    WHEN the job is produced, and pieces spoiled in the first and the last part are reprinted
    THEN part i's records blob holds exactly the records of part i, in postal order, and the reprint
    holds exactly the spoiled records, with the pages the manifest gives them."""
    settings.JOB_PART_SIZE = 400
    job = produce(_job(client_a, draft, staff))
    outputs = JobOutput.objects.filter(job=job, attempt=job.attempt, kind=OutputKind.RECORDS).order_by("index")
    parts = [_records(o) for o in outputs]
    assert [o.index for o in outputs] == [1, 2, 3] and job.parts_total == 3
    assert [p.height for p in parts] == [400, 400, job.records_out - 800]
    for index, part in enumerate(parts, start=1):
        last = min(index * 400, job.records_out)
        assert part.get_column("_seq").to_list() == list(range((index - 1) * 400 + 1, last + 1))

    assert records_at(job, job.attempt, [850, 4, 850, job.records_out + 5], actor=READER).get_column(
        "_seq").to_list() == [5, 851]
    assert records_at(job, job.attempt, [], actor=READER).height == 0
    beyond = records_at(job, job.attempt, [job.records_out + 1, job.records_out + 400], actor=READER)
    assert beyond.height == 0 and beyond.columns == parts[0].columns

    job = do_deliver_job(job, actor=Actor.system("delivery"))
    job = do_record_spoilage(job, ranges="5, 850-852", user=staff.printer, actor=Actor.for_user(staff.printer))
    assert do_deliver_reprint(job.pk, 1, actor=Actor.system("delivery")) is True
    reprint = JobOutput.objects.get(job=job, kind=OutputKind.REPRINT, index=1)
    rows = {int(line.split(";")[0]): int(line.split(";")[4])
            for line in _manifest(job).decode("utf-8-sig").splitlines()[1:]}
    assert reprint.pages == sum(rows[s] for s in (5, 850, 851, 852))


def test_an_attempt_prepared_with_one_records_blob_renders_the_same_parts_and_proof(
    client_a, draft, staff, settings
):
    """GIVEN an attempt whose records were stored as one blob at index 0 (as before records were stored
    per part), and the same file produced the current way
    WHEN its parts are rendered and it is finished
    THEN its manifest is byte for byte the other's and its proof shows the same records."""
    settings.JOB_PART_SIZE = 400
    current = produce(_job(client_a, draft, staff))

    job = _job(client_a, draft, staff)
    assert produce_job.call(job.pk) == 3
    job = Job.objects.get(pk=job.pk)
    per_part = list(JobOutput.objects.filter(job=job, attempt=job.attempt, kind=OutputKind.RECORDS).order_by("index"))
    whole = pl.concat([_records(o) for o in per_part])
    legacy = _store(job, OutputKind.RECORDS, 0, engine.records_ipc(whole), attempt=job.attempt, actor=READER)
    legacy.save()
    JobOutput.objects.filter(pk__in=[o.pk for o in per_part]).delete()
    do_shred_blobs([o.blob_id for o in per_part], actor=READER, reason=DeletionReason.ATTEMPT_SUPERSEDED)
    for index in (1, 2, 3):
        assert render_job_part.call(job.pk, job.attempt, index) is True
    assert finish_job_production.call(job.pk, job.attempt) is True
    job = Job.objects.get(pk=job.pk)
    assert job.pages == current.pages and _manifest(job) == _manifest(current)
    positions = engine.proof_positions(job.records_out)
    assert records_at(job, job.attempt, positions, actor=READER).get_column("_seq").to_list() == [
        p + 1 for p in positions]
    proofs = [JobOutput.objects.get(job=j, attempt=j.attempt, kind=OutputKind.PROOF) for j in (job, current)]
    assert proofs[0].pages == proofs[1].pages


def test_a_certificate_names_each_part_of_the_prepared_records(client_a, draft, staff, settings):
    """A deletion certificate lists each part's records blob by its own name, in Dutch."""
    from django.utils import translation

    from verwerker.production.queries import client_names_of_blobs

    settings.JOB_PART_SIZE = 400
    job = produce(_job(client_a, draft, staff))
    outputs = JobOutput.objects.filter(job=job, attempt=job.attempt, kind=OutputKind.RECORDS).order_by("index")
    with translation.override("nl"):
        names = client_names_of_blobs([o.blob_id for o in outputs])
    assert [names[o.blob_id] for o in outputs] == [
        f"voorbereide adresgegevens deel {i} van opdracht «Mailing»" for i in (1, 2, 3)]


def test_a_job_whose_every_record_is_rejected_is_produced_without_parts_or_proof(client_a, draft, staff):
    """GIVEN a file in which no record has an address
    WHEN it is produced
    THEN the attempt is prepared with one empty records blob, no part and no proof, and the job is produced."""
    rows = address_csv(5, seed=3).decode("utf-8").splitlines()
    header = rows[0].split(";")
    blank = [header.index("Straat"), header.index("Huisnummer"), header.index("Postcode")]
    lines = [rows[0]] + [";".join("" if i in blank else v for i, v in enumerate(r.split(";"))) for r in rows[1:]]
    data_file = receive_file(client_a, "zonder-adres.csv", ("\n".join(lines) + "\n").encode("utf-8"))
    job = produce(do_release_job(draft(data_file), user=staff.drafter, actor=Actor.for_user(staff.drafter)))
    assert (job.state, job.parts_total, job.records_out, job.rejects) == ("produced", 0, 0, 5)
    records = JobOutput.objects.filter(job=job, attempt=job.attempt, kind=OutputKind.RECORDS)
    assert [o.index for o in records] == [0] and _records(records[0]).height == 0
    assert not JobOutput.objects.filter(job=job, kind__in=[OutputKind.PART, OutputKind.PROOF]).exists()
