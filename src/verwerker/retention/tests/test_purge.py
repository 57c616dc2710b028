"""The retention purge in-process: what it deletes, what it leaves, what it finishes, what it records."""

import datetime as dt
import io
import json
import os
import uuid

import pytest
import time_machine
from django.core.management import call_command
from django.utils import timezone

from verwerker.audit.events import EventType
from verwerker.audit.models import AuditEvent
from verwerker.clients.models import Agreement
from verwerker.retention.actions import do_place_hold, do_release_hold
from verwerker.retention.purge import run_purge
from verwerker.vault import storage
from verwerker.vault.actions import LIVE_STATES, do_shred_blobs, do_store_blob, open_blob_writer
from verwerker.vault.models import Blob, BlobPurpose, BlobState

pytestmark = pytest.mark.django_db


@pytest.fixture
def purge(django_capture_on_commit_callbacks, system_actor):
    """Run the purge with after-commit work executed, as it is outside a test transaction."""

    def run(**kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return run_purge(actor=system_actor, **kwargs)

    return run


def _blob_aged(client, days, actor, now):
    with time_machine.travel(now - dt.timedelta(days=days), tick=False):
        return do_store_blob(os.urandom(64), client=client, purpose="upload", name=f"{days}d.csv", actor=actor)


def test_nothing_older_than_its_retention_survives_a_purge(client_a, client_b, system_actor, purge):
    """GIVEN client A on the default 31 days and client B whose agreement says 10 days, with blobs of many ages
    WHEN the purge runs
    THEN every blob older than its client's limit is shredded and its file gone, and every younger one is intact."""
    Agreement.objects.filter(client=client_b).update(max_retention_days=10)
    now = timezone.now()
    ages = [1, 9, 11, 30, 32, 60]
    blobs = {(c.pk, d): _blob_aged(c, d, system_actor, now) for c in (client_a, client_b) for d in ages}

    result = purge(now=now)

    limits = {client_a.pk: 31, client_b.pk: 10}
    for (client_id, days), blob in blobs.items():
        blob.refresh_from_db()
        if days > limits[client_id]:
            assert blob.state == BlobState.SHREDDED and blob.wrapped_key is None, (client_id, days)
            assert blob.shred_reason == "retention_expired"
            assert not storage.blob_path(blob.pk).exists()
        else:
            assert blob.state == BlobState.STORED and storage.blob_path(blob.pk).exists(), (client_id, days)
    for blob in Blob.objects.filter(state__in=LIVE_STATES):
        assert now - blob.created_at <= dt.timedelta(days=limits[blob.client_id])
    assert result["purged"] == 2 + 4
    shred_events = AuditEvent.objects.filter(action=EventType.BLOB_SHREDDED)
    assert shred_events.count() == 6
    run_event = AuditEvent.objects.get(action=EventType.PURGE_RUN)
    assert json.loads(run_event.details)["purged"] == 6


def test_a_held_blob_survives_its_retention_and_goes_after_release(client_a, system_actor, purge):
    now = timezone.now()
    held = _blob_aged(client_a, 40, system_actor, now)
    other = _blob_aged(client_a, 40, system_actor, now)
    hold = do_place_hold("vault.blob", held.pk, reason="police request, case 2025-17", actor=system_actor)

    result = purge(now=now)
    held.refresh_from_db()
    other.refresh_from_db()
    assert held.state == BlobState.STORED and storage.blob_path(held.pk).exists()
    assert other.state == BlobState.SHREDDED
    assert result["held"] == 1

    do_release_hold(hold, reason="case closed", actor=system_actor)
    purge(now=now)
    held.refresh_from_db()
    assert held.state == BlobState.SHREDDED and not storage.blob_path(held.pk).exists()
    placed = AuditEvent.objects.get(action=EventType.HOLD_PLACED)
    released = AuditEvent.objects.get(action=EventType.HOLD_RELEASED)
    assert "police request" in placed.details and "case closed" in released.details
    assert placed.client_id == released.client_id == client_a.pk


def test_a_hold_on_a_client_keeps_all_its_blobs(client_a, client_b, system_actor, purge):
    now = timezone.now()
    a = _blob_aged(client_a, 40, system_actor, now)
    b = _blob_aged(client_b, 40, system_actor, now)
    do_place_hold("clients.client", client_a.pk, reason="litigation hold", actor=system_actor)
    purge(now=now)
    a.refresh_from_db()
    b.refresh_from_db()
    assert (a.state, b.state) == (BlobState.STORED, BlobState.SHREDDED)


def test_a_hold_needs_a_known_object_and_a_reason(client_a, system_actor):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError, match="geen blob"):
        do_place_hold("vault.blob", uuid.uuid4(), reason="x", actor=system_actor)
    with pytest.raises(ValidationError, match="reden"):
        do_place_hold("clients.client", client_a.pk, reason=" ", actor=system_actor)
    with pytest.raises(ValidationError, match="kan .* noemen"):
        do_place_hold("audit.auditevent", 1, reason="x", actor=system_actor)


