"""The production engine without the database: bytes and frames in, bytes out.

ORM-free on purpose: the writes (vault blobs, JobOutput rows, the job's state and its audit events) are
the producing actions' (actions/producing.py); this module only computes. Personal data stays in
memory here: the records arrive as bytes read from the vault and leave as PDF and CSV bytes that the
actions store in the vault. Errors are one line without record data (ValueError, TemplateError), so
an action can put them on the job as its failure reason.
"""

from __future__ import annotations

import hashlib
import io
import math
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from verwerker.datafiles.read import read_table

CHUNK = 400


class EngineError(ValueError):
    """Production cannot go on; the message is one line and holds no record data."""


def template_path(source: str, data_dir: Path) -> Path:
    """The template's source as a file Typst can compile (templates hold no personal data)."""
    digest = hashlib.sha256(source.encode("utf-8")).hexdigest()[:16]
    folder = Path(data_dir) / "templates" / digest
    path = folder / "template.typ"
    if not path.exists():
        folder.mkdir(parents=True, exist_ok=True)
        tmp = folder / ".template.typ.partial"
        tmp.write_text(source, encoding="utf-8")
        tmp.replace(path)
    return path


def chunk_size(part_size: int) -> int:
    return max(1, min(CHUNK, part_size))


def records_per_part(part_size: int) -> int:
    """Records in every part but the last: whole chunks, so a part never splits a chunk."""
    chunk = chunk_size(part_size)
    return max(1, part_size // chunk) * chunk


def parts_for(records: int, part_size: int) -> int:
    return math.ceil(records / records_per_part(part_size))


def read_frame(data: bytes, name: str, dropped: list[str]) -> pl.DataFrame:
    """A data file's table from its plaintext bytes, without the dropped columns."""

    frame = read_table(data, name=name).frame
    return frame.select([c for c in frame.columns if c not in dropped])


@dataclass(frozen=True)
class Prepared:
    records_parts: list[bytes]  # part i+1's records (records_ipc), in postal order; none without records
    rejects_csv: bytes
    records_in: int
    records_out: int
    rejects: int
    parts: int


def prepare(
    frame: pl.DataFrame, mapping: dict, *, template: Path, dedupe: str, part_size: int,
    suppression: list[tuple[str, pl.DataFrame, dict]],
) -> Prepared:
    """Check the template, then everything before rendering: records in postal order and the rejects."""
    # local: same layer or upward, a cycle at the top
    from verwerker.production.pipeline import MergeOptions, rejects_csv

    # local: same layer or upward, a cycle at the top
    from verwerker.production.pipeline import prepare as prepare_records
    from verwerker.production.render import Template, check_template  # local: same layer or upward, a cycle at the top

    check_template(Template(template))
    options = MergeOptions(dedupe=dedupe, part_size=part_size, chunk_size=chunk_size(part_size), workers=1)
    records, rejects = prepare_records(frame, mapping, options=options, suppression=suppression)
    parts = parts_for(records.height, part_size)
    return Prepared(
        records_parts=[records_ipc(part_slice(records, i, part_size)) for i in range(1, parts + 1)],
        rejects_csv=rejects_csv(rejects, frame), records_in=frame.height,
        records_out=records.height, rejects=len(rejects), parts=parts,
    )


def part_slice(records: pl.DataFrame, index: int, part_size: int) -> pl.DataFrame:
    """Part ``index``'s (1-based) records of all the prepared records; a view, not a copy."""
    per_part = records_per_part(part_size)
    return records.slice((index - 1) * per_part, per_part)


def records_ipc(records: pl.DataFrame) -> bytes:
    """Prepared records as bytes for the vault: Arrow IPC, zstd-compressed (a million records take 52 MiB
    instead of 333). Stored one blob per part, so a part's task reads and holds only its own records."""
    buffer = io.BytesIO()
    records.write_ipc(buffer, compression="zstd")
    return buffer.getbuffer().tobytes()


def read_records(data: bytes) -> pl.DataFrame:
    return pl.read_ipc(io.BytesIO(data))


@dataclass(frozen=True)
class RenderedPart:
    pdf: bytes
    manifest_csv: bytes
    records: int
    pages: int


def _render(records: pl.DataFrame, *, template: Path, background: bytes | None, part: int, part_size: int,
            title: str, reprint: bool = False) -> RenderedPart:
    # local: same layer or upward, a cycle at the top
    from verwerker.production.pdfvt import RecordInfo, assemble_part, load_background

    # local: same layer or upward, a cycle at the top
    from verwerker.production.pipeline import ManifestRow, _letter_records, manifest_csv
    from verwerker.production.records import ROW  # local: same layer or upward, a cycle at the top

    # local: same layer or upward, a cycle at the top
    from verwerker.production.render import Template, TemplateError, render_chunks

    chunk = chunk_size(part_size)
    letters = _letter_records(records)
    current = [0, 0]  # sequence numbers of the chunk being compiled (one worker: compiled in turn)

    def chunks():
        while batch := [rec for _, rec in zip(range(chunk), letters, strict=False)]:
            current[:] = [batch[0]["seq"], batch[-1]["seq"]]
            yield batch

    meta = list(records.select("_seq", ROW, "_bundle", "_bundle_end", "_kix").iter_rows())
    infos = [RecordInfo(seq=s, row=r, bundle=b) for s, r, b, _e, _k in meta]
    try:
        # One recycled compile process per part: the worker itself never holds Typst's caches.
        result = assemble_part(render_chunks(Template(template), chunks(), workers=1, isolated=True), infos,
                               background=load_background(background), title=title, reprint=reprint)
    except TemplateError as exc:
        # Which records, by sequence number (not data): the operator can find the one that failed.
        raise EngineError(f"part {part}, records {current[0]}–{current[1]}: {exc}") from None
    manifest = [ManifestRow(seq=s, row=r, part=part, first_page=f, pages=p, kix=k or "", bundle=b, bundle_end=e)
                for (s, r, b, e, k), f, p in zip(meta, result.first_pages, result.pages, strict=False)]
    return RenderedPart(
        pdf=result.pdf, manifest_csv=manifest_csv(manifest), records=len(infos), pages=sum(result.pages)
    )


def render_part(
    records: pl.DataFrame, index: int, *, template: Path, background: bytes | None, part_size: int
) -> RenderedPart:
    """Part ``index`` (1-based): the PDF/VT part and its manifest, of that part's records (part_slice)."""
    return _render(records, template=template, background=background, part=index, part_size=part_size,
                   title="Verwerker production")


def render_reprint(records: pl.DataFrame, seqs: list[int], *, template: Path, background: bytes | None,
                   part_size: int) -> RenderedPart:
    """A reprint part for exactly the records with these sequence numbers, marked "herdruk"."""
    picked = records.filter(pl.col("_seq").is_in(seqs))
    if picked.height != len(set(seqs)):
        raise EngineError("a spoiled sequence number is not in this job")
    return _render(picked, template=template, background=background, part=0, part_size=part_size,
                   title="Verwerker herdruk", reprint=True)


def proof_positions(records: int) -> list[int]:
    """The 0-based positions (postal order) of the records a proof of ``records`` records shows."""
    from verwerker.production.pipeline import proof_sample  # local: same layer or upward, a cycle at the top

    return proof_sample(records)


def join_manifests(parts: list[bytes]) -> bytes:
    """The job's manifest: the parts' manifests in order, one header."""
    manifest = b""
    for i, text in enumerate(parts):
        if i:  # drop the header (and BOM) of every part but the first
            text = text.split(b"\r\n", 1)[1]
        manifest += text
    return manifest


def render_proof(records: pl.DataFrame, *, template: Path, background: bytes | None,
                 sampled: bool = False) -> bytes | None:
    """The proof: the first records and a sample of the rest, watermarked; None without records.
    ``sampled``: the records are that sample already (proof_positions of all), taken as they are."""
    # local: same layer or upward, a cycle at the top
    from verwerker.production.pdfvt import RecordInfo, assemble_part, load_background

    # local: same layer or upward, a cycle at the top
    from verwerker.production.pipeline import _letter_records, proof_sample
    from verwerker.production.records import ROW  # local: same layer or upward, a cycle at the top
    from verwerker.production.render import Template, render_chunks  # local: same layer or upward, a cycle at the top

    if not records.height:
        return None
    picked = records if sampled else records[proof_sample(records.height)]
    infos = [RecordInfo(seq=s, row=r, bundle=b) for s, r, b in picked.select("_seq", ROW, "_bundle").iter_rows()]
    pdfs = render_chunks(Template(template), [list(_letter_records(picked))], workers=1, proof=True)
    return assemble_part(pdfs, infos, background=load_background(background), title="Verwerker proof").pdf


def parse_ranges(text: str, *, highest: int) -> list[list[int]]:
    """Spoiled pieces as sequence ranges from "12-15, 40": sorted, merged, within 1..highest.

    Raises EngineError with a one-line message for anything else.
    """
    spans = []
    for item in text.replace(";", ",").split(","):
        item = item.strip().replace("–", "-")
        if not item:
            continue
        first, _, last = item.partition("-")
        try:
            a, b = int(first), int(last or first)
        except ValueError:
            raise EngineError(f"{item!r} is not a sequence number or a range like 12-15") from None
        if a > b:
            a, b = b, a
        if a < 1 or b > highest:
            raise EngineError(f"{item} is outside the job's sequence numbers 1–{highest}")
        spans.append([a, b])
    if not spans:
        raise EngineError("give the spoiled sequence numbers, e.g. 12-15, 40")
    spans.sort()
    merged = [spans[0]]
    for a, b in spans[1:]:
        if a <= merged[-1][1] + 1:
            merged[-1][1] = max(merged[-1][1], b)
        else:
            merged.append([a, b])
    return merged


def range_seqs(ranges: list[list[int]]) -> list[int]:
    return [seq for a, b in ranges for seq in range(a, b + 1)]
