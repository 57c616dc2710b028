"""`python -m bench [NAME ...]`: run the named benchmarks, or all of them, each in its own process.

After a run of all of them (``make bench``) it prints the issue's table: each figure, what it was when the
issue was filed, its target and whether this run meets it, with the load average at the end of the run
that measured it. The figures come from the JSON line every benchmark writes to stderr (bench.common.report).
"""

import json
import os
import pkgutil
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
# instructions runs under valgrind for minutes: by name only (`python -m bench instructions`).
SKIP = {"common", "__main__", "instructions"}

# (bench line prefix, key, figure, before (issue 23), target, comparison)
TABLE = [
    ("merge", "ratio_to_reportlab", "letters/s wall: Verwerker ÷ reportlab", "1.32×", None, ""),
    ("merge", "cpu_ratio_to_reportlab", "letters per CPU-second: Verwerker ÷ reportlab", "0.73×", 1.5, ">="),
    ("vault", "encrypt_ratio_to_file_copy", "vault encrypt ÷ cp of the same file", "0.38×", 0.8, ">="),
    ("vault", "decrypt_ratio_to_plain", "vault decrypt ÷ plain read", "0.94×", 0.9, ">="),
    ("sftp_upload", "ratio", "SFTP upload 512 MiB: Verwerker ÷ OpenSSH", "0.80×", 1.0, ">="),
    ("profile csv", "ratio_to_polars_read", "profile 1M-row CSV ÷ bare polars read", "2.46×", 2.0, "<="),
    ("profile xlsx", "ratio_to_calamine_read", "profile XLSX ÷ bare calamine read", "1.94×", 1.5, "<="),
    ("audit (", "appends_per_s", "audit appends/s", "5,526/s", None, ""),
    ("audit (", "verify_1M_s", "audit verify 1M events (s)", "7.3 s", None, ""),
    ("audit writers", "appends_per_s", "audit appends/s, several writers (PostgreSQL)", "—", None, ""),
    ("curves", "time_per_record_ratio", "time/record: largest run (1M by default) ÷ 10k run", "—", 1.2, "<="),
    ("curves", "max_all_processes_peak_mib", "peak memory, all processes, largest run (MiB)", "—", 1536, "<="),
    ("scale", "speedup", "two workers ÷ one (PostgreSQL)", "—", 1.7, ">="),
    ("api_upload", "api_to_sftp", "issue 19: API upload ÷ SFTP upload, 512 MiB", "0.23× cp, spooled", 1.0, ">="),
    ("api_upload", "server_peak_rss_mib", "issue 19: web server peak memory (MiB)", "147", 200, "<="),
]


def _summary(results: list[dict]) -> None:
    print("\n== issue 23: figure, before, now, target (each figure's load average at the end of its run)")
    for prefix, key, label, before, target, op in TABLE:
        found = [r for r in results if str(r.get("bench", "")).startswith(prefix) and key in r]
        if not found:
            print(f"  {label}: not measured in this run")
            continue
        for r in found:
            value = r[key]
            met = "" if target is None else (
                "  MET" if (value >= target if op == ">=" else value <= target) else "  not met")
            goal = "keep" if target is None else f"{op} {target}"
            print(f"  {label} [{r['bench']}]: before {before}, now {value:.3f}, target {goal}{met}"
                  f"  (load {r.get('load_1min', float('nan')):.2f})")


def main() -> int:
    # `python -m bench NAME [args...]` runs one with its arguments; no arguments runs all with defaults.
    if len(sys.argv) > 1:
        runs = [(sys.argv[1], sys.argv[2:])]
    else:
        runs = [
            (m.name, []) for m in sorted(pkgutil.iter_modules([str(HERE)]), key=lambda m: m.name) if m.name not in SKIP
        ]
    status = 0
    results: list[dict] = []
    for name, args in runs:
        print(f"== bench {name}  (load {os.getloadavg()[0]:.2f})", flush=True)
        done = subprocess.run([sys.executable, "-m", f"bench.{name}", *args], cwd=HERE.parent,
                              stderr=subprocess.PIPE, text=True)
        sys.stderr.write(done.stderr)
        status |= done.returncode
        for line in done.stderr.splitlines():
            if line.startswith('{"bench"'):
                results.append(json.loads(line))
    _summary(results)
    return status


if __name__ == "__main__":
    sys.exit(main())
