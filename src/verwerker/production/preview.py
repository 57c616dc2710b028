"""Previews before production: a template with a made-up sample record, the rows production will leave
out (masked), and page thumbnails of a PDF.

Nothing here writes to disk: thumbnails are drawn by poppler's ``pdftocairo`` reading the PDF from a
pipe and writing the PNG to a pipe. The sample record is synthetic; the masked rows show first letters
and the figures of a postcode only ("J. d* V****, 1234 **"), never a whole value.
"""

from __future__ import annotations

import io
import math
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import polars as pl

# A made-up addressee (no client data): every NAW kind a template may use.
SAMPLE_RECORD = {
    "salutation": "De heer", "initials": "J.", "first_name": "Jan", "infix": "de", "last_name": "Voorbeeld",
    "street": "Proefstraat", "house_number": "12", "house_number_addition": "A", "postcode": "1234 AB",
    "city": "VOORBEELDSTAD", "reference": "VOORBEELD-1",
}

_NAME_KINDS = ("salutation", "initials", "first_name", "infix", "last_name", "full_name", "company")


class PreviewUnavailable(RuntimeError):
    """The thumbnail tool is missing or failed; the page says so and offers the PDF itself."""


def sample_pdf(template: Path, background: bytes | None) -> bytes:
    """The template rendered for SAMPLE_RECORD (watermarked as a proof). Raises TemplateError/EngineError."""
    from verwerker.production.engine import render_proof  # local: same layer or upward, a cycle at the top
    from verwerker.production.pipeline import MergeOptions, prepare  # local: same layer or upward, a cycle at the top

    frame = pl.DataFrame({k: [v] for k, v in SAMPLE_RECORD.items()})
    records, _rejects = prepare(frame, {k: k for k in SAMPLE_RECORD}, options=MergeOptions(workers=1))
    pdf = render_proof(records, template=template, background=background)
    if pdf is None:
        raise PreviewUnavailable("the sample record was not addressable")
    return pdf


def thumbnail(pdf: bytes, page: int, *, dpi: int = 40, timeout: int = 30) -> bytes:
    """A PNG of one page of ``pdf`` (1-based), through pipes only. Raises PreviewUnavailable."""
    tool = shutil.which("pdftocairo")
    if tool is None:
        raise PreviewUnavailable("pdftocairo (poppler-utils) is not installed")
    try:
        done = subprocess.run(
            [tool, "-png", "-r", str(dpi), "-f", str(page), "-l", str(page), "-singlefile", "-", "-"],
            input=pdf, capture_output=True, timeout=timeout, check=False,
        )
    except subprocess.TimeoutExpired:
        raise PreviewUnavailable("drawing the page took too long") from None
    if done.returncode != 0 or not done.stdout.startswith(b"\x89PNG"):
        raise PreviewUnavailable(f"page {page} could not be drawn")
    return done.stdout


