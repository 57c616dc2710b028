"""Delivery to a print station's hot folder leaves no plaintext behind when it fails halfway (P14)."""

import pytest

from verwerker.production.actions.delivering import _write_files
from verwerker.production.models import PrintStation
from verwerker.vault.actions import do_shred_blobs, do_store_blob
from verwerker.vault.crypto import ShreddedError
from verwerker.vault.models import DeletionReason

pytestmark = pytest.mark.django_db


def test_a_delivery_that_fails_on_its_second_file_removes_the_first_and_the_partial_one(
    client_a, system_actor, tmp_path
):
    """GIVEN two print files, the second shredded before it could be written
    WHEN they are written into the hot folder
    THEN the write fails, and neither the first file nor a partial second one stays in the folder."""
    station = PrintStation.objects.create(name="Pers 9", hot_folder=str(tmp_path / "hot"))
    first = do_store_blob(b"%PDF-1.7 deel 1", client=client_a, purpose="print_output", name="p1", actor=system_actor)
    second = do_store_blob(b"%PDF-1.7 deel 2", client=client_a, purpose="print_output", name="p2", actor=system_actor)
    do_shred_blobs([second.pk], actor=system_actor, reason=DeletionReason.ATTEMPT_SUPERSEDED)
    with pytest.raises(ShreddedError):
        _write_files(station, [("job-1-001.pdf", first.pk), ("job-1-002.pdf", second.pk)])
    assert list((tmp_path / "hot").iterdir()) == []
