"""Cost curves: the main job's engine at growing record counts, time per record and peak memory.

Target (issue 23 item 5): the 1,000,000-record run stays under 1.5 GiB over all processes and its time per
record is within 1.2x of the 10,000-record run.

Each record count runs in a fresh process (its own data directory and database, as bench.audit sets up) that
does what a production job does, without the task queue: read the file (read_table), profile it
(profile_table), prepare (engine.prepare: normalise, deduplicate, sort, one records blob per part), render
every part (engine.render_part in two processes, as two `verwerker worker`s would, each from its part's own
records blob and compiling in the compile process render recycles after a few chunks) and store every part
and manifest in the vault (do_store_blob). Generating
the synthetic file and storing it as the upload are not timed. Peak memory is the summed resident memory of
the run's process and all its descendants, sampled every 0.1 s (bench.merge.TreeSampler). Both the RSS sum and
the PSS sum are reported (see TreeSampler); the target is judged on the RSS sum, the stricter. CPU seconds
include the render processes.

    python -m bench curves [--records 10000,100000,1000000] [--png docs/cost-curves.png]

Writes the PNG (matplotlib, the bench extra) and one report line per record count, then the ratios.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import resource
import subprocess
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

HERE = Path(__file__).resolve().parent
PART_SIZE = 5000


def _render(index: int, records_ipc: bytes, template: str, background: bytes) -> tuple[bytes, bytes, int]:
    """Part ``index`` from its own records blob, as do_render_part renders it."""
    from verwerker.production import engine

    part = engine.render_part(engine.read_records(records_ipc), index, template=Path(template), background=background,
                              part_size=PART_SIZE)
    return part.pdf, part.manifest_csv, part.pages


def child(records: int) -> dict:
    from bench.audit import _drop, _prepare_database
    from bench.merge import TreeSampler, _csv, background_pdf

    handle = _prepare_database()
    from bench.common import django_setup

    django_setup()
    import multiprocessing

    from django.core.management import call_command
    from django.utils import timezone

    from verwerker.audit.actors import Actor
    from verwerker.clients.actions import do_create_client
    from verwerker.datafiles.profile import profile_table
    from verwerker.datafiles.read import read_table
    from verwerker.production import engine
    from verwerker.production.tests.synthetic import MAPPING
    from verwerker.vault.actions import do_store_blob, read_blob_bytes

    try:
        call_command("migrate", verbosity=0)
        actor = Actor.system("bench")
        client = do_create_client("Curves Client", contact_email="curves@example.test", actor=actor)
        upload = do_store_blob(_csv(records), client=client, purpose="upload", name="adressen.csv", actor=actor)
        template = str((HERE / "merge_letter.typ").resolve())
        background = background_pdf()
        stages: dict[str, float] = {}
        pages = 0
        with TreeSampler() as sampler:
            start = time.perf_counter()

            def lap(name: str, since: float) -> float:
                now = time.perf_counter()
                stages[name] = now - since
                return now

            t = time.perf_counter()
            data = read_blob_bytes(upload, actor=actor, purpose="production")
            table = read_table(io.BytesIO(data), name="adressen.csv")
            t = lap("read", t)
            profile_table(table, name="adressen.csv", today=timezone.localdate())
            t = lap("profile", t)
            frame = table.frame
            data = table = None
            prepared = engine.prepare(frame, MAPPING, template=Path(template), dedupe="person", part_size=PART_SIZE,
                                      suppression=[])
            frame = None
            records_blobs = [do_store_blob(data, client=client, purpose="other", name="records", actor=actor)
                             for data in prepared.records_parts]
            t = lap("prepare", t)
            context = multiprocessing.get_context("forkserver")
            render_s = store_s = 0.0
            # Two processes as two workers; each compiles in its own recycled compile process
            # (render_part, as a task does), so these two need not be replaced. Four parts in flight at
            # most: a part's PDF waits in memory only until it is stored.
            with ProcessPoolExecutor(2, mp_context=context) as pool:
                parts = prepared.parts
                prepared = None

                def submit(i: int):
                    part_records = read_blob_bytes(records_blobs[i - 1], actor=actor, purpose="production")
                    return pool.submit(_render, i, part_records, template, background)

                futures = [submit(i) for i in range(1, min(parts, 4) + 1)]
                following = iter(range(min(parts, 4) + 1, parts + 1))
                while futures:
                    future = futures.pop(0)
                    w = time.perf_counter()
                    pdf, manifest, n = future.result()
                    nxt = next(following, None)
                    if nxt is not None:
                        futures.append(submit(nxt))
                    s = time.perf_counter()
                    render_s += s - w
                    do_store_blob(pdf, client=client, purpose="other", name="part", actor=actor)
                    do_store_blob(manifest, client=client, purpose="other", name="manifest", actor=actor)
                    store_s += time.perf_counter() - s
                    pages += n
            stages["render (waiting on the workers)"] = render_s
            stages["store"] = store_s
            seconds = time.perf_counter() - start
            time.sleep(0.3)
        me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime + sampler.worker_cpu
        return {"records": records, "pages": pages, "seconds": seconds, "cpu_seconds": cpu,
                "all_processes_peak_mib": sampler.peak_mib,
                "all_processes_peak_pss_mib": sampler.peak_pss_mib, "stages": stages, "load_1min": os.getloadavg()[0]}
    finally:
        _drop(handle)


def plot(results: list[dict], png: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    xs = [r["records"] for r in results]
    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 4))
    left.plot(xs, [r["seconds"] / r["records"] * 1000 for r in results], "o-", label="wall")
    left.plot(xs, [r["cpu_seconds"] / r["records"] * 1000 for r in results], "s--", label="CPU (all processes)")
    left.set_xscale("log")
    left.set_xlabel("records")
    left.set_ylabel("ms per record")
    left.set_ylim(bottom=0)
    left.legend()
    left.set_title("time per record")
    right.plot(xs, [r["all_processes_peak_mib"] for r in results], "o-", label="RSS summed")
    right.plot(xs, [r["all_processes_peak_pss_mib"] for r in results], "s--", label="PSS summed")
    right.axhline(1536, color="red", linestyle=":", label="1.5 GiB")
    right.set_xscale("log")
    right.set_xlabel("records")
    right.set_ylabel("MiB")
    right.set_ylim(bottom=0)
    right.legend()
    right.set_title("peak memory, all processes")
    loads = ", ".join(f"{r['load_1min']:.1f}" for r in results)
    fig.suptitle(f"Verwerker job engine (read, profile, prepare, render, store); 2 cores, load {loads}")
    fig.tight_layout()
    fig.savefig(png, dpi=100)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--records", default="10000,100000,1000000")
    parser.add_argument("--png", default=str(HERE.parent / "docs" / "cost-curves.png"))
    parser.add_argument("--child", type=int)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args.child)))
        return
    from bench.common import report

    results = []
    for n in [int(v) for v in args.records.split(",")]:
        done = subprocess.run([sys.executable, "-m", "bench.curves", "--child", str(n)], cwd=HERE.parent,
                              capture_output=True, text=True)
        if done.returncode != 0:
            sys.stderr.write(done.stderr)
            raise SystemExit(f"bench curves: the {n}-record run failed")
        r = json.loads(done.stdout.strip().splitlines()[-1])
        results.append(r)
        report(
            f"curves {n} records",
            pages=r["pages"],
            seconds=r["seconds"],
            ms_per_record=r["seconds"] / n * 1000,
            cpu_ms_per_record=r["cpu_seconds"] / n * 1000,
            all_processes_peak_mib=r["all_processes_peak_mib"],
            all_processes_peak_pss_mib=r["all_processes_peak_pss_mib"],
            load_1min=r["load_1min"],
            **{f"stage_{k.split(' ')[0]}_s": v for k, v in r["stages"].items()},
        )
    plot(results, Path(args.png))
    first, last = results[0], results[-1]
    report("curves", smallest=first["records"], largest=last["records"],
           time_per_record_ratio=(last["seconds"] / last["records"]) / (first["seconds"] / first["records"]),
           cpu_per_record_ratio=(last["cpu_seconds"] / last["records"]) / (first["cpu_seconds"] / first["records"]),
           max_all_processes_peak_mib=max(r["all_processes_peak_mib"] for r in results),
           max_all_processes_peak_pss_mib=max(r["all_processes_peak_pss_mib"] for r in results),
           target_ratio=1.2, target_peak_mib=1536, png=args.png)


if __name__ == "__main__":
    main()