def contact_sheet(pdf: bytes, *, pages: int = 12, per_row: int = 4, width: int = 1040, timeout: int = 60) -> bytes:
    """The first ``pages`` pages side by side on one PNG ``width`` pixels wide: one read, one drawing.

    The pages are placed on one sheet with pikepdf (as form XObjects, in memory) and the sheet is drawn
    by pdftocairo through pipes. Raises PreviewUnavailable.
    """

    import pikepdf  # deferred: a heavy import

    gap = 24.0
    with pikepdf.open(io.BytesIO(pdf)) as source:
        count = min(len(source.pages), pages)
        if not count:
            raise PreviewUnavailable("the PDF has no pages")
        box = [float(v) for v in source.pages[0].mediabox]
        w, h = box[2] - box[0], box[3] - box[1]
        columns = min(per_row, count)
        rows = math.ceil(count / columns)
        sheet_w, sheet_h = columns * w + (columns + 1) * gap, rows * h + (rows + 1) * gap
        sheet = pikepdf.new()
        sheet.add_blank_page(page_size=(sheet_w, sheet_h))
        target = sheet.pages[0]
        frames = []
        for i in range(count):
            row, column = divmod(i, columns)
            x, y = gap + column * (w + gap), sheet_h - (row + 1) * (h + gap)
            frames.append(f"1 g {x:.1f} {y:.1f} {w:.1f} {h:.1f} re f 0.6 G 1 w {x:.1f} {y:.1f} {w:.1f} {h:.1f} re S")
            target.add_overlay(source.pages[i], pikepdf.Rectangle(x, y, x + w, y + h))
        # White paper with a grey edge under each page, on a light background.
        under = f"q 0.93 g 0 0 {sheet_w:.1f} {sheet_h:.1f} re f " + " ".join(frames) + " Q"
        target.contents_add(sheet.make_stream(under.encode()), prepend=True)
        buffer = io.BytesIO()
        sheet.save(buffer)
    tool = shutil.which("pdftocairo")
    if tool is None:
        raise PreviewUnavailable("pdftocairo (poppler-utils) is not installed")
    try:
        done = subprocess.run([tool, "-png", "-scale-to-x", str(width), "-scale-to-y", "-1", "-singlefile", "-", "-"],
                              input=buffer.getvalue(), capture_output=True, timeout=timeout, check=False)
    except subprocess.TimeoutExpired:
        raise PreviewUnavailable("drawing the pages took too long") from None
    if done.returncode != 0 or not done.stdout.startswith(b"\x89PNG"):
        raise PreviewUnavailable("the pages could not be drawn")
    return done.stdout


def page_count(pdf: bytes) -> int:
    import pikepdf  # deferred: a heavy import

    with pikepdf.open(io.BytesIO(pdf)) as document:
        return len(document.pages)


def mask_words(value: str) -> str:
    """Each word to its first letter and a star per further letter; initials ("J.") stay as they are."""
    words = []
    for word in str(value).split():
        if len(word) <= 2 and word.endswith("."):
            words.append(word)
        else:
            words.append(word[0] + "*" * (len(word) - 1))
    return " ".join(words)


def mask_postcode(value: str) -> str:
    """The figures stay, the letters go: "1234 AB" -> "1234 **" (a region, not an address)."""
    return "".join(c if c.isdigit() or c == " " else "*" for c in str(value).strip())


def masked_line(values: dict[str, str | None]) -> str:
    """One record as a masked line: names by first letters, the postcode by its figures."""
    name = " ".join(mask_words(values[k]) for k in _NAME_KINDS if values.get(k))  # type: ignore[arg-type]
    postcode = mask_postcode(values["postcode"]) if values.get("postcode") else ""  # type: ignore[arg-type]
    return ", ".join(part for part in (name, postcode) if part) or "—"


@dataclass(frozen=True)
class RejectPreview:
    row: int
    reason: str
    action: str
    masked: str


def rejects_preview(frame: pl.DataFrame, mapping: dict[str, str], *, dedupe: str = "person",
                    limit: int = 200) -> tuple[int, list[RejectPreview]]:
    """The records production would leave out or flag, as (total, the first ``limit`` masked), each with its
    reason in the reader's language (as the reject report has it).

    The same preparation production runs (normalise, deduplicate), without suppression lists: those
    are chosen on the job.
    """
    # local: same layer or upward, a cycle at the top
    from verwerker.production.pipeline import MergeOptions, prepare, reject_reason_text
    from verwerker.production.records import ROW, apply_mapping  # local: same layer or upward, a cycle at the top

    _records, rejects = prepare(frame, mapping, options=MergeOptions(dedupe=dedupe, workers=1), with_source=False)
    if not rejects:
        return 0, []
    mapped = apply_mapping(frame, mapping)
    wanted = sorted({r.row for r in rejects[:limit]})
    kinds = [c for c in mapped.columns if c in _NAME_KINDS or c == "postcode"]
    rows = {row[ROW]: row for row in mapped.filter(pl.col(ROW).is_in(wanted)).select(ROW, *kinds).iter_rows(named=True)}
    shown = [RejectPreview(row=r.row, reason=reject_reason_text(r.reason), action=r.action,
                           masked=masked_line(rows.get(r.row, {}))) for r in rejects[:limit]]
    return len(rejects), shown
