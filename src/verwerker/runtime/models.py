from django.db import models


class ScheduleEntry(models.Model):
    """When a periodic job runs next. Schedulers claim a run with a conditional UPDATE, so any number of
    them (one per host) start each run exactly once."""

    name = models.CharField(max_length=100, unique=True)
    next_run = models.DateTimeField()
    last_run = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return self.name
