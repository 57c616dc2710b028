"""Print parts against what can be checked of PDF/X-4 and PDF/VT-1 (production.pdfx)."""

import io

import pikepdf
import pytest
from django.core.management import call_command
from django.core.management.base import SystemCheckError

from verwerker.production import pdfx
from verwerker.production.render import EXAMPLES, Template
from verwerker.production.tests.synthetic import MAPPING, people
from verwerker.production.tests.test_render import run_merge

DISPLAY = (
    "output intent profile is a display profile; PDF/X-4 wants the output device profile of the printing condition"
)


def _typst_background() -> bytes:
    """A print file whose fonts are embedded (Typst embeds every font it uses)."""
    import typst

    return typst.compile(b'#set page(paper: "a4", margin: 1cm)\n#text(size: 18pt)[Woningstichting Voorbeeld]')


def _press_profile(tmp_path):
    """A CMYK output-device ICC header (the class and colour space are what the checks read)."""
    header = bytearray(128)
    header[0:4] = (128).to_bytes(4, "big")
    header[8:12] = bytes([4, 0x30, 0, 0])
    header[12:16], header[16:20], header[20:24], header[36:40] = b"prtr", b"CMYK", b"Lab ", b"acsp"
    path = tmp_path / "FOGRA51.icc"
    path.write_bytes(bytes(header) + (0).to_bytes(4, "big"))
    return path


@pytest.fixture
def part():
    _result, parts = run_merge(people(6, seed=5), MAPPING, Template(EXAMPLES / "letter.typ"),
                               background=_typst_background())
    return parts[0]


def test_a_print_part_breaks_nothing_checkable_but_the_default_srgb_intent(part):
    assert pdfx.problems(part) == [DISPLAY]


def test_with_the_press_profile_configured_a_print_part_breaks_nothing_checkable(settings, tmp_path):
    settings.OUTPUT_INTENT_ICC = str(_press_profile(tmp_path))
    _result, parts = run_merge(people(6, seed=5), MAPPING, Template(EXAMPLES / "letter.typ"),
                               background=_typst_background())
    assert pdfx.problems(parts[0]) == []
    pdf = pikepdf.open(io.BytesIO(parts[0]))
    intent = pdf.Root.OutputIntents[0]
    assert str(intent.OutputConditionIdentifier) == "FOGRA51" and int(intent.DestOutputProfile.N) == 4


@pytest.mark.parametrize(
    ("damage", "expected"),
    [
        (lambda pdf: pdf.trailer.__delitem__("/ID"), "no file identifier (/ID) in the trailer"),
        (lambda pdf: pdf.pages[1].obj.__delitem__("/TrimBox"), "page 2: needs exactly one of TrimBox and ArtBox"),
        (
            lambda pdf: setattr(pdf.pages[0].obj, "TrimBox", pikepdf.Array([0, 0, 700, 900])),
            "page 1: TrimBox extends beyond the MediaBox",
        ),
        (
            lambda pdf: pdf.pages[2].obj.__delitem__("/DPart"),
            "page 3: no /DPart (every page of a PDF/VT file belongs to a document part)",
        ),
        (lambda pdf: pdf.Root.__delitem__("/DPartRoot"), "no /DPartRoot in the catalog (PDF/VT)"),
        (
            lambda pdf: setattr(pdf.Root, "AcroForm", pikepdf.Dictionary(Fields=pikepdf.Array())),
            "interactive form (AcroForm)",
        ),
        (lambda pdf: pdf.Root.__delitem__("/OutputIntents"), "0 GTS_PDFX output intents (exactly one is required)"),
        (lambda pdf: pdf.docinfo.__delitem__("/ModDate"), "document information lacks ModDate"),
        (
            lambda pdf: setattr(pdf.docinfo, "Trapped", pikepdf.Name("/False_")),
            "document information Trapped is not True or False",
        ),
    ],
)
def test_each_checked_requirement_is_reported_when_broken(part, damage, expected):
    assert expected not in pdfx.problems(part)
    pdf = pikepdf.open(io.BytesIO(part))
    damage(pdf)
    assert expected in pdfx.problems(pdf)


def test_a_font_left_out_of_the_file_is_reported_once(part):
    pdf = pikepdf.open(io.BytesIO(part))
    font = pdf.make_indirect(pikepdf.Dictionary(Type=pikepdf.Name.Font, Subtype=pikepdf.Name.Type1,
                                                BaseFont=pikepdf.Name.Helvetica))
    for page in pdf.pages:
        page.obj.Resources.Font.Fx = font
    assert [p for p in pdfx.problems(pdf) if "not embedded" in p] == ["page 1: font /Helvetica is not embedded"]


def test_xmp_identification_is_required(part):
    pdf = pikepdf.open(io.BytesIO(part))
    with pdf.open_metadata(set_pikepdf_as_editor=False, update_docinfo=False) as meta:
        del meta["xmpMM:DocumentID"]
        meta[f"{{{pdfx.PDFX_NS}}}GTS_PDFXVersion"] = "PDF/X-1a:2001"
    found = pdfx.problems(pdf)
    assert "XMP lacks xmpMM:DocumentID" in found
    assert "XMP GTS_PDFXVersion is PDF/X-1a:2001 (PDF/X-4 expected)" in found


def test_check_refuses_an_output_intent_that_is_no_icc_profile(settings, tmp_path):
    bad = tmp_path / "press.icc"
    bad.write_bytes(b"not a profile" * 20)
    settings.OUTPUT_INTENT_ICC = str(bad)
    with pytest.raises(SystemCheckError, match="production.E001"):
        call_command("check")
