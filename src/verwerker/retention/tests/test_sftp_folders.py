"""The SFTP folders are emptied monthly by their own purger (P18), and `verwerker purge` says only true things."""

import datetime as dt
import io

import pytest
import time_machine
from django.core.management import call_command
from django.utils import timezone

from verwerker.audit.actors import Actor
from verwerker.clients.models import Agreement
from verwerker.intake.actions import do_put_in_outbox
from verwerker.intake.streaming import UploadStream
from verwerker.retention.purge import load_purgers, run_purge
from verwerker.retention.rules import RecordClass
from verwerker.vault.models import BlobState

pytestmark = pytest.mark.django_db

ACTOR = Actor.system("test")


def test_the_files_in_the_sftp_folder_go_after_a_month_even_when_the_agreement_allows_longer(
    client_a, system_actor, django_capture_on_commit_callbacks
):
    """GIVEN a client whose agreement keeps data files 90 days, an upload and an outbox file 40 days old
    and an upload 10 days old
    WHEN the purge runs
    THEN the SFTP-folder purger shreds the two old files (a month is the folders' own schedule) and
    leaves the young one."""
    Agreement.objects.filter(client=client_a).update(max_retention_days=90)
    now = timezone.now()
    with time_machine.travel(now - dt.timedelta(days=40), tick=False):
        stream = UploadStream.start(client_a, channel="web", name="oud.csv", actor=ACTOR)
        stream.write(b"a;b\n")
        old_upload = stream.finish()
        old_outbox = do_put_in_outbox(client_a, "weigeringen-job-1-1.csv", b"row;reason\n", actor=ACTOR)
    with time_machine.travel(now - dt.timedelta(days=10), tick=False):
        stream = UploadStream.start(client_a, channel="web", name="nieuw.csv", actor=ACTOR)
        stream.write(b"a;b\n")
        young_upload = stream.finish()
    with django_capture_on_commit_callbacks(execute=True):
        result = run_purge(actor=system_actor, now=now)
    classes = {c["record_class"]: c for c in result["classes"]}
    assert classes["sftp_folders"]["managed"] and classes["sftp_folders"]["purged"] == 2
    assert classes["data_files"]["purged"] == 0  # 90 days allowed: only the folders' schedule took them
    for item, state in (
        (old_upload, BlobState.SHREDDED),
        (old_outbox, BlobState.SHREDDED),
        (young_upload, BlobState.STORED),
    ):
        item.blob.refresh_from_db()
        assert item.blob.state == state


def test_the_purge_command_reports_no_missing_purger_for_the_sftp_folders(client_a):
    assert RecordClass.SFTP_FOLDERS in load_purgers()
    out = io.StringIO()
    call_command("purge", stdout=out)
    lines = out.getvalue().splitlines()
    assert "sftp_folders: purged 0" in lines
    assert not [line for line in lines if line.startswith("sftp_folders") and "no purger" in line]
