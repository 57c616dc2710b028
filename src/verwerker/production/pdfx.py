"""What can be checked of PDF/X-4 and PDF/VT-1 without a certified validator.

ISO 16612-2 makes a PDF/VT-1 file a valid PDF/X-4 file (ISO 15930-7) with a DPart tree on top (DOMAIN.md
§6). No validator for either is packaged for Debian or PyPI, so this module checks the requirements that
can be read off the file's structure: version, encryption, the file identifier, one GTS_PDFX output
intent with an ICC profile of the printing condition, the identification keys and dates in the document
information and the XMP, page boxes, embedded fonts, and nothing a RIP must refuse (JavaScript, forms,
embedded files, annotations that print); and for PDF/VT, the DPart tree reaching every page. What it
cannot judge (colour of every object against the output intent, transparency group colour spaces,
optional content configurations) is left to the print house's preflight.

``problems(pdf)`` returns one line per problem found, empty when none.
"""

from __future__ import annotations

import io

import pikepdf
from pikepdf import Name

from verwerker.production.pdfvt import PDFVT_NS, PDFX_NS, icc_components

_ICC_CLASSES = {b"prtr": "output device", b"mntr": "display", b"scnr": "input device", b"spac": "colour space",
                b"link": "device link", b"abst": "abstract", b"nmcl": "named colour"}
_PRINTING_ANNOTATIONS = {"/PrinterMark", "/TrapNet"}
_FONT_FILES = ("/FontFile", "/FontFile2", "/FontFile3")


def problems(pdf: bytes | pikepdf.Pdf, *, vt: bool = True) -> list[str]:
    """The PDF/X-4 (and with ``vt``, PDF/VT-1) requirements the file visibly breaks."""
    if isinstance(pdf, bytes | bytearray):
        try:
            pdf = pikepdf.open(io.BytesIO(pdf))
        except pikepdf.PdfError:
            return ["not a readable PDF"]
    found: list[str] = []
    if pdf.is_encrypted:
        found.append("encrypted (PDF/X forbids encryption)")
    if tuple(int(x) for x in pdf.pdf_version.split(".")) > (1, 6):
        found.append(f"PDF version {pdf.pdf_version} (PDF/X-4 is based on PDF 1.6)")
    if "/ID" not in pdf.trailer:
        found.append("no file identifier (/ID) in the trailer")
    found += _output_intent(pdf)
    found += _identification(pdf, vt=vt)
    found += _document_level(pdf)
    fonts_seen: set = set()  # a font shared by many pages (the background's) is reported once
    for number, page in enumerate(pdf.pages, start=1):
        found += [f"page {number}: {p}" for p in _page(page, vt=vt, fonts_seen=fonts_seen)]
    if vt:
        found += _dparts(pdf)
    return found


def _output_intent(pdf: pikepdf.Pdf) -> list[str]:
    intents = [i for i in pdf.Root.get("/OutputIntents", []) if i.get("/S") == Name.GTS_PDFX]
    if len(intents) != 1:
        return [f"{len(intents)} GTS_PDFX output intents (exactly one is required)"]
    intent = intents[0]
    found = []
    if not str(intent.get("/OutputConditionIdentifier", "")):
        found.append("output intent without OutputConditionIdentifier")
    profile = intent.get("/DestOutputProfile")
    if profile is None:
        return found + ["output intent without an embedded ICC profile (DestOutputProfile)"]
    data = profile.read_bytes()
    components = icc_components(data)
    if components is None:
        return found + ["output intent profile is not an ICC profile of a grey, RGB or CMYK device"]
    device = data[12:16]
    if device != b"prtr":
        found.append(f"output intent profile is a {_ICC_CLASSES.get(device, repr(device))} profile; "
                     "PDF/X-4 wants the output device profile of the printing condition")
    if int(profile.get("/N", 0)) != components:
        found.append(f"output intent profile /N is {profile.get('/N')}, its colour space has {components}")
    return found


def _identification(pdf: pikepdf.Pdf, *, vt: bool) -> list[str]:
    found = []
    info = pdf.trailer.get("/Info")
    for key in ("/Title", "/CreationDate", "/ModDate"):
        if info is None or not str(info.get(key, "")):
            found.append(f"document information lacks {key[1:]}")
    trapped = info.get("/Trapped") if info is not None else None
    if str(trapped) not in ("/True", "/False"):
        found.append("document information Trapped is not True or False")
    with pdf.open_metadata() as meta:
        values = {key: str(meta.get(key, "")) for key in (
            "dc:title", "xmp:CreateDate", "xmp:ModifyDate", "xmpMM:DocumentID", "xmpMM:VersionID",
            "xmpMM:RenditionClass", "pdf:Trapped")}
        pdfx = str(meta.get(f"{{{PDFX_NS}}}GTS_PDFXVersion", ""))
        pdfvt = str(meta.get(f"{{{PDFVT_NS}}}GTS_PDFVTVersion", ""))
    for key, value in values.items():
        if not value:
            found.append(f"XMP lacks {key}")
    if values["pdf:Trapped"] and values["pdf:Trapped"] not in ("True", "False"):
        found.append("XMP pdf:Trapped is not True or False")
    if not pdfx.startswith("PDF/X-4"):
        found.append(f"XMP GTS_PDFXVersion is {pdfx or 'missing'} (PDF/X-4 expected)")
    if vt and pdfvt not in ("PDF/VT-1", "PDF/VT-2"):
        found.append(f"XMP GTS_PDFVTVersion is {pdfvt or 'missing'}")
    return found


