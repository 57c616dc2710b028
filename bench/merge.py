"""Merge: one-page letters on a shared background, Verwerker's engine against a reportlab baseline.

Targets (issue 6): `verwerker merge` end to end (normalise, dedupe, sort, render, PDF/VT) >= 1.0x the
pages per second of a minimal reportlab script that draws the same letter with the background as one
shared form XObject, measured in the same run; added size per page <= 2 KB over the background; peak
memory <= 1.5 GiB whatever the record count.

    python -m bench merge [--records 10000] [--runs 3] [--workers 2] [--only verwerker|reportlab]
    python -m bench merge --sort-rows 1000000     # also time normalise+dedupe+sort on 1M rows

Each run is a fresh process, so its peak memory is its own; medians over the runs are reported.
Reading the file is included when verwerker.datafiles is installed (the CSV is read from memory);
otherwise the table is built in memory and the figure says so. Records are synthetic.
Needs reportlab (the `bench` extra: pip install -e '.[bench]').
"""

from __future__ import annotations

import argparse
import io
import json
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
CHUNK, RECYCLE = 400, 3  # set from --chunk / --recycle
PARAGRAPHS = (
    "Wij schrijven u over uw huurovereenkomst met kenmerk {ref}. Per 1 juli wordt de huurprijs aangepast; in "
    "deze brief leest u wat dat voor u betekent en wat u kunt doen als u het er niet mee eens bent.",
    "De nieuwe huurprijs voor {street} gaat in op de eerste dag van de maand. U hoeft daarvoor zelf niets te "
    "doen: de automatische incasso wordt aangepast. Bewaar deze brief bij uw administratie.",
    "Heeft u vragen, {name}? Bel ons op werkdagen tussen 9 en 17 uur en noem uw kenmerk {ref}, of kijk op "
    "onze website.",
)


def _draw_letterhead(c) -> None:
    c.setFillColorRGB(0.1, 0.3, 0.6)
    c.rect(40, 780, 220, 40, fill=1, stroke=0)
    c.setFillColorRGB(1, 1, 1)
    c.setFont("Helvetica-Bold", 18)
    c.drawString(50, 793, "Woningstichting Voorbeeld")
    c.setFillColorRGB(0.1, 0.3, 0.6)
    c.setFont("Helvetica", 8)
    for i, line in enumerate(("Postbus 1000", "1000 AA  AMSTERDAM", "www.voorbeeld.example", "KvK 12345678")):
        c.drawString(430, 805 - i * 11, line)
    c.setStrokeColorRGB(0.1, 0.3, 0.6)
    c.line(40, 40, 555, 40)


def background_pdf() -> bytes:
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=A4)
    _draw_letterhead(c)
    c.showPage()
    c.save()
    return buf.getvalue()


def _frame(n: int):
    from verwerker.production.tests.synthetic import people

    return people(n, seed=42)


def _csv(n: int, batch: int = 100_000) -> bytes:
    """The synthetic file as CSV bytes, generated in batches so the generator's objects stay few."""
    from verwerker.production.tests.synthetic import people

    out = io.BytesIO()
    for start in range(0, n, batch):
        frame = people(min(batch, n - start), seed=42 + start, start=start)
        out.write(frame.write_csv(separator=";", include_header=start == 0).encode())
    return out.getvalue()


def run_reportlab(n: int) -> dict:
    """The baseline: background as one form XObject, address, KIX bars, salutation, three paragraphs."""
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.units import mm
    from reportlab.lib.utils import simpleSplit
    from reportlab.pdfgen import canvas

    from verwerker.production.address import Unaddressable, build_address_block
    from verwerker.production.kix import kix_bars
    from verwerker.production.tests.synthetic import MAPPING

    frame = _frame(n).rename(MAPPING)
    start = time.perf_counter()
    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=A4, pageCompression=1)
    c.beginForm("bg")
    _draw_letterhead(c)
    c.endForm()
    height = A4[1]
    pages = 0
    for rec in frame.iter_rows(named=True):
        try:
            block = build_address_block(rec)
        except Unaddressable:
            continue
        c.doForm("bg")
        c.setFillColorRGB(0, 0, 0)
        text = c.beginText(25 * mm, height - 62.7 * mm - 10)
        text.setFont("Helvetica", 10)
        for line in block.lines:
            text.textLine(line)
        c.drawText(text)
        y = height - 62.7 * mm - 10 - 14 * (len(block.lines) + 1)
        for i, bar in enumerate(kix_bars(block.kix) if block.kix else ""):
            top = 0 if bar in "FA" else 1.88 * mm
            bottom = 5.03 * mm if bar in "FD" else 3.15 * mm
            c.rect(25 * mm + i * 25.4 * mm / 22, y - bottom, 0.5 * mm, bottom - top, fill=1, stroke=0)
        text = c.beginText(25 * mm, height - 100 * mm)
        text.setFont("Helvetica", 10)
        text.textLine(block.greeting)
        text.textLine("")
        fields = {"ref": rec["reference"], "street": block.lines[-2], "name": f"{rec['initials']} {rec['last_name']}"}
        for paragraph in PARAGRAPHS:
            for line in simpleSplit(paragraph.format(**fields), "Helvetica", 10, 165 * mm):
                text.textLine(line)
            text.textLine("")
        text.textLine("Met vriendelijke groet,")
        text.textLine("")
        text.textLine("Woningstichting Voorbeeld")
        c.drawText(text)
        c.showPage()
        pages += 1
    c.save()
    seconds = time.perf_counter() - start
    return {"pages": pages, "seconds": seconds, "bytes": len(buf.getvalue())}


