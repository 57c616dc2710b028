"""Production recovers by itself (P14): failure is a state, stalled work is found again, reprint before
shredding. The real OS kills (worker, `verwerker up`) are in tests/test_recovery_kill.py."""

import datetime as dt
import json

import pytest
from django.utils import timezone

from verwerker.audit.actors import Actor
from verwerker.audit.events import EventType
from verwerker.audit.models import AuditEvent
from verwerker.datafiles.synthetic import address_csv
from verwerker.production.actions import do_release_job
from verwerker.production.tests.conftest import produce
from verwerker.production.workflow import JobState
from verwerker.testing import receive_file

pytestmark = pytest.mark.django_db

# Fails on the record with sequence number 1234 only. The panic message carries record data (the
# reference), which must not reach the job's reason.
FAILS_ON_1234 = """#import "@local/verwerker:0.1.0": *
#let options = (return-address: "Retouradres: Postbus 1000, 1000 AA  AMSTERDAM")
#let letter(r) = [
  #if r.seq == 1234 { panic("kapot bij " + r.reference + " " + r.greeting) }
  #r.greeting
]
"""
FIXED = FAILS_ON_1234.replace('  #if r.seq == 1234 { panic("kapot bij " + r.reference + " " + r.greeting) }\n', "")


def act(user):
    return Actor.for_user(user)


def _queued(path: str) -> list[list]:
    from django_tasks_db.models import DBTaskResult

    return sorted(r["args"] for r in DBTaskResult.objects.filter(status="READY", task_path=path)
                  .values_list("args_kwargs", flat=True))


def test_a_template_that_fails_on_record_1234_fails_the_job_with_a_reason_and_a_retry_after_the_fix_produces_it(
    client_a, draft, staff, settings, template
):
    """GIVEN a 1,300-record job whose template fails on record 1,234 (parts of 400)
    WHEN it is produced
    THEN the job is "productie mislukt" with a one-line reason naming the part and the records, without
    any record data; nothing is visible; the database department cancels nothing but fixes the template
    and retries, and the job is produced."""
    from verwerker.production.actions import do_retry_production
    from verwerker.production.queries import visible_outputs

    settings.JOB_PART_SIZE = 400
    template.source = FAILS_ON_1234
    template.save()
    data = address_csv(1300, seed=11)
    job = draft(receive_file(client_a, "groot.csv", data))
    job = do_release_job(job, user=staff.drafter, actor=act(staff.drafter))
    job = produce(job)

    assert job.state == JobState.FAILED
    assert "part 4, records 1201–1300" in job.error and "line 4" in job.error, job.error
    assert "\n" not in job.error
    # No value of the file reaches the reason (the panic message held a reference and a greeting).
    assert job.error.endswith("panicked with: …"), job.error
    for value in ("kapot", "Geachte", "Beste", "K1"):
        assert value not in job.error
    assert not visible_outputs(job).exists()
    failed = AuditEvent.objects.get(action=EventType.JOB_PRODUCTION_FAILED)
    assert "1201–1300" in failed.details

    template.source = FIXED
    template.save()
    job = do_retry_production(job, actor=act(staff.drafter))
    assert job.state == JobState.RELEASED and job.error == ""
    job = produce(job)
    assert job.state == JobState.PRODUCED and job.attempt == 2 and job.records_out == 1300
    assert sorted(visible_outputs(job).filter(kind="part").values_list("index", flat=True)) == [1, 2, 3, 4]
    assert AuditEvent.objects.filter(action=EventType.JOB_PRODUCTION_RETRIED).count() == 1


def test_a_failed_job_can_be_cancelled_and_its_data_is_shredded(client_a, draft, staff, template):
    from verwerker.production.actions import do_cancel_job

    template.source = FAILS_ON_1234.replace("1234", "3")
    template.save()
    job = draft(receive_file(client_a, "klein.csv", address_csv(10, seed=1)))
    job = produce(do_release_job(job, user=staff.drafter, actor=act(staff.drafter)))
    assert job.state == JobState.FAILED
    job = do_cancel_job(job, actor=act(staff.drafter))
    assert job.state == JobState.CERTIFIED


