"""Periodic jobs: what runs when. The scheduler only enqueues tasks; workers do the work."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.module_loading import import_string

from verwerker.runtime.models import ScheduleEntry


@dataclass(frozen=True)
class Periodic:
    name: str
    task: str  # dotted path of a django-tasks task
    every: dt.timedelta


# Later issues add their jobs here (purge hourly, breach-clock escalation, monthly SFTP sweep).
SCHEDULE: list[Periodic] = [
    Periodic("audit-verify", "verwerker.audit.tasks.verify_audit_chain", dt.timedelta(days=1)),
    Periodic("breach-escalation", "verwerker.privacy.tasks.escalate_breaches", dt.timedelta(minutes=5)),
    Periodic("retention-purge", "verwerker.retention.tasks.purge", dt.timedelta(hours=1)),
    Periodic("workstation-reminders", "verwerker.facilities.tasks.remind_workstation_checks", dt.timedelta(days=1)),
    Periodic("recover-stalled-work", "verwerker.runtime.tasks.recover_stalled_work", dt.timedelta(minutes=1)),
    Periodic("consent-renewals", "verwerker.crm.tasks.request_renewals", dt.timedelta(days=1)),
    # notifications and webhook deliveries, from the audit log in one pass (settings.AUDIT_LOG_READERS)
    Periodic("audit-log-readers", "verwerker.audit.tasks.feed_log_readers", dt.timedelta(minutes=1)),
]


def claim(job: Periodic, now: dt.datetime) -> bool:
    """Claim this run of ``job`` if it is due; True for exactly one caller per due run."""
    try:
        with transaction.atomic():
            ScheduleEntry.objects.get_or_create(name=job.name, defaults={"next_run": now})
    except IntegrityError:
        pass  # another scheduler created it a moment ago
    return bool(
        ScheduleEntry.objects.filter(name=job.name, next_run__lte=now).update(
            next_run=now + job.every, last_run=now
        )
    )


def run_due(now: dt.datetime | None = None, schedule: list[Periodic] | None = None) -> list[str]:
    """Enqueue every due job once; return the names enqueued."""
    now = now or timezone.now()
    started = []
    for job in schedule if schedule is not None else SCHEDULE:
        if claim(job, now):
            import_string(job.task).enqueue()
            started.append(job.name)
    return started
