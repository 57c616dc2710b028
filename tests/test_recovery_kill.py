"""Production recovers by itself, under real OS kills (P14): `verwerker up` on a fresh install with the
demo job (250 made-up records) in parts of 25, so the job has ten parts and the kill lands mid-job.

Runs on the suite's database: SQLite by default, PostgreSQL when VERWERKER_DATABASE_URL names one
(fresh_install makes a database of its own).
"""

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request

import pytest

from verwerker.lib.testing import free_port
from verwerker.testing import fresh_install

pytestmark = pytest.mark.slow

PARTS = 10
# Streams the demo job's progress and the workers running its part tasks, one JSON line per look.
WATCH = """
import json, time, django
django.setup()
from django.db import close_old_connections
from django_tasks_db.models import DBTaskResult
from verwerker.production.models import Job
while True:
    close_old_connections()
    job = Job.objects.order_by("pk").first()
    running = [r[-1] for r in DBTaskResult.objects.filter(
        status="RUNNING", task_path="verwerker.production.tasks.render_job_part").values_list("worker_ids", flat=True) if r]
    print(json.dumps({"state": job and job.state, "done": job and job.parts_done, "running": running}), flush=True)
    if job and job.state not in ("released", "producing"):
        break
    time.sleep(0.05)
"""  # noqa: E501
COLLECT = """
import json, django
django.setup()
from verwerker.audit.events import EventType
from verwerker.audit.models import AuditEvent
from verwerker.production.models import Job, JobOutput
from verwerker.production.queries import visible_outputs
job = Job.objects.order_by("pk").first()
print(json.dumps({
    "state": job.state, "attempt": job.attempt, "parts_total": job.parts_total,
    "visible_parts": sorted([o.attempt, o.index] for o in visible_outputs(job).filter(kind="part")),
    "all_parts": sorted([o.attempt, o.index] for o in JobOutput.objects.filter(job=job, kind="part")),
    "rendered_events": AuditEvent.objects.filter(action=EventType.JOB_PART_RENDERED, object_id=str(job.pk)).count(),
    "restarts": [json.loads(d) for d in AuditEvent.objects.filter(action=EventType.PROCESS_RESTARTED).values_list("details", flat=True)],
    "reclaimed": [json.loads(d) for d in AuditEvent.objects.filter(action=EventType.TASK_RECLAIMED).values_list("details", flat=True)],
}))
"""  # noqa: E501


def _children(pid: int) -> set[int]:
    out = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True).stdout.split()
    return {int(p) for p in out}


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie (killed, not yet reaped by a parent that is gone too) is not running.
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False


