"""Scale-out of production: one job rendered by one and by two `verwerker worker` processes on PostgreSQL.

Target (issue 7 item 1): a 200,000-record job finishes at least 1.7x sooner with two workers than with
one on this 2-core machine, each worker held to one thread (OMP/RAYON/POLARS threads = 1; the engine
already renders single-process inside a task: run.py passes workers=1), so the gain can only come
from the part tasks spreading over the workers.

What is timed: from the job's release (which enqueues production) until the job is ``produced``:
prepare (one task: read, normalise, deduplicate, sort), the part tasks, and finish (manifest and
proof). Workers are started and connected to the database before the clock starts. The runs
alternate one/two workers; the medians are reported, with their ratio.

    python -m bench scale [--records 200000] [--runs 3] [--part-size 5000] [--pg postgres://postgres@127.0.0.1:5432]

Creates a database of its own on the PostgreSQL server and a data directory under ./var, and drops
both afterwards. The file is synthetic (made-up people). The machine is shared: figures are noisy.
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import statistics
import subprocess
import sys
import time
import uuid
from pathlib import Path
from urllib.parse import urlsplit

from bench.common import report

ROOT = Path(__file__).resolve().parent.parent
WORKER_APP = "verwerker-bench-worker"  # libpq's PGAPPNAME: how the bench tells its workers' connections apart
ONE_THREAD = {"OMP_NUM_THREADS": "1", "RAYON_NUM_THREADS": "1", "POLARS_MAX_THREADS": "1",
              "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1", "TOKIO_WORKER_THREADS": "1"}


def _pg_connect(base: str, dbname: str):
    import psycopg

    url = urlsplit(base)
    return psycopg.connect(host=url.hostname or "127.0.0.1", port=url.port or 5432, user=url.username or "postgres",
                           password=url.password, dbname=dbname, autocommit=True)


def _start_workers(n: int, env: dict, dbname: str, pg: str) -> list[subprocess.Popen]:
    procs = [
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "verwerker",
                "worker",
                "--interval",
                "0.1",
                "--no-startup-delay",
                "--worker-id",
                f"bench-{i}-{uuid.uuid4().hex[:6]}",
            ],
            env={**env, "PGAPPNAME": WORKER_APP},
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        for i in range(n)
    ]
    # Ready when each worker holds its database connection (it connects on its first poll).
    deadline = time.monotonic() + 120
    with _pg_connect(pg, "postgres") as conn:
        while time.monotonic() < deadline:
            dead = [p for p in procs if p.poll() is not None]
            if dead:
                raise SystemExit(f"a worker exited early: {dead[0].stderr.read().decode()[-500:]}")
            (count,) = conn.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = %s AND application_name = %s",
                (dbname, WORKER_APP),
            ).fetchone()
            if count >= n:
                return procs
            time.sleep(0.2)
    raise SystemExit("the workers did not connect within 120 s")


def _stop_workers(procs: list[subprocess.Popen]) -> None:
    for p in procs:
        p.send_signal(signal.SIGTERM)
    for p in procs:
        try:
            p.wait(60)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()


def _one_run(workers: int, data_file, template, env: dict, dbname: str, pg: str):
    """Seconds from release to produced, pages, parts and phases, for one job on ``workers`` workers."""
    from verwerker.audit.actors import Actor
    from verwerker.production.actions import do_draft_job, do_release_job
    from verwerker.production.models import Job
    from verwerker.production.workflow import JobState

    actor = Actor.system("bench")
    job = do_draft_job(data_file, name=f"bench {workers}", template=template, actor=actor)
    procs = _start_workers(workers, env, dbname, pg)
    try:
        start = time.perf_counter()
        do_release_job(job, user=_releaser(), actor=actor)
        while True:
            job.refresh_from_db()
            if job.state in (JobState.PRODUCED, JobState.PROOF_APPROVED, JobState.DELIVERED):
                break
            if job.state == JobState.RELEASED and job.error:
                raise SystemExit(f"production failed: {job.error}")
            if any(p.poll() is not None for p in procs):
                raise SystemExit("a worker died during the run")
            time.sleep(0.1)
        elapsed = time.perf_counter() - start
    finally:
        _stop_workers(procs)
    job = Job.objects.get(pk=job.pk)
    return elapsed, job.pages or 0, job.parts_total, _phases(job)


def _phases(job) -> dict[str, float]:
    """Seconds spent in prepare (one task), the parts (parallel), and finish (one task), from the
    job's audit events and its prepared-records output: what bounds the speed-up (Amdahl)."""
    from django.db.models import Max

    from verwerker.audit.events import EventType
    from verwerker.audit.models import AuditEvent
    from verwerker.production.models import JobOutput, OutputKind

    events = AuditEvent.objects.filter(object_id=str(job.pk))
    started = events.filter(action=EventType.JOB_PRODUCTION_STARTED).aggregate(t=Max("created_at"))["t"]
    parts_done = events.filter(action=EventType.JOB_PART_RENDERED).aggregate(t=Max("created_at"))["t"]
    produced = events.filter(action=EventType.JOB_PRODUCED).aggregate(t=Max("created_at"))["t"]
    # Prepared: when the last of its records blobs (one per part) was made.
    prepared = JobOutput.objects.filter(job=job, attempt=job.attempt, kind=OutputKind.RECORDS).aggregate(
        t=Max("created_at"))["t"]
    return {"prepare": (prepared - started).total_seconds(), "parts": (parts_done - prepared).total_seconds(),
            "finish": (produced - parts_done).total_seconds(), "workers_used": _workers_used(job)}


