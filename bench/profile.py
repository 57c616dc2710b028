"""Profiling a client file, against the time polars takes merely to read the same bytes.

Targets (issue 5): `verwerker profile` on a 1,000,000-row messy CSV (Dutch names, tussenvoegsels,
additions like 12a/12-3/bis, mixed postcode formats, e-mail, birth date and IBAN columns) at most 3x
polars' bare read_csv of the same bytes, peak memory at most 2 GiB; a 200,000-row XLSX read with the
Rust-backed reader (calamine via fastexcel), compared with calamine's bare read of the same workbook.
Also: the vectorised IBAN/BSN checks against python-stdnum in a loop over the same values; and two
hostile files (issue 15), a 200 MB CSV without a line break and a CSV of 100,000 columns, which the
command must refuse (exit 2, one line) in under 10 s and 1 GiB.

    python -m bench profile [--rows 1000000] [--xlsx-rows 200000] [--runs 3]

The data is synthetic (tests/samples/generate.py). The command is also run as a user runs it (a
subprocess on a file), for its wall time and peak memory (the child's maximum resident size).
"""

from __future__ import annotations

import argparse
import datetime
import io
import os
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path
from xml.sax.saxutils import escape

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests" / "samples"))


def _xlsx(header: list[str], rows: list[list[str]]) -> bytes:
    """A plain XLSX with inline strings, written directly (openpyxl would take minutes for 200k rows)."""
    def col(i: int) -> str:
        name = ""
        i += 1
        while i:
            i, r = divmod(i - 1, 26)
            name = chr(65 + r) + name
        return name

    cols = [col(i) for i in range(len(header))]
    parts = ['<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
             '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>']
    for r, row in enumerate([header, *rows], start=1):
        cells = "".join(
            f'<c r="{cols[c]}{r}" t="inlineStr"><is><t>{escape(v)}</t></is></c>' for c, v in enumerate(row) if v != ""
        )
        parts.append(f'<row r="{r}">{cells}</row>')
    parts.append("</sheetData></worksheet>")
    files = {
        "[Content_Types].xml": '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'  # noqa: E501
        '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'  # noqa: E501
        "</Types>",
        "_rels/.rels": '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>'  # noqa: E501
        "</Relationships>",
        "xl/workbook.xml": '<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '  # noqa: E501
        'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets>'
        '<sheet name="Adressen" sheetId="1" r:id="rId1"/></sheets></workbook>',
        "xl/_rels/workbook.xml.rels": '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>'  # noqa: E501
        "</Relationships>",
        "xl/worksheets/sheet1.xml": "".join(parts),
    }
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for name, text in files.items():
            z.writestr(name, text)
    return out.getvalue()


def _issue_columns(header: list[str], rows: list[list[str]]) -> tuple[list[str], list[list[str]]]:
    """The columns the issue names: the NAW ones plus e-mail, birth date and IBAN."""
    keep = [i for i, h in enumerate(header) if h not in ("Telefoon", "Sofinummer", "Diagnose")]
    return [header[i] for i in keep], [[r[i] for i in keep] for r in rows]


# The command's own peak resident size, read by the command process itself at exit (VmHWM starts afresh
# at exec). RUSAGE_CHILDREN would not do: a child's ru_maxrss includes the pages it shared with this
# process (which holds the generated rows, gigabytes of Python objects) between fork and exec.
_WITH_PEAK = (
    "import atexit, runpy, sys\n"
    "def _peak():\n"
    "    with open('/proc/self/status') as status:\n"
    "        sys.stderr.write(next(line for line in status if line.startswith('VmHWM:')))\n"
    "atexit.register(_peak)\n"
    "sys.argv = ['verwerker', *sys.argv[1:]]\n"
    "runpy.run_module('verwerker', run_name='__main__', alter_sys=True)\n"
)


def _peak_mib(stderr: bytes) -> float:
    line = next(line for line in stderr.decode().splitlines() if line.startswith("VmHWM:"))
    return int(line.split()[1]) / 1024