def test_a_dry_run_counts_and_changes_nothing(client_a, system_actor, purge):
    now = timezone.now()
    blob = _blob_aged(client_a, 40, system_actor, now)
    events = AuditEvent.objects.count()
    result = purge(now=now, dry_run=True)
    blob.refresh_from_db()
    assert blob.state == BlobState.STORED
    assert result["classes"][0]["found"] == 1 and result["purged"] == 0
    assert AuditEvent.objects.count() == events


def test_the_purge_finishes_what_an_interrupted_shred_or_write_left(client_a, system_actor, purge):
    """GIVEN a blob whose key was destroyed but whose file remained, an upload abandoned two days ago,
    and a stray .partial file no row owns
    WHEN the purge runs
    THEN the file is removed and the blob marked shredded, the abandoned upload is shredded, the stray file removed."""
    now = timezone.now()
    keyless = do_store_blob(b"x" * 100, client=client_a, purpose=BlobPurpose.UPLOAD, actor=system_actor)
    do_shred_blobs([keyless.pk], actor=system_actor, reason="other")  # after-commit removal never ran
    keyless.refresh_from_db()
    assert keyless.state == BlobState.SHREDDING and storage.blob_path(keyless.pk).exists()

    with time_machine.travel(now - dt.timedelta(days=2), tick=False):
        writer = open_blob_writer(client=client_a, purpose=BlobPurpose.UPLOAD, actor=system_actor)
        writer.write(b"half an upload")
    stray = storage.blob_path(uuid.uuid4(), partial=True)
    stray.parent.mkdir(exist_ok=True)
    stray.write_bytes(b"ciphertext of a rolled-back write")
    old = (now - dt.timedelta(hours=3)).timestamp()
    os.utime(stray, (old, old))

    result = purge(now=now)
    keyless.refresh_from_db()
    abandoned = Blob.objects.get(pk=writer.blob.pk)
    assert keyless.state == BlobState.SHREDDED and not storage.blob_path(keyless.pk).exists()
    assert abandoned.state == BlobState.SHREDDED and abandoned.shred_reason == "abandoned_write"
    assert not storage.blob_path(abandoned.pk, partial=True).exists()
    assert not stray.exists()
    recovered = result["classes"][0]["recovered"]
    assert recovered["keyless_finished"] == 1 and recovered["abandoned_writes"] == 1 and recovered["stray_files"] >= 1


def test_a_fresh_stray_file_is_left_alone(client_a, system_actor, purge):
    stray = storage.blob_path(uuid.uuid4(), partial=True)
    stray.parent.mkdir(exist_ok=True)
    stray.write_bytes(b"maybe a write whose transaction has not committed yet")
    purge()
    assert stray.exists()
    stray.unlink()


def test_the_purge_command_prints_json(client_a, system_actor, django_capture_on_commit_callbacks):
    _blob_aged(client_a, 40, system_actor, timezone.now())
    out = io.StringIO()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("purge", "--json", stdout=out)
    result = json.loads(out.getvalue())
    assert result["purged"] == 1 and result["dry_run"] is False
    out = io.StringIO()
    call_command("purge", "--dry-run", stdout=out)
    assert "data_files: would purge 0" in out.getvalue()