class TreeSampler:
    """Peak of the summed resident memory of this process and all its descendants (fork-server workers
    included), sampled from /proc every 0.1 s; and the CPU the fork server's reaped workers used.

    ``peak_mib`` sums RSS, which counts pages the forked processes share (the fork server's imports)
    once per process; ``peak_pss_mib`` sums PSS (each shared page split among its sharers), what the
    processes really take from the machine together."""

    def __init__(self):
        import os
        import threading

        self.root = os.getpid()
        self.peak_mib = 0.0
        self.peak_pss_mib = 0.0
        self.worker_cpu = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    @staticmethod
    def _stat(pid: str) -> list[str] | None:
        try:
            with open(f"/proc/{pid}/stat") as f:
                return f.read().rsplit(")", 1)[1].split()
        except OSError:
            return None

    @staticmethod
    def _pss_kib(pid: str) -> int:
        try:
            with open(f"/proc/{pid}/smaps_rollup") as f:
                for line in f:
                    if line.startswith("Pss:"):
                        return int(line.split()[1])
        except OSError:
            pass
        return 0

    def _tree(self) -> dict[str, list[str]]:
        import os

        stats = {pid: st for pid in os.listdir("/proc") if pid.isdigit() and (st := self._stat(pid))}
        children: dict[str, list[str]] = {}
        for pid, st in stats.items():
            children.setdefault(st[1], []).append(pid)
        found, todo = {}, [str(self.root)]
        while todo:
            pid = todo.pop()
            if pid in stats:
                found[pid] = stats[pid]
            todo.extend(children.get(pid, []))
        return found

    def _run(self) -> None:
        import os

        page = os.sysconf("SC_PAGE_SIZE")
        while not self._stop.wait(0.1):
            tree = self._tree()
            self.peak_mib = max(self.peak_mib, sum(int(st[21]) for st in tree.values()) * page / 2**20)
            self.peak_pss_mib = max(self.peak_pss_mib, sum(self._pss_kib(pid) for pid in tree) / 1024)
            for pid, st in tree.items():
                if pid != str(self.root) and st[1] == str(self.root):
                    # utime/stime of a direct child plus what it reaped (the fork server's workers).
                    ticks = os.sysconf("SC_CLK_TCK")
                    self.worker_cpu = max(
                        self.worker_cpu, (int(st[13]) + int(st[14]) + int(st[15]) + int(st[16])) / ticks
                    )

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()


def run_verwerker(n: int, workers: int) -> dict:
    import polars as pl

    from verwerker.production.pipeline import MergeOptions, merge
    from verwerker.production.render import Template
    from verwerker.production.tests.synthetic import MAPPING

    csv_bytes = _csv(n)
    bg = background_pdf()
    sizes = []
    start = time.perf_counter()
    try:
        from verwerker.datafiles.read import read_table

        table = read_table(csv_bytes, name="adressen.csv").frame
        read = "datafiles"
    except ImportError:
        table = pl.read_csv(io.BytesIO(csv_bytes), separator=";", infer_schema=False)
        read = "polars (datafiles not installed)"
    csv_bytes = None  # as `verwerker merge` does: the frame is kept, the file's bytes are not
    with TreeSampler() as sampler:
        result = merge(table, MAPPING, template=Template(HERE / "merge_letter.typ"), background=bg,
                       write_part=lambda i, total, pdf: sizes.append(len(pdf)),
                       options=MergeOptions(workers=workers, chunk_size=CHUNK, chunks_per_worker=RECYCLE))
        seconds = time.perf_counter() - start
        # The fork server outlives the run; its reaped workers' CPU shows once the last one is gone.
        time.sleep(0.3)
    return {
        "pages": result.pages,
        "seconds": seconds,
        "bytes": sum(sizes),
        "parts": len(sizes),
        "read": read,
        "background_bytes": len(bg),
        "tree_peak_mib": sampler.peak_mib,
        "tree_peak_pss_mib": sampler.peak_pss_mib,
        "worker_cpu": sampler.worker_cpu,
    }


