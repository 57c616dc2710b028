"""PDF/VT record structure and shared backgrounds added to Typst's output with pikepdf (DOMAIN.md §6).

A part is assembled from chunk PDFs. Each record's address block carries a marker link
("vwrec:<seq>:<kix>") placed by the Typst library; it tells where a record starts and where its KIX
goes, and is removed here. The part then gets:
- the KIX bars drawn as vector rectangles to RM4SCC dimensions under the address block;
- the background (the client's print file) as one form XObject per part, drawn under every page,
  first-page and follow-page backgrounds separately, tagged ``GTS_Scope /File``;
- ``/DPartRoot`` with ``/RecordLevel 1`` and one leaf DPart per recipient record (``/Start``,
  ``/End``, ``/DPM`` with sequence, source row, page count, bundle), and ``/DPart`` on every page;
- ``GTS_PDFVTVersion`` (PDF/VT-1) and ``GTS_PDFXVersion`` (PDF/X-4) in the XMP with the dates and
  media-management identifiers PDF/X-4 asks for, the press's output intent (sRGB unless configured;
  see output_intent), and a TrimBox on every page. production.pdfx checks the result.
Nothing is written to disk: parts are returned as bytes.
"""

from __future__ import annotations

import datetime
import io
import uuid
import zlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import pikepdf
from django.conf import settings
from pikepdf import Array, Dictionary, Name

from verwerker.production import kix
from verwerker.production.kix import kix_bars

MARKER = "vwrec:"
_MM = 72 / 25.4
PITCH, BAR = kix.BAR_PITCH_MM * _MM, kix.BAR_WIDTH_MM * _MM
TRACKER, EXTENDER = kix.TRACKER_MM * _MM, kix.EXTENDER_MM * _MM
HEIGHT = TRACKER + 2 * EXTENDER
PDFVT_NS = "http://www.npes.org/pdfvt/ns/id/"
PDFX_NS = "http://www.npes.org/pdfx/ns/id/"


class BackgroundError(ValueError):
    """The background PDF cannot be used."""


@dataclass(frozen=True)
class RecordInfo:
    """What the DPM of one record says; numbers only, no personal data."""

    seq: int
    row: int
    bundle: int


@dataclass(frozen=True)
class PartResult:
    pdf: bytes
    pages: list[int]  # pages per record, in record order
    first_pages: list[int]  # 1-based first page of each record within the part


@lru_cache(maxsize=1)
def _srgb_profile() -> bytes:
    from PIL import ImageCms  # deferred: a heavy import

    return ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()


class OutputIntentError(ValueError):
    """VERWERKER_OUTPUT_INTENT_ICC does not name a usable ICC profile."""


def output_intent() -> tuple[bytes, int, str]:
    """(ICC profile, colour components, output condition) of the parts' PDF/X output intent.

    PDF/X-4 wants the output device profile of the printing condition (the press's, e.g. a FOGRA or PSO
    characterisation, which the house has and may not be redistributed here): VERWERKER_OUTPUT_INTENT_ICC
    names it, VERWERKER_OUTPUT_CONDITION its identifier (default: the file's name). Without it the parts
    carry sRGB, which a preflight reports as a display profile (production.pdfx).
    """

    path = getattr(settings, "OUTPUT_INTENT_ICC", "") if settings.configured else ""
    condition = getattr(settings, "OUTPUT_CONDITION", "") if settings.configured else ""
    if not path:
        return _srgb_profile(), 3, condition or "sRGB IEC61966-2.1"
    return (*_icc_file(path), condition or Path(path).stem)


@lru_cache(maxsize=4)
def _icc_file(path: str) -> tuple[bytes, int]:
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise OutputIntentError(f"{path}: {exc.strerror or exc}") from None
    components = icc_components(data)
    if components is None:
        raise OutputIntentError(f"{path}: not an ICC profile of a grey, RGB or CMYK device")
    return data, components


