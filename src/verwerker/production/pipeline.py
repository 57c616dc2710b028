"""The production engine in one visible order: map, normalise, suppress, deduplicate, sort, render.

``merge`` takes a polars DataFrame (all strings) and a mapping ``{column: kind}`` and returns the
parts as bytes through a callback, with the manifest and reject rows. It writes nothing itself:
the caller decides where outputs go (the command's -o, or the vault inside a job).
"""

from __future__ import annotations

import io
import random
import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl
from django.utils.translation import gettext as _

from verwerker.lib.spreadsheet import csv_writer
from verwerker.production import dedupe as dedupe_mod
from verwerker.production import sort
from verwerker.production.address import DEFAULT_LINE_LENGTH
from verwerker.production.pdfvt import RecordInfo, assemble_part, load_background
from verwerker.production.records import (
    ROW,
    Reject,
    apply_mapping,
    columns,
    normalise_records,
    normalise_suppression_list,
)
from verwerker.production.render import CHUNKS_PER_WORKER, DEFAULT_CHUNK, Template, check_template, render_chunks

DEFAULT_PART_SIZE = 5000
KINDS = (
    "salutation", "initials", "first_name", "infix", "last_name", "full_name", "company", "department", "street",
    "house_number", "house_number_letter", "house_number_addition", "street_and_number", "address_line", "postcode",
    "city", "country", "gender", "reference", "birth_date", "email", "phone", "iban", "bsn", "free_text",
)
@dataclass
class MergeOptions:
    dedupe: str = "person"
    part_size: int = DEFAULT_PART_SIZE
    chunk_size: int = DEFAULT_CHUNK
    bundle_size: int = sort.DEFAULT_BUNDLE_SIZE
    region_digits: int = sort.DEFAULT_REGION_DIGITS
    line_length: int = DEFAULT_LINE_LENGTH
    workers: int = 2
    chunks_per_worker: int = CHUNKS_PER_WORKER
    fuzzy_threshold: float = dedupe_mod.FUZZY_THRESHOLD


@dataclass(slots=True)
class ManifestRow:
    seq: int
    row: int
    part: int
    first_page: int
    pages: int
    kix: str
    bundle: int
    bundle_end: bool


_MANIFEST_SCHEMA = {"seq": pl.Int64, "row": pl.Int64, "part": pl.Int64, "first_page": pl.Int64, "pages": pl.Int64,
                    "kix": pl.String, "bundle": pl.Int64, "bundle_end": pl.Boolean}


class Manifest(Sequence[ManifestRow]):
    """The manifest's rows, kept as columns (a million ManifestRow objects would take a quarter of a
    gigabyte); indexing and iterating give ManifestRow objects one at a time."""

    def __init__(self) -> None:
        self._parts: list[pl.DataFrame] = []
        self._frame: pl.DataFrame | None = None  # the parts joined, once asked for

    def extend(self, columns: dict[str, list]) -> None:
        self._parts.append(pl.DataFrame(columns, schema=_MANIFEST_SCHEMA))
        self._frame = None

    @property
    def frame(self) -> pl.DataFrame:
        if self._frame is None:
            self._frame = pl.concat(self._parts) if self._parts else pl.DataFrame(schema=_MANIFEST_SCHEMA)
            self._parts = [self._frame]
        return self._frame

    def __len__(self) -> int:
        return self.frame.height

    def __getitem__(self, index):
        if isinstance(index, slice):
            return [ManifestRow(*row) for row in self.frame[index].iter_rows()]
        return ManifestRow(*self.frame.row(index))

    def __iter__(self) -> Iterator[ManifestRow]:
        for row in self.frame.iter_rows():
            yield ManifestRow(*row)


@dataclass
class MergeResult:
    records_in: int
    records_out: int
    pages: int
    parts: int
    manifest: Manifest = field(default_factory=Manifest)
    rejects: list[Reject] = field(default_factory=list)