def test_the_sweep_resumes_a_job_whose_parts_stopped_and_each_part_lands_once(
    client_a, draft, staff, settings, django_capture_on_commit_callbacks
):
    """GIVEN a job of 250 records in parts of 100 whose worker rendered part 1 and then went away
    WHEN the sweep runs before and after VERWERKER_PRODUCTION_STALL_MINUTES
    THEN before, it leaves the job alone; after, it claims the job once and enqueues exactly the
    missing parts (a second sweep at the same moment enqueues nothing); the job is produced with
    every part exactly once, in the same attempt."""
    from verwerker.production.models import Job, JobOutput
    from verwerker.production.tasks import finish_job_production, produce_job, render_job_part
    from verwerker.runtime.tasks import recover_stalled_work

    settings.JOB_PART_SIZE = 100
    settings.PRODUCTION_STALL_MINUTES = 10
    job = draft(receive_file(client_a, "a.csv", address_csv(250, seed=4)))
    job = do_release_job(job, user=staff.drafter, actor=act(staff.drafter))
    assert produce_job.call(job.pk) == 3
    assert render_job_part.call(job.pk, 1, 1) is True

    with django_capture_on_commit_callbacks(execute=True):
        assert recover_stalled_work.call()["jobs_resumed"] == []
    Job.objects.filter(pk=job.pk).update(progress_at=timezone.now() - dt.timedelta(minutes=11))
    with django_capture_on_commit_callbacks(execute=True):
        assert recover_stalled_work.call()["jobs_resumed"] == [job.pk]
    path = "verwerker.production.tasks.render_job_part"
    assert _queued(path) == [[job.pk, 1, 2], [job.pk, 1, 3]]
    with django_capture_on_commit_callbacks(execute=True):
        assert recover_stalled_work.call()["jobs_resumed"] == []  # claimed: its progress time moved on
    assert _queued(path) == [[job.pk, 1, 2], [job.pk, 1, 3]]

    for args in _queued(path):
        render_job_part.call(*args)
    assert render_job_part.call(job.pk, 1, 2) is False  # a duplicate of a landed part adds nothing
    finish_job_production.call(job.pk, 1)
    job.refresh_from_db()
    assert job.state == JobState.PRODUCED and job.attempt == 1
    parts = list(JobOutput.objects.filter(job=job, kind="part").values_list("attempt", "index"))
    assert sorted(parts) == [(1, 1), (1, 2), (1, 3)]
    resumed = AuditEvent.objects.get(action=EventType.JOB_PRODUCTION_RESUMED)
    assert json.loads(resumed.details)["parts"] == [2, 3]


def test_the_sweep_starts_a_new_attempt_for_a_released_job_whose_task_was_lost(
    client_a, draft, staff, settings, django_capture_on_commit_callbacks
):
    from verwerker.production.models import Job
    from verwerker.runtime.tasks import recover_stalled_work

    job = draft(receive_file(client_a, "a.csv", address_csv(20, seed=4)))
    job = do_release_job(job, user=staff.drafter, actor=act(staff.drafter))  # its produce_job never ran
    Job.objects.filter(pk=job.pk).update(progress_at=timezone.now() - dt.timedelta(minutes=11))
    with django_capture_on_commit_callbacks(execute=True):
        assert recover_stalled_work.call()["jobs_resumed"] == [job.pk]
    assert _queued("verwerker.production.tasks.produce_job") == [[job.pk]]
    job = produce(job)
    assert job.state == JobState.PRODUCED


def test_a_task_left_running_by_a_dead_worker_is_given_back_and_one_that_killed_three_workers_fails(db):
    """A RUNNING task whose worker's process is gone (this host) goes back to READY, audited; a task
    whose worker lives is left alone; after three dead workers the task is failed instead."""
    import subprocess
    import sys

    from django_tasks_db.models import DBTaskResult

    from verwerker.runtime.tasks import heartbeat
    from verwerker.runtime.workers import beat, do_reclaim_dead_tasks, new_worker_id

    gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    host = new_worker_id().rsplit(":", 2)[0]
    dead = f"{host}:{int(gone.stdout)}:deadbeef"
    alive = new_worker_id()
    beat(alive)
    for worker_ids in ([dead], [alive], ["a:1:x", "b:2:y", dead]):
        result = heartbeat.enqueue("t")
        DBTaskResult.objects.filter(pk=result.id).update(
            status="RUNNING", worker_ids=worker_ids, started_at=timezone.now()
        )
    assert do_reclaim_dead_tasks(actor=Actor.system("test")) == 2
    assert sorted(DBTaskResult.objects.values_list("status", flat=True)) == ["FAILED", "READY", "RUNNING"]
    assert DBTaskResult.objects.get(status="RUNNING").worker_ids == [alive]
    assert DBTaskResult.objects.get(status="READY").worker_ids == [dead]
    assert AuditEvent.objects.filter(action=EventType.TASK_RECLAIMED).count() == 2