def icc_components(data: bytes) -> int | None:
    """The colour components of an ICC profile of a grey, RGB or CMYK device (from its header), or
    None when ``data`` is no such profile."""
    if len(data) < 128 or data[36:40] != b"acsp":
        return None
    return {b"GRAY": 1, b"RGB ": 3, b"CMYK": 4}.get(data[16:20])


def load_background(data: bytes | None) -> pikepdf.Pdf | None:
    """Open the print file; page 1 is the first-page background, page 2 (if any) the follow pages'.

    Raises BackgroundError when it is not a readable PDF.
    """
    if not data:
        return None
    try:
        pdf = pikepdf.open(io.BytesIO(data))
    except pikepdf.PdfError:
        raise BackgroundError("background is not a readable PDF") from None
    if len(pdf.pages) == 0:
        raise BackgroundError("background PDF has no pages")
    return pdf


def _form(part: pikepdf.Pdf, background: pikepdf.Pdf, index: int) -> pikepdf.Object:
    form = part.copy_foreign(background.pages[index].as_form_xobject())
    # Reused on every page of the file: a RIP may cache it once (PDF/VT XObject scope).
    form.GTS_Scope = Name.File
    return form


@lru_cache(maxsize=64)
def _kix_glyph(ch: str) -> bytes:
    """The four bars of one character as path operators at x = 0, bottom of the symbol at y = 0."""
    ops = []
    for i, bar in enumerate(kix_bars(ch)):
        high = HEIGHT if bar in "FA" else HEIGHT - EXTENDER
        low = 0 if bar in "FD" else HEIGHT - EXTENDER - TRACKER
        ops.append(f"{i * PITCH:.3f} {low:.3f} {BAR:.3f} {high - low:.3f} re")
    # Painted per character: a transformation may not change inside a path object.
    return ("\n".join(ops) + "\nf\n").encode()


_STEP = f"1 0 0 1 {4 * PITCH:.4f} 0 cm\n".encode()


def kix_operators(rect: Sequence[float], content: str) -> bytes:
    """PDF path operators drawing the KIX bars at the bottom-left of ``rect``, to RM4SCC dimensions."""
    x0, y0 = min(rect[0], rect[2]), min(rect[1], rect[3])
    # One translation per character and cached glyphs: a letter costs a few joins, not 44 formats.
    return b"q 0 g\n1 0 0 1 %.3f %.3f cm\n" % (x0, y0) + _STEP.join(_kix_glyph(ch) for ch in content) + b"Q\n"


