"""Instructions per page of rendering a part, counted by valgrind's callgrind: repeatable on a loaded machine.

What one worker and the parent do for a part of one-page letters of `bench/merge_letter.typ`, in one
process: `render.compile_chunk` of 400 fresh synthetic letters (Typst) and `pdfvt.assemble_part` of the
chunk (pikepdf, zlib). The child runs under callgrind twice, after the same set-up (imports, records
and their JSON for every part, one warm-up compile): once rendering no part, once rendering ``--parts``;
the difference over the pages is the figure, so start-up and the cold first compile drop out. Wall and
CPU time on the shared machine vary by tens of percent; this count varies by well under one.

    python -m bench instructions [--parts 2]

Slow (callgrind runs the code some fifty times slower: minutes), so `python -m bench` without a name
leaves it out. Compare code before and after a change with PYTHONPATH, as for the other benchmarks.
Needs valgrind (Debian package valgrind).
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
LETTERS = 400


def child(parts: int, render: bool) -> None:
    from verwerker.production.pdfvt import RecordInfo, assemble_part
    from verwerker.production.pipeline import MergeOptions, _letter_records, prepare, source_columns
    from verwerker.production.records import ROW, apply_mapping
    from verwerker.production.render import compile_chunk
    from verwerker.production.tests.synthetic import MAPPING, people

    path = str((HERE / "merge_letter.typ").resolve())
    work = []
    for seed in range(parts + 1):  # fresh records for each part: Typst memoises repeated content
        frame = people(LETTERS, seed=200 + seed)
        records, _rejects = prepare(frame, MAPPING, options=MergeOptions(), with_source=False)
        letters = list(_letter_records(source_columns(records, apply_mapping(frame, MAPPING))))
        infos = [RecordInfo(seq=s, row=r, bundle=b) for s, r, b in records.select("_seq", ROW, "_bundle").iter_rows()]
        work.append((json.dumps(letters, ensure_ascii=False), infos))
    compile_chunk(path, work[0][0])  # warm: fonts, library, template
    for records_json, infos in work[1:] if render else []:
        assemble_part([compile_chunk(path, records_json)], infos)


def _count(parts: int, render: bool, out_dir: str) -> int:
    out = f"{out_dir}/callgrind.{int(render)}"
    cmd = ["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}", sys.executable, "-m", "bench.instructions",
           "--child", "--parts", str(parts)] + (["--render"] if render else [])
    done = subprocess.run(cmd, cwd=HERE.parent, capture_output=True, text=True)
    found = re.search(r"Collected : (\d+)", done.stderr)
    if done.returncode != 0 or not found:
        sys.stderr.write(done.stderr[-3000:])
        raise SystemExit("bench instructions: the child failed under callgrind")
    return int(found.group(1))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--parts", type=int, default=2)
    parser.add_argument("--child", action="store_true")
    parser.add_argument("--render", action="store_true")
    args = parser.parse_args()
    if args.child:
        child(args.parts, args.render)
        return
    if shutil.which("valgrind") is None:
        raise SystemExit("bench instructions: needs valgrind")
    from bench.common import report

    with tempfile.TemporaryDirectory() as tmp:
        base = _count(args.parts, False, tmp)
        full = _count(args.parts, True, tmp)
    pages = args.parts * LETTERS
    report(f"instructions (compile and assemble {args.parts} parts of {LETTERS} one-page letters, one process)",
           instructions_per_page=(full - base) / pages, pages=pages)


if __name__ == "__main__":
    main()