def _workers_used(job) -> int:
    """How many distinct workers rendered this job's parts: shows the parts really spread."""
    from django_tasks_db.models import DBTaskResult

    ids = set()
    for result in DBTaskResult.objects.filter(task_path__endswith="render_job_part"):
        if result.args_kwargs.get("args", [None])[0] == job.pk:
            ids.update(result.worker_ids)
    return len(ids)


_USER = None


def _releaser():
    global _USER
    if _USER is None:
        from verwerker.accounts.actions import do_create_staff_user
        from verwerker.audit.actors import Actor

        _USER, _ = do_create_staff_user("bench-release", roles=["database"], actor=Actor.system("bench"))
    return _USER


def _setup(records: int):
    """Migrate, then a client with an agreement, the example template and a profiled synthetic file."""
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from verwerker.audit.actors import Actor
    from verwerker.clients.actions import do_activate_agreement, do_create_agreement, do_create_client
    from verwerker.datafiles.synthetic import address_csv
    from verwerker.production.models import Template
    from verwerker.production.render import EXAMPLES
    from verwerker.testing import receive_file

    actor = Actor.system("bench")
    client = do_create_client("Bench BV", contact_email="bench@example.test", actor=actor)
    agreement = do_create_agreement(client, reference="VO-BENCH", subject="bench", nature_and_purpose="bench",
                                    data_types="NAW", data_subject_categories="synthetic", actor=actor)
    do_activate_agreement(agreement, actor=actor)
    template = Template.objects.create(name="Brief", source=(EXAMPLES / "letter.typ").read_text())
    data_file = receive_file(client, "adressen.csv", address_csv(records, seed=7))
    if data_file.state != "profiled":
        raise SystemExit(f"the synthetic file was not profiled: {data_file.state}")
    return data_file, template


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench scale", description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=200_000)
    parser.add_argument("--runs", type=int, default=3, help="runs per worker count (alternating)")
    parser.add_argument("--part-size", type=int, default=5000, help="VERWERKER_JOB_PART_SIZE for the run")
    parser.add_argument("--pg", default="postgres://postgres@127.0.0.1:5432",
                        help="PostgreSQL server (a database of its own is created and dropped)")
    args = parser.parse_args()

    dbname = f"verwerker_bench_scale_{uuid.uuid4().hex[:8]}"
    data_dir = ROOT / "var" / dbname
    data_dir.mkdir(parents=True)
    with _pg_connect(args.pg, "postgres") as conn:
        conn.execute(f'CREATE DATABASE "{dbname}"')
    base = args.pg.rstrip("/")
    env = {
        **os.environ,
        **ONE_THREAD,
        "VERWERKER_DATABASE_URL": f"{base}/{dbname}",
        "VERWERKER_DATA_DIR": str(data_dir),
        "VERWERKER_JOB_PART_SIZE": str(args.part_size),
    }
    env.pop("DJANGO_SETTINGS_MODULE", None)
    os.environ.update({k: env[k] for k in ("VERWERKER_DATABASE_URL", "VERWERKER_DATA_DIR", "VERWERKER_JOB_PART_SIZE")})
    try:
        from bench.common import django_setup

        django_setup()
        t0 = time.perf_counter()
        data_file, template = _setup(args.records)
        print(f"setup (migrate, {args.records} records profiled): {time.perf_counter() - t0:.1f} s", flush=True)
        times: dict[int, list[float]] = {1: [], 2: []}
        part_times: dict[int, list[float]] = {1: [], 2: []}
        pages = parts = 0
        for run in range(args.runs):
            for workers in ((1, 2) if run % 2 == 0 else (2, 1)):
                elapsed, pages, parts, phases = _one_run(workers, data_file, template, env, dbname, args.pg)
                times[workers].append(elapsed)
                part_times[workers].append(phases["parts"])
                print(
                    f"  run {run + 1}: {workers} worker(s) {elapsed:.1f} s ({pages} pages, {parts} parts; "
                    f"prepare {phases['prepare']:.1f} s, parts {phases['parts']:.1f} s, finish {phases['finish']:.1f} s, "  # noqa: E501
                    f"parts rendered by {phases['workers_used']} worker(s))",
                    flush=True,
                )
        one, two = statistics.median(times[1]), statistics.median(times[2])
        parts_one, parts_two = statistics.median(part_times[1]), statistics.median(part_times[2])
        report("scale", records=args.records, parts=parts, pages=pages, runs=args.runs,
               one_worker_s=one, two_workers_s=two, pages_per_s_one=pages / one, pages_per_s_two=pages / two,
               speedup=one / two, parts_phase_speedup=parts_one / parts_two, target=1.7)
    finally:
        from django.db import connections

        connections.close_all()
        with _pg_connect(args.pg, "postgres") as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{dbname}" WITH (FORCE)')
        shutil.rmtree(data_dir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
