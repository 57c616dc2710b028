"""Where a part's CPU time goes: the stages of rendering one part, timed one by one in one process.

For docs/production.md ("Where a part's time goes"): prepare, record dicts and JSON, Typst compile,
the pikepdf steps of pdfvt.assemble_part (open, markers, deflating the page contents Typst leaves
uncompressed, page copy, background and KIX, DPart tree, identification, save) and the vault's
encryption with its SHA-256. CPU time (time.process_time) per page, medians over the repetitions;
fresh synthetic records each repetition, because Typst memoises repeated content. The stages call
pdfvt's own helpers in assemble_part's order; the part is the same (tests/test_render.py checks
assemble_part itself).

    python -m bench stages [--records 2000] [--runs 3]
"""

from __future__ import annotations

import argparse
import hashlib
import io
import json
import statistics
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
CHUNK = 400


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--records", type=int, default=2000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    import pikepdf

    from bench.common import report
    from bench.merge import background_pdf
    from verwerker.production import pdfvt
    from verwerker.production.pipeline import MergeOptions, _letter_records, prepare, source_columns
    from verwerker.production.records import ROW, apply_mapping
    from verwerker.production.render import compile_chunk
    from verwerker.production.tests.synthetic import MAPPING, people
    from verwerker.vault import crypto

    n = args.records
    background = pdfvt.load_background(background_pdf())
    path = str((HERE / "merge_letter.typ").resolve())
    compile_chunk(path, "[]")
    stages: dict[str, list[float]] = {}
    for run in range(args.runs):
        times: dict[str, float] = {}
        clock = [time.process_time()]

        def lap(name: str, times: dict[str, float] = times, clock: list[float] = clock) -> None:
            now = time.process_time()
            times[name] = times.get(name, 0.0) + now - clock[0]
            clock[0] = now

        frame = people(n, seed=100 + run)
        clock[0] = time.process_time()
        records, _rejects = prepare(frame, MAPPING, options=MergeOptions(), with_source=False)
        lap("prepare")
        letters = list(_letter_records(source_columns(records, apply_mapping(frame, MAPPING))))
        chunks = [json.dumps(letters[i:i + CHUNK], ensure_ascii=False) for i in range(0, len(letters), CHUNK)]
        lap("dicts_json")
        pdfs = [compile_chunk(path, chunk) for chunk in chunks]
        lap("typst_compile")
        infos = [
            pdfvt.RecordInfo(seq=s, row=r, bundle=b) for s, r, b in records.select("_seq", ROW, "_bundle").iter_rows()
        ]
        part, starts, kixes, objs = pikepdf.new(), [], {}, []
        for data in pdfs:
            src = pikepdf.open(io.BytesIO(data))
            lap("pdf_open")
            src_pages = list(src.Root.Pages.Kids)
            for i, obj in enumerate(src_pages):
                found = pdfvt._take_marker(obj)
                if found is not None:
                    starts.append(len(objs) + i)
                    if found[2]:
                        kixes[len(objs) + i] = [(found[1], found[2])]
                if "/TrimBox" not in obj:
                    obj.TrimBox = obj.MediaBox
            lap("pdf_markers")
            for obj in src_pages:
                pdfvt._deflate_contents(obj)
            lap("pdf_deflate_contents")
            objs.extend(pdfvt._copy_pages(part, src, src_pages))
            lap("pdf_copy_pages")
        pdfvt._set_page_tree(part, objs)
        pages = [e - s for s, e in zip(starts, [*starts[1:], len(objs)], strict=False)]
        pdfvt._finish_pages(part, objs, background, starts, kixes)
        lap("pdf_background_kix")
        pdfvt._add_dparts(part, objs, infos, starts, pages)
        lap("pdf_dparts")
        pdfvt._add_identification(part, "bench", len(objs), len(infos))
        lap("pdf_xmp")
        out = io.BytesIO()
        part.save(out, compress_streams=True, object_stream_mode=pikepdf.ObjectStreamMode.generate)
        lap("pdf_save")
        enc = crypto.StreamEncryptor(crypto.generate_data_key(), io.BytesIO(), hasher=hashlib.sha256())
        enc.write(out.getvalue())
        enc.finish()
        lap("vault_encrypt_sha256")
        for name, seconds in times.items():
            stages.setdefault(name, []).append(seconds)
    per_page = {f"{name}_ms": statistics.median(v) * 1000 / n for name, v in stages.items()}
    total = sum(per_page.values())
    report(f"stages ({n} one-page letters, CPU ms per page)", **per_page, total_ms=total,
           pages_per_cpu_s=1000 / total, typst_share=per_page["typst_compile_ms"] / total, runs=args.runs)


if __name__ == "__main__":
    main()