def time_sort(rows: int) -> dict:
    import polars as pl

    from verwerker.production.pipeline import MergeOptions, prepare
    from verwerker.production.tests.synthetic import MAPPING

    frame = pl.read_csv(io.BytesIO(_csv(rows)), separator=";", infer_schema=False)
    start = time.perf_counter()
    records, rejects = prepare(frame, MAPPING, options=MergeOptions())
    return {"rows": rows, "seconds": time.perf_counter() - start, "kept": records.height, "rejects": len(rejects)}


def child(args) -> None:
    if args.child == "reportlab":
        out = run_reportlab(args.records)
    elif args.child == "verwerker":
        out = run_verwerker(args.records, args.workers)
    else:
        out = time_sort(args.sort_rows)
    me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    # CPU seconds of this process and its (finished) workers: steadier than wall time on a shared machine.
    out["cpu_seconds"] = me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime + out.get("worker_cpu", 0.0)
    out["peak_mib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    out["children_peak_mib"] = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(json.dumps(out))


def _spawn(kind: str, args) -> dict:
    cmd = [sys.executable, "-m", "bench.merge", "--child", kind, "--records", str(args.records),
           "--workers", str(args.workers), "--sort-rows", str(args.sort_rows),
           "--chunk", str(args.chunk), "--recycle", str(args.recycle)]
    done = subprocess.run(cmd, cwd=HERE.parent, capture_output=True, text=True)
    if done.returncode != 0:
        sys.stderr.write(done.stderr)
        raise SystemExit(f"bench merge: the {kind} run failed")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--records", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--only", choices=["verwerker", "reportlab"])
    parser.add_argument("--sort-rows", type=int, default=0)
    parser.add_argument("--chunk", type=int, default=400, help="records per Typst compile")
    parser.add_argument("--recycle", type=int, default=3, help="chunks before a worker is replaced")
    parser.add_argument("--child", choices=["verwerker", "reportlab", "sort"])
    args = parser.parse_args()
    global CHUNK, RECYCLE
    CHUNK, RECYCLE = args.chunk, args.recycle
    if args.child:
        child(args)
        return
    from bench.common import report

    sides = [args.only] if args.only else ["verwerker", "reportlab"]
    results: dict[str, list[dict]] = {s: [] for s in sides}
    for _ in range(args.runs):
        for side in sides:  # interleaved, so a noisy neighbour hurts both sides alike
            results[side].append(_spawn(side, args))
    figures = {}
    for side, runs in results.items():
        figures[f"{side}_pages_per_s"] = statistics.median(r["pages"] / r["seconds"] for r in runs)
        figures[f"{side}_pages_per_cpu_s"] = statistics.median(r["pages"] / r["cpu_seconds"] for r in runs)
        figures[f"{side}_peak_mib"] = statistics.median(r["peak_mib"] for r in runs)
        figures[f"{side}_bytes_per_page"] = statistics.median(r["bytes"] / r["pages"] for r in runs)
    if "verwerker" in results:
        v = results["verwerker"]
        figures["verwerker_all_processes_peak_mib"] = statistics.median(r["tree_peak_mib"] for r in v)
        figures["verwerker_all_processes_peak_pss_mib"] = statistics.median(r["tree_peak_pss_mib"] for r in v)
        # The background is stored once per part; what each letter adds on top of it:
        figures["verwerker_added_bytes_per_page"] = statistics.median(
            (r["bytes"] - r["parts"] * r["background_bytes"]) / r["pages"] for r in v)
        figures["read"] = v[0]["read"]
    if len(sides) == 2:
        figures["ratio_to_reportlab"] = figures["verwerker_pages_per_s"] / figures["reportlab_pages_per_s"]
        figures["cpu_ratio_to_reportlab"] = figures["verwerker_pages_per_cpu_s"] / figures["reportlab_pages_per_cpu_s"]
    report(
        f"merge ({args.records} one-page letters, workers={args.workers}, chunk={args.chunk}, recycle={args.recycle})",
        **figures,
        runs=args.runs,
    )
    if args.sort_rows:
        runs = [_spawn("sort", args) for _ in range(args.runs)]
        report(f"prepare (normalise, dedupe, sort) {args.sort_rows} rows",
               seconds=statistics.median(r["seconds"] for r in runs),
               rows_per_s=statistics.median(r["rows"] / r["seconds"] for r in runs),
               peak_mib=statistics.median(r["peak_mib"] for r in runs), runs=args.runs)


if __name__ == "__main__":
    main()
