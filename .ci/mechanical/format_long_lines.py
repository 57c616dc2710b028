"""Reformat (ruff format --range) each statement that ruff's E501 flags, bottom-up per file, nothing else.
Usage: python3 .ci/mechanical/format_long_lines.py  (from the repository's root; uses .venv/bin/ruff)"""
import collections, subprocess

out = subprocess.run([".venv/bin/ruff", "check", "--no-cache", "--select", "E501", "--output-format", "concise",
                      "src", "tests", "bench", "conftest.py"], capture_output=True, text=True).stdout
lines = collections.defaultdict(set)
for row in out.splitlines():
    parts = row.split(":")
    if len(parts) > 3 and parts[3].strip().startswith("E501"):
        lines[parts[0]].add(int(parts[1]))
for path, numbers in sorted(lines.items()):
    for n in sorted(numbers, reverse=True):
        subprocess.run([".venv/bin/ruff", "format", "--no-cache", "--quiet", f"--range={n}:1-{n + 1}:1", path], check=False)
print(sum(len(v) for v in lines.values()), "lines in", len(lines), "files")