def _web_answers(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/accounts/login/", timeout=3) as response:
            return response.status == 200
    except OSError:
        return False


def _sftp_answers(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=3) as sock:
            return sock.recv(64).startswith(b"SSH-2.0-")
    except OSError:
        return False


def _wait(predicate, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError(f"{what} within {timeout:.0f} s")


def _start_up(env, tmp_path, *args):
    env.update(VERWERKER_HTTP_PORT=str(free_port()), VERWERKER_SFTP_PORT=str(free_port()),
               VERWERKER_JOB_PART_SIZE="25", DJANGO_SETTINGS_MODULE="verwerker.settings")
    log = open(tmp_path / "up.log", "w+")
    up = subprocess.Popen(
        [sys.executable, "-m", "verwerker", "up", *args], env=env, stdout=log, stderr=subprocess.STDOUT, text=True
    )
    return up, log


def test_a_worker_killed_mid_job_is_replaced_and_the_job_is_produced_with_every_part_once(tmp_path):
    """GIVEN `verwerker up --demo`: the demo job (ten parts) released and being rendered
    WHEN the worker rendering a part is killed with SIGKILL after two parts landed
    THEN web and SFTP keep answering, `up` starts a new worker (audited), which reclaims the dead one's
    task; without any human step the job reaches "produced" with every part exactly once, all of the
    attempt shown, and none twice."""
    with fresh_install(tmp_path) as env:
        up, log = _start_up(env, tmp_path, "--demo")
        try:
            web, sftp = int(env["VERWERKER_HTTP_PORT"]), int(env["VERWERKER_SFTP_PORT"])
            _wait(lambda: _web_answers(web), 90, "the web server did not answer")
            watch = subprocess.Popen([sys.executable, "-c", WATCH], env=env, stdout=subprocess.PIPE, text=True)
            killed = None
            for line in watch.stdout:
                look = json.loads(line)
                assert look["state"] in (None, "released", "producing"), f"the job ended before the kill: {look}"
                if look["done"] and look["done"] >= 2 and look["running"]:
                    killed = int(look["running"][0].split(":")[1])
                    assert killed in _children(up.pid), "the part ran in a worker that is not up's child"
                    os.kill(killed, signal.SIGKILL)
                    killed_at = time.monotonic()
                    break
            assert killed is not None
            assert look["done"] < PARTS  # the kill landed in the middle of the job
            # Web and SFTP keep answering while the worker is dead and after; a new worker takes over.
            assert _web_answers(web) and _sftp_answers(sftp)
            replaced = _wait(lambda: [p for p in _children(up.pid) if p != killed and len(_children(up.pid)) == 4],
                             30, "no new worker was started")
            assert replaced
            final = None
            for line in watch.stdout:  # the watcher ends when the job left production
                final = json.loads(line)
            watch.wait(timeout=180)
            assert final and final["state"] == "produced", final
            print(
                f"killed after {look['done']}/{PARTS} parts; produced {time.monotonic() - killed_at:.1f} s after the kill"  # noqa: E501
            )
            assert _web_answers(web) and _sftp_answers(sftp) and up.poll() is None
            collected = json.loads(subprocess.run([sys.executable, "-c", COLLECT], env=env, capture_output=True,
                                                  text=True, check=True).stdout)
        finally:
            up.send_signal(signal.SIGTERM)
            up.wait(timeout=60)
            log.seek(0)
            output = log.read()
            log.close()
    attempt = collected["attempt"]
    expected = [[attempt, i] for i in range(1, PARTS + 1)]
    assert collected["parts_total"] == PARTS
    assert collected["visible_parts"] == expected  # every part exactly once
    # Nothing of another attempt is visible; any part of an attempt the recovery replaced is not shown.
    assert all(a == attempt for a, _ in collected["visible_parts"])
    assert collected["rendered_events"] == len([p for p in collected["all_parts"] if p[0] == attempt])
    assert any(r["process"] == "worker" and r["status"] == -9 for r in collected["restarts"]), collected
    assert any(r["task"] == "verwerker.production.tasks.render_job_part" and r["to"] == "ready"
               for r in collected["reclaimed"]), collected
    assert "worker exited with status -9; restarting" in output


def test_killing_up_itself_leaves_no_child_running(tmp_path):
    """GIVEN `verwerker up` with its four children serving
    WHEN `up` is killed with SIGKILL (it cannot stop anything itself)
    THEN within a few seconds none of its children is still running (no orphan to clash with the next start)."""
    with fresh_install(tmp_path) as env:
        up, log = _start_up(env, tmp_path)
        children: set[int] = set()
        try:
            _wait(lambda: _web_answers(int(env["VERWERKER_HTTP_PORT"])), 90, "the web server did not answer")
            children = _wait(
                lambda: len(_children(up.pid)) == 4 and _children(up.pid), 30, "up did not start 4 children"
            )
            _wait(lambda: _sftp_answers(int(env["VERWERKER_SFTP_PORT"])), 30, "the SFTP server did not answer")
            names = {p: open(f"/proc/{p}/cmdline").read().split("\0")[-2] for p in children}
            os.kill(up.pid, signal.SIGKILL)
            up.wait(timeout=10)
            killed_at = time.monotonic()
            while any(_alive(p) for p in children) and time.monotonic() - killed_at < 5:
                time.sleep(0.1)
            assert [names[p] for p in children if _alive(p)] == [], "outlived up by more than 5 s"
        finally:
            for pid in children:
                if _alive(pid):
                    os.kill(pid, signal.SIGKILL)
            log.close()
        assert not _web_answers(int(env["VERWERKER_HTTP_PORT"]))
