"""The scheduler starts each due run of a periodic job exactly once, however many schedulers run."""

import datetime as dt

import pytest
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from verwerker.runtime.schedule import Periodic, claim, run_due

pytestmark = pytest.mark.django_db

JOB = Periodic("heartbeat", "verwerker.runtime.tasks.heartbeat", dt.timedelta(hours=1))


def test_a_due_run_is_claimed_once():
    now = timezone.now()
    assert claim(JOB, now) is True
    assert claim(JOB, now) is False  # a second scheduler looking at the same moment
    assert claim(JOB, now + dt.timedelta(minutes=59)) is False
    assert claim(JOB, now + dt.timedelta(hours=1)) is True


def test_run_due_enqueues_the_default_schedule():
    started = run_due()
    assert "audit-verify" in started
    assert DBTaskResult.objects.filter(task_path="verwerker.audit.tasks.verify_audit_chain").count() == 1
    assert run_due() == []