def _hostile(tmp: Path, env: dict) -> dict:
    """Exit status, wall time, peak memory and stderr lines of the command on two hostile files."""
    files = {
        "200MB_single_line": b"Naam;" + b"x" * (200 * 10**6) + b"\n",
        "100000_columns": ";".join(f"k{i}" for i in range(100_000)).encode() + b"\n"
        + ";".join("x" for _ in range(100_000)).encode() + b"\n",
    }
    out = {}
    for name, data in files.items():
        path = tmp / f"{name}.csv"
        path.write_bytes(data)
        del data
        start = time.perf_counter()
        done = subprocess.run([sys.executable, "-c", _WITH_PEAK, "profile", str(path)], env=env, capture_output=True)
        wall = time.perf_counter() - start
        lines = [line for line in done.stderr.decode().splitlines() if not line.startswith("VmHWM:")]
        out[name] = {"file_mib": path.stat().st_size / 2**20, "exit": done.returncode, "wall_s": wall,
                     "peak_mib": _peak_mib(done.stderr), "stderr_lines": len(lines)}
        path.unlink()
    files.clear()
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--xlsx-rows", type=int, default=200_000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()

    import generate  # tests/samples/generate.py
    import polars as pl

    from bench.common import django_setup, median_seconds, report

    django_setup()
    from verwerker.datafiles import validators
    from verwerker.datafiles.profile import profile_table
    from verwerker.datafiles.read import read_table

    today = datetime.date(2025, 6, 1)
    start = time.perf_counter()
    header, rows, truth = generate.make_records(args.rows, seed=7, high=True, today=today)
    bsn_values = [r[header.index("Sofinummer")] for r in rows[:200_000]]
    header, rows = _issue_columns(header, rows)
    csv_bytes = generate.to_csv(header, rows, delimiter=";")
    print(f"generated {len(rows)} rows, {len(csv_bytes) / 2**20:.0f} MiB CSV in {time.perf_counter() - start:.0f} s",
          file=sys.stderr)

    # CSV: the full profile in-process vs polars' bare read of the same bytes.
    result = {}

    def run_profile():
        table = read_table(io.BytesIO(csv_bytes), name="bench.csv")
        result["p"] = profile_table(table, name="bench.csv", today=today)

    # The two are measured in turns, so a change in the machine's load (it is shared) falls on both.
    bare_times, prof_times = [], []
    for _ in range(args.runs):
        bare_times.append(median_seconds(lambda: pl.read_csv(csv_bytes, separator=";", infer_schema=False), runs=1))
        prof_times.append(median_seconds(run_profile, runs=1))
    bare, prof = statistics.median(bare_times), statistics.median(prof_times)
    p = result["p"]
    assert p.rows == truth["rows"] and p.minors == truth["minors"] and p.duplicates == truth["duplicates"], (
        p.rows, p.minors, p.duplicates, truth)

    # The command as a user runs it: a subprocess on a file (synthetic data, so a temporary file is fine).
    with tempfile.TemporaryDirectory(prefix="verwerker-bench-") as tmp:
        path = Path(tmp) / "bench.csv"
        path.write_bytes(csv_bytes)
        env = {**os.environ, "VERWERKER_DATA_DIR": tmp, "DJANGO_SETTINGS_MODULE": "verwerker.settings"}
        cmd = [sys.executable, "-c", _WITH_PEAK, "profile", str(path), "--json", "--today", today.isoformat()]
        peaks = []
        wall = median_seconds(
            lambda: peaks.append(_peak_mib(subprocess.run(cmd, env=env, check=True, capture_output=True).stderr)),
            runs=args.runs,
        )
        peak = max(peaks)
        hostile = _hostile(Path(tmp), env)

    # Validation: staged polars expressions vs python-stdnum in a loop, same values.
    from stdnum import iban as std_iban
    from stdnum.nl import bsn as std_bsn

    ibans = pl.Series("v", [r[header.index("Veld7")] for r in rows[:200_000]])
    bsns = pl.Series("v", bsn_values)
    frame = pl.DataFrame({"iban": ibans, "bsn": bsns})
    vec_iban = median_seconds(lambda: validators.valid_ibans(frame["iban"]).sum(), runs=args.runs)
    vec_bsn = median_seconds(lambda: validators.valid_bsns(frame["bsn"]).sum(), runs=args.runs)
    loop_iban = median_seconds(lambda: sum(std_iban.is_valid(x) for x in ibans.to_list() if x), runs=1)
    loop_bsn = median_seconds(lambda: sum(std_bsn.is_valid(x) for x in bsns.to_list() if x), runs=1)

    report(
        "profile csv",
        rows=len(rows),
        polars_read_s=bare,
        profile_s=prof,
        ratio_to_polars_read=prof / bare,
        load_1min=os.getloadavg()[0],
        command_wall_s=wall,
        command_peak_mib=peak,
        runs=args.runs,
    )
    for name, figures in hostile.items():
        report(f"profile hostile {name}", **figures)
    report(
        "validate",
        iban_per_s=len(ibans) / vec_iban,
        iban_stdnum_loop_per_s=len(ibans) / loop_iban,
        iban_speedup=loop_iban / vec_iban,
        bsn_per_s=len(bsns) / vec_bsn,
        bsn_stdnum_loop_per_s=len(bsns) / loop_bsn,
        bsn_speedup=loop_bsn / vec_bsn,
    )
    rows = csv_bytes = frame = None  # let go of the CSV part before the XLSX one

    if args.xlsx_rows:
        import fastexcel

        header, xrows, xtruth = generate.make_records(args.xlsx_rows, seed=8, high=True, today=today)
        header, xrows = _issue_columns(header, xrows)
        xlsx = _xlsx(header, xrows)
        bare_x = median_seconds(
            lambda: fastexcel.read_excel(xlsx).load_sheet(0, dtypes="string").to_polars(), runs=args.runs
        )

        def run_xlsx():
            table = read_table(io.BytesIO(xlsx), name="bench.xlsx")
            result["x"] = profile_table(table, name="bench.xlsx", today=today)

        prof_x = median_seconds(run_xlsx, runs=args.runs)
        assert result["x"].rows == xtruth["rows"], (result["x"].rows, xtruth["rows"])
        report(
            "profile xlsx",
            rows=len(xrows),
            xlsx_mib=len(xlsx) / 2**20,
            calamine_read_s=bare_x,
            profile_s=prof_x,
            ratio_to_calamine_read=prof_x / bare_x,
            reader="fastexcel/calamine (Rust)",
            runs=args.runs,
        )


if __name__ == "__main__":
    main()
