"""Data files: registered from intake, profiled from the vault in memory, overrides kept with the file."""

import json

import pytest
from django.utils import timezone

from verwerker.audit.actors import Actor
from verwerker.audit.events import EventType
from verwerker.audit.models import AuditEvent
from verwerker.datafiles.models import DataFile, DataFileState, Risk
from verwerker.datafiles.synthetic import address_csv
from verwerker.testing import receive_file

pytestmark = pytest.mark.django_db


def test_a_completed_upload_becomes_a_profiled_data_file_with_counts_only(client_a):
    data = address_csv(40, minors=3, seed=4)
    data_file = receive_file(client_a, "leden.csv", data)
    assert data_file.state == DataFileState.PROFILED
    assert data_file.record_count == 40
    assert data_file.minors == 3
    assert data_file.risk == Risk.HIGH  # a birth-date column is not NAW
    assert data_file.column_kinds["Postcode"] == "postcode"
    assert data_file.agreement.client_id == client_a.pk
    # No cell value of the file is stored or audited: only counts, kinds and masked examples.
    stored = json.dumps(data_file.profile) + "".join(
        AuditEvent.objects.filter(client_id=client_a.pk).values_list("details", flat=True)
    )
    for line in data.decode().splitlines()[1:]:
        surname, postcode = line.split(";")[2], line.split(";")[5]
        assert postcode not in stored
        assert f'"{surname}"' not in stored
    assert AuditEvent.objects.filter(action=EventType.DATAFILE_PROFILED, client_id=client_a.pk).count() == 1


def test_an_unreadable_file_gets_its_one_line_reason(client_a):
    data_file = receive_file(client_a, "kapot.csv", b"%PDF-1.7 not a table\n")
    assert data_file.state == DataFileState.UNREADABLE
    assert "\n" not in data_file.reason
    assert "PDF" in data_file.reason
    assert "Traceback" not in data_file.reason


def test_profiling_twice_does_nothing_the_second_time(client_a):
    from verwerker.datafiles.actions import do_profile_data_file

    data_file = receive_file(client_a, "a.csv", address_csv(10))
    do_profile_data_file(data_file.pk, actor=Actor.system("test"))
    assert AuditEvent.objects.filter(action=EventType.DATAFILE_PROFILED, object_id=str(data_file.pk)).count() == 1


def test_an_override_is_kept_with_the_file_and_changes_the_risk(client_a, make_staff):
    from verwerker.datafiles.actions import do_override_column_kind

    data_file = receive_file(client_a, "a.csv", address_csv(10, with_birth_date=True))
    assert data_file.risk == Risk.HIGH
    staff = make_staff("database")
    data_file = do_override_column_kind(data_file, "Geboortedatum", "other", actor=Actor.for_user(staff))
    assert data_file.overrides == {"Geboortedatum": "other"}
    assert data_file.column_kinds["Geboortedatum"] == "other"
    with pytest.raises(ValueError, match="not a column kind"):
        do_override_column_kind(data_file, "Postcode", "shoe_size", actor=Actor.for_user(staff))


def test_a_file_without_an_agreement_in_force_is_refused(client_a):
    from verwerker.clients.models import AgreementStatus
    from verwerker.datafiles.actions import DataFileRefused, do_register_data_file

    data_file = receive_file(client_a, "a.csv", address_csv(5), profile=False)
    blob = data_file.blob
    DataFile.objects.filter(pk=data_file.pk).delete()
    client_a.agreements.update(status=AgreementStatus.ENDED)
    with pytest.raises(DataFileRefused, match="P09"):
        do_register_data_file(blob, name="a.csv", received_at=timezone.now(), actor=Actor.system("test"))
    assert AuditEvent.objects.filter(action=EventType.DATAFILE_REFUSED).exists()


def test_the_deletion_certificate_counts_the_records_of_a_profiled_file(client_a):
    from verwerker.retention.actions import do_issue_certificate
    from verwerker.vault.actions import do_shred_blobs

    data_file = receive_file(client_a, "a.csv", address_csv(25))
    do_shred_blobs([data_file.blob_id], actor=Actor.system("test"), reason="job_completed")
    cert = do_issue_certificate(client_a.pk, [data_file.blob_id], reason="job_completed", actor=Actor.system("test"))
    body = json.loads(cert.body)
    assert body["deleted"][0]["record_count"] == 25
    assert body["totals"]["records"] == 25


def test_a_file_is_purged_when_its_blob_is_shredded_and_the_purger_reduces_it_in_the_same_step(client_a):

    from verwerker.datafiles.purge import DataFilePurger

    data_file = receive_file(client_a, "a.csv", address_csv(5))
    assert not data_file.is_purged and data_file in DataFile.objects.held()
    assert DataFilePurger().purge_chunk([data_file.blob_id], actor=Actor.system("test")) == 1
    data_file = DataFile.objects.select_related("blob").get(pk=data_file.pk)
    assert data_file.is_purged and data_file.purged_at is not None
    assert list(DataFile.objects.purged()) == [data_file] and not DataFile.objects.held().exists()
    assert data_file.state == DataFileState.PROFILED and data_file.profile["reduced"] is True


def test_the_data_file_purgers_recovery_reduces_a_file_whose_blob_was_shredded_elsewhere(client_a):

    from verwerker.datafiles.purge import DataFilePurger
    from verwerker.vault.actions import do_shred_blobs

    data_file = receive_file(client_a, "a.csv", address_csv(5))
    do_shred_blobs([data_file.blob_id], actor=Actor.system("test"), reason="retention_expired")
    assert "reduced" not in DataFile.objects.get(pk=data_file.pk).profile
    found = DataFilePurger().recover(timezone.now(), actor=Actor.system("test"))
    assert found["data_files_reduced"] == 1
    assert DataFile.objects.get(pk=data_file.pk).profile["reduced"] is True
    assert DataFilePurger().recover(timezone.now(), actor=Actor.system("test"))["data_files_reduced"] == 0