def assemble_part(
    chunks: Iterable[bytes],
    records: Sequence[RecordInfo],
    *,
    background: pikepdf.Pdf | None = None,
    title: str = "Verwerker production",
    reprint: bool = False,
    one_pass: bool = True,
) -> PartResult:
    """One print-ready PDF/VT part from chunk PDFs whose records, in order, are ``records``.

    ``reprint`` marks the part as a reprint of spoiled pieces ("herdruk") in its DPart metadata.
    Raises ValueError when the chunks hold a different number of records than ``records``.

    One pass (the default): each chunk is opened once, its pages are visited once (marker, TrimBox),
    copied into the part with one foreign copy per chunk, and the part's page tree is built once at
    the end; background, KIX, DPart tree and identification then work on that list of page objects.
    ``one_pass=False`` inserts pages one by one through pikepdf's page list (qpdf rebuilds its page
    cache as it goes): the reference the equivalence tests compare against, and the fallback for a
    chunk whose page tree is not flat (copied through a page-by-page copy first).
    """
    part = pikepdf.new()
    starts: list[int] = []
    seqs: list[int] = []
    kixes: dict[int, list] = {}
    page_objs: list[pikepdf.Object] = []
    for data in chunks:
        src = pikepdf.open(io.BytesIO(data))
        if one_pass and not _flat_page_tree(src):
            # Not Typst's flat tree: let qpdf push inherited attributes down onto the pages first.
            flat = pikepdf.new()
            flat.pages.extend(src.pages)
            src = flat
        src_pages = list(src.Root.Pages.Kids) if one_pass else [page.obj for page in src.pages]
        total = len(page_objs) if one_pass else len(part.pages)
        for i, obj in enumerate(src_pages):
            found = _take_marker(obj)
            if found is not None:
                starts.append(total + i)
                seqs.append(found[0])
                if found[2]:
                    kixes[total + i] = [(found[1], found[2])]
            if "/TrimBox" not in obj:
                obj.TrimBox = obj.MediaBox
            _deflate_contents(obj)
        if one_pass:
            page_objs.extend(_copy_pages(part, src, src_pages))  # type: ignore[arg-type]
        else:
            part.pages.extend(src.pages)
    if one_pass:
        _set_page_tree(part, page_objs)
    else:
        page_objs = [page.obj for page in part.pages]
    total = len(page_objs)
    if seqs != [r.seq for r in records] or (starts and starts[0] != 0):
        raise ValueError(
            f"the rendered part holds {len(starts)} address blocks for {len(records)} records: "
            "a template must show address-block(r) once, on each record's first page"
        )
    ends = [*starts[1:], total]
    pages_per_record = [e - s for s, e in zip(starts, ends, strict=False)]

    _finish_pages(part, page_objs, background, starts, kixes)
    _add_dparts(part, page_objs, records, starts, pages_per_record, reprint=reprint)
    _add_identification(part, title, total, len(records))
    out = io.BytesIO()
    part.save(out, compress_streams=True, object_stream_mode=pikepdf.ObjectStreamMode.generate)
    return PartResult(pdf=out.getvalue(), pages=pages_per_record, first_pages=[s + 1 for s in starts])


# Attributes a page may inherit from its page tree node: with any of them on the root node the tree is
# not "flat" in the sense used here, and pages are inserted one by one (qpdf pushes them down).
_INHERITABLE = ("/Resources", "/MediaBox", "/CropBox", "/Rotate")


def _flat_page_tree(src: pikepdf.Pdf) -> bool:
    """Whether the chunk's pages are all direct kids of its root node, which passes nothing down (Typst's)."""
    node = src.Root.get("/Pages")
    if node is None or any(key in node for key in _INHERITABLE):
        return False
    kids = node.get("/Kids")
    return kids is not None and all(kid.get("/Type") == Name.Page for kid in kids)


def _copy_pages(part: pikepdf.Pdf, src: pikepdf.Pdf, pages: list[pikepdf.Object]) -> list[pikepdf.Object]:
    """Copy a chunk's pages (and all they use) into ``part`` in one foreign copy, outside the page tree.

    qpdf copies page objects only through its page API, one page at a time; an array of them in one
    ``copy_foreign`` shares one copier (fonts and images once per chunk) but would leave the pages out.
    So the pages are marked as plain dictionaries for the copy and marked as pages again after it;
    their /Parent (the chunk's tree node) is dropped before the copy so the chunk's tree is not copied.
    """
    for obj in pages:
        obj.Type = Name.VwPageBeingCopied
        del obj["/Parent"]
    copied = list(part.copy_foreign(src.make_indirect(Array(pages))))
    for obj in copied:
        obj.Type = Name.Page
    return copied


def _set_page_tree(part: pikepdf.Pdf, page_objs: list[pikepdf.Object]) -> None:
    """The part's page tree: one root node with every page as a direct kid, set once."""
    node = part.Root.Pages
    for obj in page_objs:
        obj.Parent = node
    node.Kids = Array(page_objs)
    node.Count = len(page_objs)


