"""Task workers' signs of life, and the reclaim of tasks a dead worker left RUNNING.

django-tasks-db marks a task RUNNING when a worker claims it and never looks back: a worker killed
mid-task (kill -9, out of memory, a host that went away) leaves it RUNNING for ever. Every worker
therefore beats (WorkerBeat) every few seconds; a task whose worker has not beaten for
WORKER_DEAD_AFTER, or whose worker ran on this host under a process id that is gone, is given back
to the queue (READY) with a conditional update, so two sweepers reclaim it once. Our tasks are
idempotent (production/tasks.py, intake, datafiles), which makes running one again safe; a task that
has killed its worker three times is marked failed instead, so it cannot take down worker after worker.
"""

from __future__ import annotations

import datetime as dt
import os
import socket
import threading
import uuid

from django.db import close_old_connections, transaction
from django.utils import timezone

from verwerker.audit.actions import do_record_event
from verwerker.audit.actors import Actor
from verwerker.audit.events import EventType, Outcome
from verwerker.runtime.models import WorkerBeat

BEAT_SECONDS = 5
WORKER_DEAD_AFTER = dt.timedelta(seconds=60)
MAX_CLAIMS = 3


def new_worker_id() -> str:
    """host:pid:token — the token tells a reused process id from the worker that had it."""
    return f"{socket.gethostname()[:40]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def beat(worker_id: str, *, now=None) -> None:
    """Record that ``worker_id`` lives. An id given by hand (``verwerker worker --worker-id NAME``) need
    not be host:pid:token; the beat then records the host and process id of the process that beats."""
    now = now or timezone.now()
    host, pid, _token = worker_id.rsplit(":", 2) if worker_id.count(":") >= 2 else ("", "", "")
    if not pid.isdigit():
        host, pid = socket.gethostname()[:40], str(os.getpid())
    # host and pid with every beat: a name given by hand may be taken up again by a new process
    if not WorkerBeat.objects.filter(worker_id=worker_id).update(seen_at=now, host=host, pid=int(pid)):
        WorkerBeat.objects.create(worker_id=worker_id, host=host, pid=int(pid), started_at=now, seen_at=now)


def start_beating(worker_id: str, stop: threading.Event) -> threading.Thread:
    """Beat from a daemon thread until ``stop`` is set (the worker's own loop may be busy for minutes)."""
    def run():
        while not stop.is_set():
            try:
                beat(worker_id)
            except Exception:  # noqa: BLE001 - a missed beat is retried; the database may be restarting
                pass
            finally:
                close_old_connections()
            stop.wait(BEAT_SECONDS)

    thread = threading.Thread(target=run, name="worker-beat", daemon=True)
    thread.start()
    return thread


def _pid_gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


def is_dead(worker_id: str, *, now) -> bool:
    """A worker is dead when its beat is older than WORKER_DEAD_AFTER, or, on this host, its process is gone."""
    row = WorkerBeat.objects.filter(worker_id=worker_id).first()
    if row is None:
        # Never beat: a worker of an older version, or one killed before its first beat. Judge by the pid.
        try:
            host, pid, _token = worker_id.rsplit(":", 2)
            return host == socket.gethostname()[:40] and _pid_gone(int(pid))
        except ValueError:
            return False
    if row.host == socket.gethostname()[:40] and _pid_gone(row.pid):
        return True
    return row.seen_at < now - WORKER_DEAD_AFTER


def do_reclaim_dead_tasks(*, actor: Actor, now=None) -> int:
    """Give the RUNNING tasks of dead workers back to the queue (or fail those that killed MAX_CLAIMS
    workers). Returns how many were reclaimed."""
    from django_tasks_db.models import DBTaskResult  # deferred: a heavy import

    now = now or timezone.now()
    reclaimed = 0
    for task in DBTaskResult.objects.filter(status="RUNNING").only("id", "worker_ids", "task_path", "started_at"):
        last = task.worker_ids[-1] if task.worker_ids else ""
        if not last or not is_dead(last, now=now):
            continue
        gave_up = len(task.worker_ids) >= MAX_CLAIMS
        with transaction.atomic():
            fields = (
                {
                    "status": "FAILED",
                    "finished_at": now,
                    "exception_class_path": "verwerker.runtime.workers.WorkerDied",
                    "traceback": f"its worker died {len(task.worker_ids)} times",
                }
                if gave_up
                else {"status": "READY", "started_at": None}
            )
            if not DBTaskResult.objects.filter(pk=task.pk, status="RUNNING", started_at=task.started_at).update(
                **fields
            ):
                continue
            do_record_event(
                EventType.TASK_RECLAIMED, actor=actor, outcome=Outcome.FAILURE if gave_up else Outcome.SUCCESS,
                object_type="django_tasks_db.dbtaskresult", object_id=str(task.pk),
                details={"task": task.task_path, "worker": last, "claims": len(task.worker_ids),
                         "to": "failed" if gave_up else "ready"},
            )
        reclaimed += 1
    WorkerBeat.objects.filter(seen_at__lt=now - dt.timedelta(days=1)).delete()
    return reclaimed


class WorkerDied(Exception):
    """A task whose worker died under it, MAX_CLAIMS times."""
