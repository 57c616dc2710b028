"""Production decrypts client data only as audited reads with a purpose, one event per part rendered (P15)."""

import json
from collections import Counter

import pytest

from verwerker.audit.actors import Actor
from verwerker.audit.events import EventType
from verwerker.audit.models import AuditEvent
from verwerker.datafiles.synthetic import address_csv
from verwerker.production import engine
from verwerker.production.actions import do_deliver_job, do_release_job
from verwerker.production.models import OutputKind
from verwerker.production.tests.conftest import produce
from verwerker.testing import receive_file

pytestmark = pytest.mark.django_db


def test_a_produced_and_delivered_job_leaves_one_read_event_per_part_each_with_its_purpose(
    client_a, draft, staff, settings
):
    """GIVEN a file of 900 records rendered in parts of 400
    WHEN it is profiled, produced and delivered to the hot folder
    THEN every decryption is in the audit log with its purpose, each part's records are read once for
    that part (and once more where the proof shows one of them), and each print part once for delivery."""
    settings.JOB_PART_SIZE = 400
    data_file = receive_file(client_a, "adressen.csv", address_csv(900, seed=5))
    job = do_release_job(draft(data_file), user=staff.drafter, actor=Actor.for_user(staff.drafter))
    job = produce(job)
    job = do_deliver_job(job, actor=Actor.system("test"))
    reads = list(AuditEvent.objects.filter(action=EventType.BLOB_READ).order_by("seq"))
    purposes = Counter(json.loads(e.details)["purpose"] for e in reads)
    assert set(purposes) == {"profiling", "production", "delivery"}
    records = {o.index: str(o.blob_id) for o in job.outputs.filter(kind=OutputKind.RECORDS, attempt=job.attempt)}
    assert sorted(records) == list(range(1, job.parts_total + 1)) == [1, 2, 3]
    in_proof = {1} | {p // 400 + 1 for p in engine.proof_positions(job.records_out)}
    assert {i: sum(1 for e in reads if e.object_id == blob) for i, blob in records.items()} == {
        i: 1 + (i in in_proof) for i in records}
    assert purposes["delivery"] == job.parts_total
    assert purposes["profiling"] >= 1
    assert all(e.client_id == client_a.pk and e.object_type == "vault.blob" for e in reads)