def _take_marker(page: pikepdf.Object) -> tuple[int, list[float], str] | None:
    """Remove the address block's marker link from a page (its dictionary): (sequence, its rect, KIX), or None."""
    annots = page.get("/Annots")
    if annots is None:
        return None
    kept, found = [], None
    for annot in annots:
        action = annot.get("/A")
        uri = str(action.get("/URI", "")) if action is not None else ""
        if found is None and uri.startswith(MARKER):
            seq, _, content = uri[len(MARKER):].partition(":")
            found = (int(seq), [float(v) for v in annot.Rect], content)
        else:
            kept.append(annot)
    if kept:
        page.Annots = Array(kept)
    else:
        del page["/Annots"]
    return found


def _deflate(data: bytes, wbits: int, memlevel: int = 8) -> bytes:
    """Deflate a small stream here, with a window to its size: qpdf would set up a full-size deflate state
    for each of thousands of small streams when the part is saved, and that set-up dominates for them."""
    packer = zlib.compressobj(6, zlib.DEFLATED, wbits, memlevel)
    return packer.compress(data) + packer.flush()


def _deflate_contents(page: pikepdf.Object) -> None:
    """Compress a page's unfiltered content streams (render.compile_chunk leaves them to this). A letter
    page's content is 5 to 10 KB: an 8 KiB window compresses it as well as the full 32 KiB one."""
    contents = page.get("/Contents")
    for stream in contents if isinstance(contents, Array) else [contents] if contents is not None else []:
        if "/Filter" not in stream:
            stream.write(_deflate(stream.read_raw_bytes(), 13), filter=Name.FlateDecode)


def _kix_stream(part: pikepdf.Pdf, marks: list) -> pikepdf.Object:
    """One page's KIX bars as a content stream, deflated here (_deflate)."""
    data = b"".join(kix_operators(rect, content) for rect, content in marks)
    stream = part.make_stream(_deflate(data, 11, 2))  # 2 KiB window: a KIX stream is about 1.3 KB
    stream.Filter = Name.FlateDecode
    return stream


def _finish_pages(part: pikepdf.Pdf, page_objs: list[pikepdf.Object], background: pikepdf.Pdf | None,
                  starts: list[int], kixes: dict) -> None:
    """Backgrounds under the pages (one shared form XObject each) and KIX bars over them."""
    first = follow = None
    if background is not None:
        first = _form(part, background, 0)
        follow = _form(part, background, 1) if len(background.pages) > 1 else None
    # Shared content streams draw the background; every page only points at them.
    draw_first = part.make_stream(b"q /VwBg1 Do Q\nq\n")
    draw_follow = part.make_stream(b"q /VwBg2 Do Q\nq\n")
    save = part.make_stream(b"q\n")
    restore = part.make_stream(b"\nQ\n")
    start_set = set(starts)
    for index, page in enumerate(page_objs):
        form = first if index in start_set else follow
        marks = kixes.get(index)
        if form is None and not marks:
            continue
        contents = page.get("/Contents")
        existing = list(contents) if isinstance(contents, Array) else ([contents] if contents is not None else [])
        if form is not None:
            resources = page.get("/Resources")
            if resources is None:
                resources = page.Resources = Dictionary()
            xobjects = resources.get("/XObject")
            if xobjects is None:
                xobjects = resources.XObject = Dictionary()
            if form is first:
                xobjects.VwBg1 = first
            else:
                xobjects.VwBg2 = follow
            head = draw_first if form is first else draw_follow
        else:
            head = save
        tail = [_kix_stream(part, marks)] if marks else []
        page.Contents = Array([head, *existing, restore, *tail])