def prepare(
    frame: pl.DataFrame,
    mapping: dict[str, str],
    *,
    options: MergeOptions,
    suppression: Sequence[tuple[str, pl.DataFrame, dict[str, str]]] = (),
    with_source: bool = True,
) -> tuple[pl.DataFrame, list[Reject]]:
    """Everything before rendering: the records in postal order with their rejects and review rows.

    ``with_source=False`` leaves out the file's own (mapped) columns, which ``source_columns`` fetches
    part by part: a merge then never holds a second copy of the file.
    """
    mapped = apply_mapping(frame, mapping)
    records, rejects = normalise_records(mapped, line_length=options.line_length)
    lists = [(name, normalise_suppression_list(listed, list_mapping)) for name, listed, list_mapping in suppression]
    if lists:
        records, suppressed = dedupe_mod.suppress(records, lists)
        rejects += suppressed
    duplicates = dedupe_mod.duplicates(records, options.dedupe)
    rejects += duplicates
    removed = {r.row for r in duplicates}
    if options.dedupe != "address":
        keys = columns(records, ROW, "_addr_key", "_name_key")
        kept = keys.filter(~pl.col(ROW).is_in(list(removed))) if removed else keys
        rejects += dedupe_mod.find_near_duplicates(kept, threshold=options.fuzzy_threshold)
    # The keys have done their work; a million of them is memory the render does not need. The records
    # are copied once, in postal order, without the duplicates.
    keep = [c for c in records.columns if c not in ("_addr_key", "_person_key", "_name_key")]
    if not with_source:
        keep = [c for c in keep if c.startswith("_")]
    records = columns(records, *keep)
    records = sort.move_in_order(records, sort.postal_order(records, drop=removed))
    records = sort.number_and_bundle(records, bundle_size=options.bundle_size, region_digits=options.region_digits)
    # What only sorting needed goes too.
    records = records.drop("_country", "_postcode", "_number", "_letter", "_addition", "_region")
    rejects.sort(key=lambda r: (r.row, r.action))
    return records, rejects


def source_columns(records: pl.DataFrame, mapped: pl.DataFrame) -> pl.DataFrame:
    """``records`` (prepared without their source columns) with their rows' columns of ``mapped`` (the
    file after apply_mapping), fetched by source row."""
    rows = records.get_column(ROW) - 1
    picked = [mapped.get_column(c).gather(rows) for c in mapped.columns if c != ROW]
    return pl.DataFrame([*picked, *records.get_columns()])


def _letter_records(frame: pl.DataFrame) -> Iterator[dict]:
    """The dicts the Typst library receives: every kind (empty when unmapped), block, KIX, greeting."""
    extra = [c for c in frame.columns if c.startswith("field:")]
    blank = {k: "" for k in KINDS}
    for rec in frame.iter_rows(named=True):
        out = dict(blank)
        for key, value in rec.items():
            if not key.startswith("_") and not key.startswith("field:"):
                out[key] = value or ""
        kix = rec["_kix"] or ""
        out.update(  # type: ignore[call-overload]
            address=rec["_lines"].split("\n"), kix=kix, greeting=rec["_greeting"],
            seq=rec["_seq"], fields={c[6:]: rec[c] or "" for c in extra},
        )
        yield out


