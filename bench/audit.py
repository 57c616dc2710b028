"""Audit log: appends per second, and the time to verify a chain of 1,000,000 events.

Targets (issue 2): >= 2,000 appends/s and verify <= 10 s for 1M events on the 2-core machine.
Baseline measured in the same run: a plain INSERT of the same row without the chain (no lock, no
head lookup, no hashing), so the ratio shows what the chain costs.

    python -m bench audit [--events 1000000] [--appends 3000] [--runs 3] [--writers 4]

With ``--writers N`` (default 4 on PostgreSQL, none on SQLite) N processes append at once, each in its
own transactions, as N workers and sftpd processes on one database would: the chain has one head, so
appends serialise on its lock, and the figure shows how far that single writer carries (issue 23 item
6). Beside it, the same N processes doing plain INSERTs: the database's commit rate without the chain.

Runs on a fresh database: SQLite in a throw-away data directory, or PostgreSQL when
VERWERKER_DATABASE_URL is set (a database of its own is created and dropped).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid


def _prepare_database() -> str | None:
    """Point the settings at a fresh database; return the PostgreSQL database to drop afterwards."""
    os.environ["VERWERKER_DATA_DIR"] = tempfile.mkdtemp(prefix="verwerker-bench-")
    url = os.environ.get("VERWERKER_DATABASE_URL")
    if not url:
        return None
    import psycopg

    base, _, _name = url.rpartition("/")
    name = f"verwerker_bench_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(base.replace("postgres://", "postgresql://") + "/postgres", autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    os.environ["VERWERKER_DATABASE_URL"] = f"{base}/{name}"
    return f"{base}/postgres|{name}"


def _writers(count: int, appends: int, *, plain: bool, run: int) -> float:
    """Appends per second of ``count`` processes appending at once (from the first start to the last end)."""
    start_at = time.time() + 8.0  # every child is set up and connected before the clock starts
    procs = [subprocess.Popen([sys.executable, "-m", "bench.audit", "--writer-child", str(run * count + i),
                               "--appends", str(appends), "--start-at", str(start_at), *(["--plain"] if plain else [])],
                              stdout=subprocess.PIPE, text=True) for i in range(count)]
    spans = [json.loads(p.communicate()[0].strip().splitlines()[-1]) for p in procs]
    if any(p.returncode for p in procs):
        raise SystemExit("bench audit: a writer process failed")
    return count * appends / (max(e for _s, e in spans) - min(s for s, _e in spans))


def _writer_child(args) -> None:
    from bench.common import django_setup

    django_setup()
    from django.db import connection, transaction
    from django.utils import timezone

    from verwerker.audit import chain
    from verwerker.audit.actions import do_record_event
    from verwerker.audit.actors import Actor
    from verwerker.audit.events import EventType
    from verwerker.audit.models import AuditEvent

    actor = Actor.system(f"bench writer {args.writer_child}")
    details = {"file": 123, "rows": 5186, "risk": "standard"}
    connection.ensure_connection()
    time.sleep(max(0.0, args.start_at - time.time()))
    start = time.time()
    for i in range(args.appends):
        if args.plain:
            with transaction.atomic():
                AuditEvent.objects.create(
                    seq=-(10**9 + args.writer_child * 10**6 + i), created_at=timezone.now(), actor_type="system",
                    actor_label="bench", client_id=1, action=int(EventType.CLIENT_CHANGED), object_id=str(i),
                    details=chain.canonical_details(details), prev_hash="-", hash="-",
                )
        else:
            do_record_event(EventType.CLIENT_CHANGED, actor=actor, client_id=1, object_id=i, details=details)
    print(json.dumps([start, time.time()]))


def _drop(handle: str | None) -> None:
    if handle:
        import psycopg
        from django.db import connections

        connections.close_all()
        admin_url, name = handle.split("|")
        with psycopg.connect(admin_url.replace("postgres://", "postgresql://"), autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--appends", type=int, default=3000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--writers", type=int)
    parser.add_argument("--writer-child", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--plain", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--start-at", type=float, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.writer_child is not None:
        _writer_child(args)
        return

    handle = _prepare_database()
    from bench.common import django_setup, report

    django_setup()
    from django.core.management import call_command
    from django.db import connection, transaction
    from django.utils import timezone

    from verwerker.audit import chain
    from verwerker.audit.actions import do_record_event
    from verwerker.audit.actors import Actor
    from verwerker.audit.events import EventType
    from verwerker.audit.models import AuditEvent
    from verwerker.audit.queries import verify_chain

    try:
        call_command("migrate", verbosity=0)
        actor = Actor.system("bench")
        details = {"file": 123, "rows": 5186, "risk": "standard"}

        # Appends: each in its own transaction, as actions do.
        chained, plain = [], []
        for _ in range(args.runs):
            start = time.perf_counter()
            for i in range(args.appends):
                do_record_event(EventType.CLIENT_CHANGED, actor=actor, client_id=1, object_id=i, details=details)
            chained.append(args.appends / (time.perf_counter() - start))

            start = time.perf_counter()
            for i in range(args.appends):
                with transaction.atomic():
                    AuditEvent.objects.create(
                        seq=-(1 + len(plain) * args.appends + i), created_at=timezone.now(), actor_type="system",
                        actor_label="bench", client_id=1, action=int(EventType.CLIENT_CHANGED), object_id=str(i),
                        details=chain.canonical_details(details), prev_hash="-", hash="-",
                    )
            plain.append(args.appends / (time.perf_counter() - start))
        writers = args.writers if args.writers is not None else (4 if connection.vendor == "postgresql" else 0)
        if writers > 1:
            connection.close()  # the children share the database; this process waits
            many = {kind: statistics.median(_writers(writers, args.appends, plain=kind == "plain", run=r)
                                            for r in range(args.runs)) for kind in ("chained", "plain")}
            report(f"audit writers ({connection.vendor})", writers=writers, appends_per_s=many["chained"],
                   plain_inserts_per_s=many["plain"], append_ratio_to_plain=many["chained"] / many["plain"],
                   runs=args.runs)
        # The plain rows are not part of the chain; start the verify part on a clean table.
        from verwerker.audit import triggers

        triggers.remove(connection)
        AuditEvent.objects.all().delete()
        triggers.install(connection)

        # Build a 1M-event chain quickly (bulk insert of correctly chained rows), then verify it.
        prev = chain.GENESIS
        now = timezone.now()
        batch = []
        for seq in range(1, args.events + 1):
            event = AuditEvent(
                seq=seq, created_at=now, actor_type="system", actor_label="bench", client_id=seq % 50,
                action=int(EventType.CLIENT_CHANGED), object_type="clients.client", object_id=str(seq),
                details=chain.canonical_details(details), prev_hash=prev,
            )
            event.hash = prev = chain.link(prev, event.chain_values())
            batch.append(event)
            if len(batch) == 20_000:
                AuditEvent.objects.bulk_create(batch)
                batch = []
        if batch:
            AuditEvent.objects.bulk_create(batch)

        verify_times, hash_only = [], []
        for _ in range(args.runs):
            start = time.perf_counter()
            result = verify_chain()
            verify_times.append(time.perf_counter() - start)
            assert result.ok and result.events == args.events, result
            # Baseline: reading the same rows without checking anything.
            start = time.perf_counter()
            for _row in (
                AuditEvent.objects.order_by("seq")
                .values_list(*chain.FIELDS, "prev_hash", "hash")
                .iterator(chunk_size=20_000)
            ):
                pass
            hash_only.append(time.perf_counter() - start)

        report(
            f"audit ({connection.vendor})",
            appends_per_s=statistics.median(chained),
            plain_inserts_per_s=statistics.median(plain),
            append_ratio_to_plain=statistics.median(chained) / statistics.median(plain),
            verify_1M_s=statistics.median(verify_times) * 1_000_000 / args.events,
            read_only_1M_s=statistics.median(hash_only) * 1_000_000 / args.events,
            verify_ratio_to_read=statistics.median(verify_times) / statistics.median(hash_only),
            events=args.events,
            runs=args.runs,
        )
    finally:
        _drop(handle)


if __name__ == "__main__":
    main()