def _document_level(pdf: pikepdf.Pdf) -> list[str]:
    found = []
    root = pdf.Root
    if "/AcroForm" in root:
        found.append("interactive form (AcroForm)")
    names = root.get("/Names", {})  # type: ignore[var-annotated]
    if "/JavaScript" in names:
        found.append("document JavaScript")
    if "/EmbeddedFiles" in names:
        found.append("embedded files")
    action = root.get("/OpenAction")
    if isinstance(action, pikepdf.Dictionary) and action.get("/S") == Name.JavaScript:
        found.append("JavaScript open action")
    if "/AA" in root:
        found.append("document additional actions (AA)")
    return found


def _page(page: pikepdf.Page, *, vt: bool, fonts_seen: set) -> list[str]:
    found = []
    obj = page.obj
    media = _box(obj.get("/MediaBox"))
    trim, art = "/TrimBox" in obj, "/ArtBox" in obj
    if trim == art:
        found.append("needs exactly one of TrimBox and ArtBox")
    for key in ("/TrimBox", "/ArtBox", "/BleedBox", "/CropBox"):
        box = _box(obj.get(key))
        if box and media and not _inside(box, media):
            found.append(f"{key[1:]} extends beyond the MediaBox")
    bleed, shown = _box(obj.get("/BleedBox")), _box(obj.get("/TrimBox") or obj.get("/ArtBox"))
    if bleed and shown and not _inside(shown, bleed):
        found.append("TrimBox extends beyond the BleedBox")
    for annotation in obj.get("/Annots", []):
        if str(annotation.get("/Subtype")) not in _PRINTING_ANNOTATIONS and int(annotation.get("/F", 0)) & 4:
            found.append(f"printing {annotation.get('/Subtype')} annotation")
    if "/AA" in obj:
        found.append("page additional actions (AA)")
    if vt and "/DPart" not in obj:
        found.append("no /DPart (every page of a PDF/VT file belongs to a document part)")
    found += _fonts(obj.get("/Resources", {}), seen=fonts_seen)
    return found


def _fonts(resources, *, seen: set) -> list[str]:
    """Fonts without an embedded font program, in these resources and in their form XObjects'."""
    found = []
    for font in (resources.get("/Font") or {}).values():
        if font.objgen in seen:
            continue
        seen.add(font.objgen)
        if font.get("/Subtype") == Name.Type3:
            continue  # glyphs are content streams
        descriptor = font.get("/FontDescriptor")
        if descriptor is None and "/DescendantFonts" in font:
            descriptor = font.DescendantFonts[0].get("/FontDescriptor")
        if descriptor is None or not any(key in descriptor for key in _FONT_FILES):
            found.append(f"font {font.get('/BaseFont')} is not embedded")
    for xobject in (resources.get("/XObject") or {}).values():
        if xobject.get("/Subtype") == Name.Form and xobject.objgen not in seen:
            seen.add(xobject.objgen)
            found += _fonts(xobject.get("/Resources", {}), seen=seen)
    return found


def _dparts(pdf: pikepdf.Pdf) -> list[str]:
    root = pdf.Root.get("/DPartRoot")
    if root is None:
        return ["no /DPartRoot in the catalog (PDF/VT)"]
    node = root.get("/DPartRootNode")
    if node is None:
        return ["/DPartRoot without /DPartRootNode"]
    found = []
    pages = {page.obj.objgen for page in pdf.pages}
    covered: set = set()
    stack = [node]
    while stack:
        current = stack.pop()
        if "/DParts" in current:
            for group in current.DParts:
                stack.extend(group)
        elif "/Start" in current:
            start = current.Start
            end = current.get("/End", start)
            if start.objgen not in pages or end.objgen not in pages:
                found.append("a leaf DPart starts or ends outside the document's pages")
            covered.add(start.objgen)
        else:
            found.append("a DPart with neither /DParts nor /Start")
    if not covered:
        found.append("the DPart tree has no leaves")
    return found


def _box(value) -> tuple[float, float, float, float] | None:
    if value is None or len(value) != 4:
        return None
    x0, y0, x1, y1 = (float(v) for v in value)
    return min(x0, x1), min(y0, y1), max(x0, x1), max(y0, y1)


def _inside(inner, outer, slack: float = 0.01) -> bool:
    return (inner[0] >= outer[0] - slack and inner[1] >= outer[1] - slack
            and inner[2] <= outer[2] + slack and inner[3] <= outer[3] + slack)

