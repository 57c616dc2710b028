from django.db import models


class ScheduleEntry(models.Model):
    """When a periodic job runs next. Schedulers claim a run with a conditional UPDATE, so any number of
    them (one per host) start each run exactly once."""

    name = models.CharField(max_length=100, unique=True)
    next_run = models.DateTimeField()
    last_run = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return self.name


class WorkerBeat(models.Model):
    """A task worker's sign of life, renewed every few seconds. The recovery sweep reclaims a task left
    RUNNING by a worker whose beat stopped (killed, host gone), as healthchecks' sendalerts finds checks
    that went quiet."""

    worker_id = models.CharField(max_length=64, unique=True)
    host = models.CharField(max_length=255)
    pid = models.PositiveIntegerField()
    started_at = models.DateTimeField()
    seen_at = models.DateTimeField(db_index=True)

    def __str__(self) -> str:
        return self.worker_id
