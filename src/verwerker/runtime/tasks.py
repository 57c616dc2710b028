"""Operational tasks of the runtime itself."""

import datetime as dt
import os
import time

from django.conf import settings
from django.utils import timezone
from django_tasks import task

from verwerker.audit.actions import do_record_event
from verwerker.audit.actors import Actor
from verwerker.audit.events import EventType
from verwerker.intake.actions import do_abort_abandoned_uploads
from verwerker.production.actions import do_resume_production
from verwerker.production.actions.producing import stalled_jobs

MAX_HOLD_MS = 1000


@task()
def heartbeat(token: str, hold_ms: int = 0) -> dict:
    """Prove a worker is alive and taking work: records which process ran ``token``.

    ``hold_ms`` (at most one second) keeps the worker busy for a moment, so a check with several
    workers sees the work spread over them.
    """
    time.sleep(min(max(hold_ms, 0), MAX_HOLD_MS) / 1000)
    do_record_event(
        EventType.TASK_HEARTBEAT, actor=Actor.system("worker"), details={"token": token, "pid": os.getpid()}
    )
    return {"token": token, "pid": os.getpid()}


@task()
def recover_stalled_work() -> dict:
    """The recovery sweep (healthchecks' sendalerts pattern: look, claim with a conditional update, act):
    tasks of dead workers back to the queue, stalled jobs resumed, abandoned uploads aborted and shredded."""


    from verwerker.runtime.workers import do_reclaim_dead_tasks  # local: same layer or upward, a cycle at the top

    actor = Actor.system("recovery")
    now = timezone.now()
    stall = dt.timedelta(minutes=settings.PRODUCTION_STALL_MINUTES)
    reclaimed = do_reclaim_dead_tasks(actor=actor, now=now)
    resumed = [job.pk for job in stalled_jobs(now, stall) if do_resume_production(job, now=now, actor=actor)]
    uploads = do_abort_abandoned_uploads(idle=stall, actor=actor, now=now)
    return {"tasks_reclaimed": reclaimed, "jobs_resumed": resumed, "uploads_aborted": uploads}
