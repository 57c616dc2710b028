"""Operational tasks of the runtime itself."""

import os
import time

from django_tasks import task

from verwerker.audit.actions import do_record_event
from verwerker.audit.actors import Actor
from verwerker.audit.events import EventType

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