def _add_dparts(part: pikepdf.Pdf, page_objs: list[pikepdf.Object], records: Sequence[RecordInfo], starts: list[int],
                pages: list[int], *, reprint: bool = False) -> None:
    root_node = part.make_indirect(Dictionary(Type=Name.DPart))
    leaves = []
    for info, start, count in zip(records, starts, pages, strict=False):
        leaf = Dictionary(
            Type=Name.DPart,
            Parent=root_node,
            Start=page_objs[start],
            DPM=Dictionary(
                Verwerker_Record=Dictionary(
                    Sequence=info.seq, SourceRow=info.row, Pages=count, Bundle=info.bundle
                )
            ),
        )
        if count > 1:
            leaf.End = page_objs[start + count - 1]
        leaf = part.make_indirect(leaf)
        leaves.append(leaf)
        for i in range(start, start + count):
            page_objs[i].DPart = leaf
    root_node.DParts = Array([Array(leaves)])
    root_node.DPM = Dictionary(Verwerker_Part=Dictionary(Records=len(records), Pages=len(page_objs)))
    if reprint:
        root_node.DPM.Verwerker_Part.Herdruk = True
    part.Root.DPartRoot = part.make_indirect(
        Dictionary(
            Type=Name.DPartRoot,
            DPartRootNode=root_node,
            RecordLevel=1,
            NodeNameList=Array([Name.Root, Name.Record]),
        )
    )


def finish_pdfx4(pdf: bytes, title: str) -> bytes:
    """A single document (a portal's print-on-demand item) made PDF/X-4 as the letters' parts are: page
    boxes, the output intent and the identification, without the PDF/VT record structure. In memory."""
    part = pikepdf.new()
    part.pages.extend(pikepdf.open(io.BytesIO(pdf)).pages)
    for page in part.pages:
        if "/TrimBox" not in page.obj:
            page.obj.TrimBox = page.obj.MediaBox
    _add_identification(part, title, len(part.pages), 1, vt=False)
    out = io.BytesIO()
    part.save(out, compress_streams=True, object_stream_mode=pikepdf.ObjectStreamMode.generate)
    return out.getvalue()


def _add_identification(part: pikepdf.Pdf, title: str, pages: int, records: int, *, vt: bool = True) -> None:
    # Every page has its TrimBox: a letter part's from assemble_part, a single document's from finish_pdfx4.
    profile, components, condition = output_intent()
    icc = part.make_stream(profile)
    icc.N = components
    part.Root.OutputIntents = Array([
        Dictionary(
            Type=Name.OutputIntent,
            S=Name.GTS_PDFX,
            OutputConditionIdentifier=pikepdf.String(condition),
            RegistryName=pikepdf.String("http://www.color.org"),
            Info=pikepdf.String(condition),
            DestOutputProfile=icc,
        )
    ])
    now = datetime.datetime.now(datetime.UTC).replace(microsecond=0)
    part.docinfo.Title = pikepdf.String(title)
    part.docinfo.CreationDate = part.docinfo.ModDate = pikepdf.String(now.strftime("D:%Y%m%d%H%M%SZ"))
    part.docinfo.Trapped = Name("/False")
    part.docinfo.Producer = pikepdf.String("Verwerker (Typst, pikepdf)")
    with part.open_metadata(set_pikepdf_as_editor=False, update_docinfo=False) as meta:
        meta.register_xml_namespace(PDFVT_NS, "pdfvtid")
        meta.register_xml_namespace(PDFX_NS, "pdfxid")
        meta["dc:title"] = title
        meta["xmp:CreateDate"] = meta["xmp:ModifyDate"] = meta["xmp:MetadataDate"] = now.isoformat()
        # PDF/X-4 identifies the file and its version in the XMP media management schema.
        meta["xmpMM:DocumentID"] = f"uuid:{uuid.uuid4()}"
        meta["xmpMM:VersionID"] = "1"
        meta["xmpMM:RenditionClass"] = "default"
        if vt:
            meta[f"{{{PDFVT_NS}}}GTS_PDFVTVersion"] = "PDF/VT-1"
        meta[f"{{{PDFX_NS}}}GTS_PDFXVersion"] = "PDF/X-4"
        meta["pdf:Producer"] = "Verwerker (Typst, pikepdf)"
        meta["pdf:Trapped"] = "False"
