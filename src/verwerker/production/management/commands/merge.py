"""`verwerker merge DATA --template T.typ [--background B.pdf] -o OUT.pdf [--manifest M.csv]
[--rejects R.csv] [--proof P.pdf] [--dedupe person|address|none] [--suppress LIST]...`: the engine without the workflow.

Reads the file into memory, normalises, suppresses, deduplicates, sorts and renders; writes only
the outputs named on the command line. Bad input gives one line on stderr and exit status 2.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from django.core.management.base import BaseCommand

from verwerker.production.pipeline import (
    DEFAULT_PART_SIZE,
    MergeOptions,
    manifest_csv,
    merge,
    part_paths,
    rejects_csv,
)


class Command(BaseCommand):
    help = "Merge a data file with a Typst letter template into print-ready PDF/VT."

    def add_arguments(self, parser):
        parser.add_argument("data", help="the client's data file (CSV, TSV, XLSX, ODS)")
        parser.add_argument("--template", required=True, help="Typst template defining letter(r)")
        parser.add_argument("--background", help="print file: page 1 under first pages, page 2 under follow pages")
        parser.add_argument("-o", "--output", required=True, help="output PDF (OUT-001.pdf, ... when in parts)")
        parser.add_argument("--manifest", help="manifest CSV: sequence, source row, pages, KIX, bundle")
        parser.add_argument("--rejects", help="reject report CSV: removed and review records with the reason")
        parser.add_argument("--proof", help="proof PDF: first records plus a random sample, watermarked")
        parser.add_argument("--dedupe", choices=["person", "address", "none"], default="person")
        parser.add_argument("--suppress", action="append", default=[], help="a suppression list file (repeatable)")
        parser.add_argument("--map", action="append", default=[], metavar="COLUMN=KIND",
                            help="override the detected kind of a column (repeatable)")
        parser.add_argument("--part-size", type=int, default=DEFAULT_PART_SIZE)
        parser.add_argument("--bundle-size", type=int, default=100)
        parser.add_argument("--workers", type=int, default=2)
        parser.add_argument("--json", action="store_true", help="print a summary as JSON")

    def _fail(self, message: str) -> None:
        sys.stderr.write(f"verwerker merge: {message}\n")
        sys.exit(2)

    def _read(self, path: str):
        from verwerker.production.input import read_client_table  # local: same layer or upward, a cycle at the top

        file = Path(path)
        try:
            data = file.read_bytes()
        except OSError as exc:
            self._fail(f"{file.name}: cannot read ({exc.strerror})")
        try:
            return read_client_table(data, name=file.name)
        except ValueError as exc:  # the reader's own one-line errors
            self._fail(f"{file.name}: {exc}")

    def handle(self, *args, **opts):
        from verwerker.production.address import Unaddressable  # noqa: F401 (errors below are ValueErrors)
        from verwerker.production.render import Template  # local: same layer or upward, a cycle at the top

        frame, mapping = self._read(opts["data"])
        for item in opts["map"]:
            column, _, kind = item.partition("=")
            if column not in frame.columns or not kind:
                self._fail(f"--map {item}: expected COLUMN=KIND with a column of the file")
            mapping[column] = kind
        suppression = []
        for path in opts["suppress"]:
            listed, list_mapping = self._read(path)
            suppression.append((Path(path).name, listed, list_mapping))
        background = None
        if opts["background"]:
            try:
                background = Path(opts["background"]).read_bytes()
            except OSError as exc:
                self._fail(f"{Path(opts['background']).name}: cannot read ({exc.strerror})")
        output = Path(opts["output"])
        written: list[str] = []

        preflight: list[str] = []

        def write_part(index: int, total: int, pdf: bytes) -> None:
            path = part_paths(output, total)[index - 1]
            path.write_bytes(pdf)
            written.append(str(path))
            if index == 1:  # every part is made alike: the first one stands for all
                from verwerker.production.pdfx import problems  # local: same layer or upward, a cycle at the top

                preflight.extend(problems(pdf))

        options = MergeOptions(dedupe=opts["dedupe"], part_size=opts["part_size"], bundle_size=opts["bundle_size"],
                               workers=opts["workers"])
        try:
            result = merge(frame, mapping, template=Template(Path(opts["template"])), write_part=write_part,
                           background=background, options=options, suppression=suppression,
                           write_proof=(lambda pdf: Path(opts["proof"]).write_bytes(pdf)) if opts["proof"] else None)  # type: ignore[arg-type]
        except ValueError as exc:  # TemplateError, MappingError, BackgroundError: one line, no record data
            self._fail(str(exc))
        if opts["manifest"]:
            Path(opts["manifest"]).write_bytes(manifest_csv(result.manifest))
        if opts["rejects"]:
            Path(opts["rejects"]).write_bytes(rejects_csv(result.rejects, frame))
        summary = {
            "records_in": result.records_in, "records_out": result.records_out, "pages": result.pages,
            "parts": written, "removed": sum(r.action == "removed" for r in result.rejects),
            "review": sum(r.action == "review" for r in result.rejects), "pdfx_problems": preflight,
        }
        if not result.records_out:
            self._fail(f"{Path(opts['data']).name}: no record could be addressed (see the reject report)")
        if opts["json"]:
            self.stdout.write(json.dumps(summary))
        else:
            self.stdout.write(
                f"{summary['records_out']} of {summary['records_in']} records, {summary['pages']} pages in "
                f"{len(written)} part(s); {summary['removed']} removed, {summary['review']} to review"
            )
            for problem in preflight:
                self.stderr.write(f"PDF/X-4: {problem}")