def test_an_upload_left_receiving_by_a_dead_process_is_aborted_and_its_partial_blob_shredded(client_a, settings):
    """GIVEN an upload whose process died mid-file (receiving, a partial blob that stopped growing)
    WHEN the sweep runs after the stall time
    THEN the upload is aborted and its partial ciphertext shredded at once; a live upload is left alone."""
    import os

    from verwerker.intake.models import Upload, UploadState
    from verwerker.intake.streaming import UploadStream
    from verwerker.runtime.tasks import recover_stalled_work
    from verwerker.vault import storage
    from verwerker.vault.models import Blob, BlobState

    settings.PRODUCTION_STALL_MINUTES = 10
    streams = []
    for name in ("dood.csv", "levend.csv"):
        stream = UploadStream.start(client_a, channel="sftp", name=name, actor=Actor.system("test"))
        stream.write(b"naam;adres\n" * 100)
        streams.append(stream)
    dead, live = (s.upload for s in streams)
    old = timezone.now() - dt.timedelta(minutes=11)
    Upload.objects.filter(pk__in=[dead.pk, live.pk]).update(started_at=old)
    dead.refresh_from_db()
    partial = storage.blob_path(dead.blob_id, partial=True)
    assert partial.exists()
    os.utime(partial, (old.timestamp(), old.timestamp()))

    assert recover_stalled_work.call()["uploads_aborted"] == 1
    dead.refresh_from_db()
    live.refresh_from_db()
    assert (dead.state, dead.reason) == (UploadState.ABORTED, "abandoned")
    assert live.state == UploadState.RECEIVING
    assert Blob.objects.get(pk=dead.blob_id).state in (BlobState.SHREDDING, BlobState.SHREDDED)
    assert Blob.objects.get(pk=dead.blob_id).wrapped_key is None
    assert AuditEvent.objects.filter(action=EventType.UPLOAD_ABANDONED).count() == 1
    streams[1].abort("test over")


def test_the_database_department_sees_a_failed_job_with_its_reason_and_retries_or_cancels_it_on_the_page(
    login, client_a, draft, staff, template, django_capture_on_commit_callbacks
):
    """The job page shows "productie mislukt" and the reason, offers retry (back to released, production
    enqueued) and cancel; cancel shreds only with the box ticked."""
    from django.urls import reverse

    template.source = FAILS_ON_1234.replace("1234", "2")
    template.save()
    job = produce(do_release_job(draft(receive_file(client_a, "a.csv", address_csv(5, seed=1))),
                                 user=staff.drafter, actor=act(staff.drafter)))
    web = login(staff.drafter)
    page = web.get(reverse("production:job", args=[job.pk])).content.decode()
    assert "productie mislukt" in page and job.error in page.replace("&#x27;", "'")
    assert reverse("production:job_step", args=[job.pk, "retry"]) in page

    web.post(reverse("production:job_step", args=[job.pk, "cancel"]))
    job.refresh_from_db()
    assert job.state == JobState.FAILED  # no box ticked: nothing shredded
    with django_capture_on_commit_callbacks(execute=True):
        web.post(reverse("production:job_step", args=[job.pk, "retry"]))
    job.refresh_from_db()
    assert job.state == JobState.RELEASED
    assert _queued("verwerker.production.tasks.produce_job") == [[job.pk]]
    web.post(reverse("production:job_step", args=[job.pk, "cancel"]), {"confirm": "yes"})
    job.refresh_from_db()
    assert job.state == JobState.CERTIFIED


def test_a_reprint_that_cannot_be_made_is_withdrawn_so_the_operator_is_not_left_waiting(
    client_a, draft, staff, template, settings
):
    from verwerker.production.actions import do_confirm_printed, do_deliver_job, do_deliver_reprint, do_record_spoilage
    from verwerker.production.models import Job

    job = produce(do_release_job(draft(receive_file(client_a, "a.csv", address_csv(8, seed=2))),
                                 user=staff.drafter, actor=act(staff.drafter)))
    job = do_deliver_job(job, actor=Actor.system("delivery"))
    job = do_record_spoilage(job, ranges="3", user=staff.printer, actor=act(staff.printer))
    assert job.reprints == 1 and job.spoiled == [{"reprint": 1, "ranges": [[3, 3]]}]
    template.source = FAILS_ON_1234.replace("1234", "3")
    template.save()
    assert do_deliver_reprint(job.pk, 1, actor=Actor.system("delivery")) is False
    job = Job.objects.get(pk=job.pk)
    assert (job.reprints, job.spoiled, job.state) == (0, [], JobState.DELIVERED)
    refused = AuditEvent.objects.filter(action=EventType.JOB_TRANSITION_REFUSED).last()
    assert "reprint 1 could not be made" in refused.details
    job = do_confirm_printed(job, user=staff.printer, actor=act(staff.printer), pieces=8)
    assert job.state == JobState.CERTIFIED and job.pieces_printed == 8


def test_a_worker_named_by_hand_beats_with_its_own_host_and_process_and_is_alive(db):
    """`verwerker worker --worker-id NAME` takes any name (it crashed on a name without host:pid:token)."""
    import os
    import socket

    from verwerker.runtime.models import WorkerBeat
    from verwerker.runtime.workers import beat, is_dead

    beat("pers-1")
    row = WorkerBeat.objects.get(worker_id="pers-1")
    assert (row.host, row.pid) == (socket.gethostname()[:40], os.getpid())
    assert not is_dead("pers-1", now=timezone.now())
    WorkerBeat.objects.filter(worker_id="pers-1").update(pid=2**22 + 1)  # the name's earlier process, gone
    beat("pers-1")
    assert WorkerBeat.objects.get(worker_id="pers-1").pid == os.getpid()
