"""The task queue scales out: several worker processes, each task run exactly once."""

import json
import subprocess
import sys

import pytest
from django.conf import settings

from verwerker.lib.testing import verwerker
from verwerker.testing import fresh_install

pytestmark = pytest.mark.slow

ENQUEUE = (
    "import django, sys; django.setup();"
    "from verwerker.runtime.tasks import heartbeat;"
    "[heartbeat.enqueue(f't{i}', hold_ms=int(sys.argv[2])) for i in range(int(sys.argv[1]))]"
)
COLLECT = (
    "import django, json; django.setup();"
    "from verwerker.audit.models import AuditEvent; from verwerker.audit.events import EventType;"
    "from django_tasks_db.models import DBTaskResult;"
    "print(json.dumps({'beats': [json.loads(d) for d in AuditEvent.objects.filter(action=EventType.TASK_HEARTBEAT).values_list('details', flat=True)],"  # noqa: E501
    " 'status': sorted(set(DBTaskResult.objects.values_list('status', flat=True)))}))"
)


def _run_workers(env, workers: int, tasks: int, hold_ms: int):
    env = {**env, "DJANGO_SETTINGS_MODULE": "verwerker.settings"}
    verwerker(env, "migrate")
    subprocess.run([sys.executable, "-c", ENQUEUE, str(tasks), str(hold_ms)], env=env, check=True)
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", "verwerker", "worker", "--batch", "--interval", "0.05", "--no-startup-delay"],
            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
        )
        for _ in range(workers)
    ]
    for proc in procs:
        _out, err = proc.communicate(timeout=300)
        assert proc.returncode == 0, err
    out = subprocess.run([sys.executable, "-c", COLLECT], env=env, check=True, capture_output=True, text=True)
    return json.loads(out.stdout)


@pytest.mark.skipif(
    not settings.DATABASES["default"]["ENGINE"].endswith("postgresql"), reason="scale-out is shown on PostgreSQL"
)
def test_two_workers_run_fifty_tasks_each_exactly_once(tmp_path):
    with fresh_install(tmp_path) as env:
        result = _run_workers(env, workers=2, tasks=50, hold_ms=40)
    tokens = [b["token"] for b in result["beats"]]
    assert sorted(tokens) == sorted(f"t{i}" for i in range(50))  # every task once, none twice
    assert result["status"] == ["SUCCESSFUL"]
    assert len({b["pid"] for b in result["beats"]}) == 2  # the work really spread over both workers


def test_a_worker_runs_queued_tasks_on_the_embedded_default_too(tmp_path):
    with fresh_install(tmp_path) as env:
        result = _run_workers(env, workers=1, tasks=5, hold_ms=0)
    assert sorted(b["token"] for b in result["beats"]) == [f"t{i}" for i in range(5)]