def merge(
    frame: pl.DataFrame,
    mapping: dict[str, str],
    *,
    template: Template,
    write_part: Callable[[int, int, bytes], None],
    background: bytes | None = None,
    options: MergeOptions | None = None,
    suppression: Sequence[tuple[str, pl.DataFrame, dict[str, str]]] = (),
    write_proof: Callable[[bytes], None] | None = None,
) -> MergeResult:
    """Run the engine on a table; hand each finished part to ``write_part(index, total_parts, pdf_bytes)``.

    With ``write_proof`` it also renders a proof: the first records plus a random sample, each page
    watermarked PROEF, with the same backgrounds and structure as the print parts.

    Raises MappingError, TemplateError or BackgroundError (one-line messages without record data).
    """
    options = options or MergeOptions()
    check_template(template)
    bg = load_background(background)
    records, rejects = prepare(frame, mapping, options=options, suppression=suppression, with_source=False)
    mapped = apply_mapping(frame, mapping)  # views of the file's frame, no copy
    result = MergeResult(records_in=frame.height, records_out=records.height, pages=0, parts=0, rejects=rejects)
    meta = records.select("_seq", ROW, "_bundle", "_bundle_end", "_kix")
    chunks_per_part = max(1, options.part_size // options.chunk_size)
    part_records = chunks_per_part * options.chunk_size

    def all_letters() -> Iterator[dict]:
        # The file's own columns are fetched a part at a time.
        for start in range(0, records.height, part_records):
            yield from _letter_records(source_columns(records.slice(start, part_records), mapped))

    letters = all_letters()

    def chunks() -> Iterator[list[dict]]:
        while True:
            chunk = [rec for _, rec in zip(range(options.chunk_size), letters, strict=False)]
            if not chunk:
                return
            yield chunk

    rendered = render_chunks(template, chunks(), workers=options.workers, chunks_per_worker=options.chunks_per_worker)
    total_parts = -(-records.height // part_records)
    for part_index, start in enumerate(range(0, records.height, part_records), start=1):
        part_meta = meta.slice(start, part_records)
        infos = [RecordInfo(seq=s, row=r, bundle=b) for s, r, b, _e, _k in part_meta.iter_rows()]
        count = -(-len(infos) // options.chunk_size)
        part = assemble_part((next(rendered) for _ in range(count)), infos, background=bg)
        write_part(part_index, total_parts, part.pdf)
        result.manifest.extend({
            "seq": part_meta.get_column("_seq"), "row": part_meta.get_column(ROW),  # type: ignore[dict-item]
            "part": [part_index] * part_meta.height, "first_page": part.first_pages, "pages": part.pages,
            "kix": part_meta.get_column("_kix").fill_null(""), "bundle": part_meta.get_column("_bundle"),  # type: ignore[dict-item]
            "bundle_end": part_meta.get_column("_bundle_end"),  # type: ignore[dict-item]
        })
        result.pages += sum(part.pages)
        result.parts = part_index
    for _rest in rendered:  # the pool closes when the generator is exhausted
        pass
    if write_proof is not None and records.height:
        picked = source_columns(records[proof_sample(records.height)], mapped)
        infos = [RecordInfo(seq=s, row=r, bundle=b) for s, r, b in picked.select("_seq", ROW, "_bundle").iter_rows()]
        proof_pdfs = render_chunks(template, [list(_letter_records(picked))], workers=1, proof=True)
        write_proof(assemble_part(proof_pdfs, infos, background=bg, title="Verwerker proof").pdf)
    return result


def proof_sample(manifest_rows: int, *, first: int = 10, sample: int = 10, seed: int = 0) -> list[int]:
    """0-based record positions for a proof: the first records plus a random sample of the rest."""
    head = list(range(min(first, manifest_rows)))
    rest = list(range(len(head), manifest_rows))
    return head + sorted(random.Random(seed).sample(rest, min(sample, len(rest))))


def manifest_csv(rows: Sequence[ManifestRow]) -> bytes:
    """The manifest: sequence, source row, part, first page, pages, KIX, bundle, last of bundle."""
    out = io.StringIO()
    writer = csv_writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(["sequence", "source_row", "part", "first_page", "pages", "kix", "bundle", "bundle_end"])
    for r in rows:
        writer.writerow([r.seq, r.row, r.part, r.first_page, r.pages, r.kix, r.bundle, "*" if r.bundle_end else ""])
    return out.getvalue().encode("utf-8-sig")


# The reject report is read by the client: its headers, actions and reasons in the interface's language (the
# codes in records.py, dedupe.py and address.py stay English, as the audit and the tests read them).


def gettext_noop(message: str) -> str:
    """Marks a text for the catalogue (makemessages knows the name); Django's own needs settings at import,
    and the engine is imported without them (bench/merge.py and bench/stages.py import it bare)."""
    return message


_ACTIONS = {"removed": gettext_noop("removed"), "review": gettext_noop("kept; check it")}
_REASONS = {
    reason: reason for reason in (
        gettext_noop("duplicate person at the same address"), gettext_noop("another letter goes to the same address"),
        gettext_noop("identical address block"), gettext_noop("on a suppression list"), gettext_noop("no house number"),
        gettext_noop("no house number in the street line"), gettext_noop("country not recognised"),
        gettext_noop("no name or company"), gettext_noop("no street address"), gettext_noop("no town"),
        gettext_noop("invalid or missing postcode"), gettext_noop("no street"),
        # kix.py's KixError, behind "no KIX: " (address.py)
        gettext_noop("a KIX needs a six-character postcode and a house number"),
        gettext_noop("a KIX holds only the characters 0-9 and A-Z"), gettext_noop("empty KIX"),
    )
}
_PATTERNS = [
    (
        re.compile(r"possibly the same person \(similarity (?P<n>\d+)\)"),
        gettext_noop("possibly the same person (similarity %(n)s)"),
    ),
    (
        re.compile(r"street line longer than (?P<n>\d+) characters after abbreviation"),
        gettext_noop("street line longer than %(n)s characters after abbreviation"),
    ),
    (re.compile(r"more than (?P<n>\d+) address lines"), gettext_noop("more than %(n)s address lines")),
    (re.compile(r"fewer than (?P<n>\d+) address lines"), gettext_noop("fewer than %(n)s address lines")),
    (re.compile(r"KIX longer than (?P<n>\d+) characters"), gettext_noop("KIX longer than %(n)s characters")),
]


def reject_reason_text(reason: str) -> str:
    """A reject reason as the client reads it; an unknown one as it is."""
    prefix = ""
    if reason.startswith("unaddressable: "):
        prefix, reason = _("unaddressable") + ": ", reason.removeprefix("unaddressable: ")
    if reason.startswith("no KIX: "):
        prefix, reason = prefix + _("no KIX") + ": ", reason.removeprefix("no KIX: ")
    if reason in _REASONS:
        return prefix + _(reason)
    for pattern, text in _PATTERNS:
        match = pattern.fullmatch(reason)
        if match:
            return prefix + _(text) % match.groupdict()
    return prefix + reason


def rejects_csv(rejects: Sequence[Reject], source: pl.DataFrame | None = None) -> bytes:
    """The reject report: row, action, reason, the row or list it matched, and the record's own columns.

    Every cell is formula-neutralised: the client opens this file in a spreadsheet.
    """
    out = io.StringIO()
    writer = csv_writer(out, delimiter=";", lineterminator="\r\n")
    columns = list(source.columns) if source is not None else []
    writer.writerow(
        [_("row in your file"), _("action"), _("reason"), _("same as row"), _("suppression list"), *columns]
    )
    rows = {}
    if source is not None and rejects:
        wanted = sorted({r.row for r in rejects})
        picked = source.with_row_index("__r", offset=1).filter(pl.col("__r").is_in(wanted))
        rows = {rec[0]: rec[1:] for rec in picked.iter_rows()}
    for r in rejects:
        writer.writerow(
            [
                r.row,
                _(_ACTIONS.get(r.action, r.action)),
                reject_reason_text(r.reason),
                r.related_row or "",
                r.related,
                *rows.get(r.row, ()),
            ]
        )
    return out.getvalue().encode("utf-8-sig")


def part_paths(output: Path, parts: int) -> list[Path]:
    """OUT.pdf for one part; OUT-001.pdf, OUT-002.pdf, ... for more."""
    if parts <= 1:
        return [output]
    return [output.with_name(f"{output.stem}-{i:03d}{output.suffix}") for i in range(1, parts + 1)]
