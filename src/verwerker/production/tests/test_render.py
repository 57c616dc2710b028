"""Rendering: templates get record data as data, the PDF/VT structure is right, the text is right.

Text is checked by extracting it with poppler's pdftotext (Debian poppler-utils), never by bytes.
"""

import io
import json
import os
import re
import subprocess

import pikepdf
import pytest

from verwerker.lib.testing import require_tool
from verwerker.production.pdfvt import RecordInfo, assemble_part, load_background
from verwerker.production.pipeline import MergeOptions, _letter_records, manifest_csv, merge, prepare, rejects_csv
from verwerker.production.render import EXAMPLES, Template, TemplateError, compile_chunk
from verwerker.production.tests.synthetic import MAPPING, people, table


@pytest.fixture(autouse=True)
def _pdftotext():
    require_tool("pdftotext")  # skipped without it, failed in CI (which installs it)


def page_texts(pdf: bytes) -> list[str]:
    """Each page's text, extracted by pdftotext from stdin (the PDF never touches disk)."""
    text = subprocess.run(["pdftotext", "-layout", "-", "-"], input=pdf, capture_output=True, check=True).stdout
    return text.decode().split("\f")[:-1]


def background_pdf(pages=1) -> bytes:
    pdf = pikepdf.new()
    for i in range(pages):
        page = pdf.add_blank_page(page_size=(595, 842))
        font = pdf.make_indirect(pikepdf.Dictionary(Type=pikepdf.Name.Font, Subtype=pikepdf.Name.Type1,
                                                    BaseFont=pikepdf.Name.Helvetica))
        page.obj.Resources = pikepdf.Dictionary(Font=pikepdf.Dictionary(F1=font))
        page.obj.Contents = pdf.make_stream(f"BT /F1 14 Tf 40 800 Td (Briefpapier {i + 1}) Tj ET".encode())
    out = io.BytesIO()
    pdf.save(out)
    return out.getvalue()


def run_merge(frame, mapping, template, **kwargs):
    parts = {}
    options = kwargs.pop("options", MergeOptions(workers=1, chunk_size=7, part_size=14))
    result = merge(frame, mapping, template=template, options=options,
                   write_part=lambda i, n, pdf: parts.__setitem__(i, pdf), **kwargs)
    return result, [parts[i] for i in sorted(parts)]


def write_template(tmp_path, body, options="(:)"):
    path = tmp_path / "t.typ"
    path.write_text(f'#import "@local/verwerker:0.1.0": *\n#let options = {options}\n#let letter(r) = [\n{body}\n]\n')
    return Template(path)


def test_letters_carry_each_records_address_block_and_greeting_in_postal_order(tmp_path):
    frame = people(20, seed=3)
    result, parts = run_merge(frame, MAPPING, Template(EXAMPLES / "letter.typ"), background=background_pdf())
    assert result.records_out == 20 and result.pages == 20 and len(parts) == 2
    texts = [t for part in parts for t in page_texts(part)]
    manifest = result.manifest
    assert [m.seq for m in manifest] == list(range(1, 21))
    for row, text in zip(manifest, texts, strict=False):
        source = frame.row(row.row - 1, named=True)
        assert source["Kenmerk"] in text
        # Typst sets the two spaces before the town; text extraction reports any gap as one.
        town_line = rf"{source['Postcode'][:4]} {source['Postcode'][4:]} +{re.escape(source['Plaats'].upper())}"
        assert re.search(town_line, text)
        assert "Geachte" in text and "Briefpapier 1" in text
    postcodes = [frame.row(m.row - 1, named=True)["Postcode"] for m in manifest]
    assert postcodes == sorted(postcodes)


def test_record_values_print_literally_and_are_never_evaluated_as_markup(tmp_path):
    """GIVEN names holding Typst markup and code WHEN rendered THEN the text shows them verbatim."""
    hostile = ['#import "x": *', "*bold* _it_ $x^2$", "<label> @ref #panic()", "\\ ] ) }", '#read("/etc/passwd")']
    frame, mapping = table([{"last_name": h, "street": "Kerkstraat", "house_number": str(i + 1),
                             "postcode": "1234 AB", "city": "Utrecht"} for i, h in enumerate(hostile)])
    template = write_template(tmp_path, "Naam: #r.last_name")
    result, parts = run_merge(frame, mapping, template)
    text = " ".join(t for part in parts for t in page_texts(part))
    assert result.pages == len(hostile)
    for value in hostile:
        assert f"Naam: {value}" in text
    assert "root:" not in text


def test_a_template_error_names_the_template_line_and_no_record_data(tmp_path):
    template = write_template(tmp_path, "Hallo\n#r.geen_veld\n")
    frame, mapping = table([{"last_name": "Geheimnaam", "street": "Kerkstraat", "house_number": "1",
                             "postcode": "1234 AB", "city": "Utrecht"}])
    with pytest.raises(TemplateError) as info:
        run_merge(frame, mapping, template)
    assert str(info.value).startswith("t.typ line 5:")
    assert "Geheimnaam" not in str(info.value)


def test_the_pdfvt_structure_has_one_dpart_per_record_with_its_page_range(tmp_path):
    """GIVEN records of one, two and three pages WHEN merged THEN each DPart starts and ends on its pages."""
    template = write_template(
        tmp_path, '#r.last_name\n#for _ in range(int("0" + r.reference)) { pagebreak(); [vervolg] }'
    )
    frame, mapping = table([{"last_name": f"Naam{i}", "reference": str(i % 3), "street": "Kerkstraat",
                             "house_number": str(i + 1), "postcode": "1234 AB", "city": "Utrecht"} for i in range(9)])
    result, parts = run_merge(frame, mapping, template, background=background_pdf(pages=2),
                              options=MergeOptions(workers=1, chunk_size=4, part_size=100))
    assert len(parts) == 1
    pdf = pikepdf.open(io.BytesIO(parts[0]))
    root = pdf.Root.DPartRoot
    assert root.Type == "/DPartRoot" and root.RecordLevel == 1
    leaves = list(root.DPartRootNode.DParts[0])
    assert len(leaves) == 9
    page_index = {p.objgen: i for i, p in enumerate(pdf.pages)}
    texts = page_texts(parts[0])
    for leaf, row in zip(leaves, result.manifest, strict=False):
        start = page_index[leaf.Start.objgen]
        end = page_index[leaf.End.objgen] if "/End" in leaf else start
        extra = int(frame.row(row.row - 1, named=True)["reference"])
        assert end - start == extra == row.pages - 1
        assert start + 1 == row.first_page
        assert int(leaf.DPM.Verwerker_Record.Sequence) == row.seq
        assert int(leaf.DPM.Verwerker_Record.SourceRow) == row.row
        assert all(pdf.pages[i].obj.DPart.objgen == leaf.objgen for i in range(start, end + 1))
        assert f"Naam{row.row - 1}" in texts[start]
        assert "Briefpapier 1" in texts[start]
        assert all("Briefpapier 2" in texts[i] for i in range(start + 1, end + 1))
    assert "/Annots" not in pdf.pages[0].obj  # the record markers are gone
    meta = pdf.open_metadata()
    assert meta["{http://www.npes.org/pdfvt/ns/id/}GTS_PDFVTVersion"] == "PDF/VT-1"
    assert pdf.Root.OutputIntents[0].S == "/GTS_PDFX"


def test_the_background_is_stored_once_per_part_and_reused_on_every_page(tmp_path):
    frame = people(12, seed=5)
    result, parts = run_merge(frame, MAPPING, Template(EXAMPLES / "letter.typ"), background=background_pdf(),
                              options=MergeOptions(workers=1, chunk_size=5, part_size=100))
    pdf = pikepdf.open(io.BytesIO(parts[0]))
    forms = {p.obj.Resources.XObject.VwBg1.objgen for p in pdf.pages}
    assert len(forms) == 1 and len(pdf.pages) == 12
    assert pdf.pages[0].obj.Resources.XObject.VwBg1.GTS_Scope == "/File"


def test_foreign_mail_gets_no_kix_and_the_manifest_and_rejects_say_why(tmp_path):
    frame, mapping = table([
        {"last_name": "Jansen", "street": "Kerkstraat", "house_number": "1", "postcode": "1234 AB", "city": "Utrecht"},
        {"last_name": "Müller", "street": "Hauptstraße", "house_number": "5", "postcode": "10115", "city": "Berlin",
         "country": "Duitsland"},
        {"last_name": "=HYPERLINK(\"x\")", "street": "Kerkstraat", "house_number": "1", "postcode": "12", "city": "X"},
        {"last_name": "Jansen", "street": "Kerkstraat", "house_number": "1", "postcode": "1234ab", "city": "Utrecht"},
    ])
    template = write_template(tmp_path, "#r.kix")
    result, parts = run_merge(frame, mapping, template)
    assert [(m.row, m.kix) for m in result.manifest] == [(1, "1234AB1"), (2, "")]
    texts = page_texts(parts[0])
    assert "GERMANY" in texts[1] and "1234AB1" in texts[0]
    report = rejects_csv(result.rejects, frame).decode("utf-8-sig").splitlines()
    assert report[0].startswith("rij in uw bestand;handeling;reden;zelfde als rij")
    assert any(line.startswith("3;verwijderd;onbestelbaar: ongeldige of ontbrekende postcode") for line in report)
    assert any(line.startswith("4;verwijderd;dubbele persoon op hetzelfde adres;1") for line in report)
    assert "'=HYPERLINK" in "\n".join(report)
    manifest = manifest_csv(result.manifest).decode("utf-8-sig").splitlines()
    assert manifest[0] == "sequence;source_row;part;first_page;pages;kix;bundle;bundle_end"
    assert manifest[1] == "1;1;1;1;1;1234AB1;1;*"


def test_the_postcard_example_places_its_own_address_block(tmp_path):
    frame = people(3, seed=9)
    result, parts = run_merge(frame, MAPPING, Template(EXAMPLES / "postcard.typ"))
    pdf = pikepdf.open(io.BytesIO(parts[0]))
    width, height = float(pdf.pages[0].mediabox[2]), float(pdf.pages[0].mediabox[3])
    assert width > height  # A6 landscape
    assert all("nieuwe winkel" in t for t in page_texts(parts[0]))


@pytest.mark.slow
def test_worker_processes_render_the_same_letters_as_one_process(tmp_path):
    frame = people(30, seed=11)
    one, parts_one = run_merge(frame, MAPPING, Template(EXAMPLES / "letter.typ"),
                               options=MergeOptions(workers=1, chunk_size=8))
    two, parts_two = run_merge(frame, MAPPING, Template(EXAMPLES / "letter.typ"),
                               options=MergeOptions(workers=2, chunk_size=8))
    assert [m.row for m in one.manifest] == [m.row for m in two.manifest]
    assert page_texts(parts_one[0]) == page_texts(parts_two[0])


def test_replaced_worker_processes_still_render_every_letter_in_order(tmp_path):
    # Ten chunks, each worker replaced after one: five pools in turn (CPython 3.11's own replacement,
    # max_tasks_per_child, could hang here for good).
    frame = people(30, seed=12)
    one, parts_one = run_merge(frame, MAPPING, Template(EXAMPLES / "letter.typ"),
                               options=MergeOptions(workers=1, chunk_size=3))
    many, parts_many = run_merge(frame, MAPPING, Template(EXAMPLES / "letter.typ"),
                                 options=MergeOptions(workers=2, chunk_size=3, chunks_per_worker=1))
    assert [m.row for m in one.manifest] == [m.row for m in many.manifest]
    assert page_texts(parts_one[0]) == page_texts(parts_many[0]) and len(page_texts(parts_many[0])) == 30


def _decode_kix(pdf: pikepdf.Pdf, page_index: int) -> str:
    """Read the KIX back from the rectangles drawn on a page: classify each bar, invert the table."""
    from verwerker.production.kix import KRSET, kix_bars

    page = pdf.pages[page_index]
    last = page.obj.Contents[-1]
    rects, dx, dy = [], 0.0, 0.0
    for operands, operator in pikepdf.parse_content_stream(pikepdf.Stream(pdf, last.read_bytes())):
        if str(operator) == "cm":  # the engine only translates
            dx, dy = dx + float(operands[4]), dy + float(operands[5])
        elif str(operator) == "re":
            x, y, w, h = (float(v) for v in operands)
            rects.append([x + dx, y + dy, w, h])
    top = max(y + h for _x, y, _w, h in rects)
    bottom = min(y for _x, y, _w, _h in rects)
    bars = ""
    for _x, y, _w, h in sorted(rects):
        up, down = abs(y + h - top) < 0.1, abs(y - bottom) < 0.1
        bars += "F" if up and down else "A" if up else "D" if down else "T"
    widths = {round(w, 2) for _x, _y, w, _h in rects}
    assert widths == {round(0.5 * 72 / 25.4, 2)}  # 0.5 mm bars
    assert abs((top - bottom) - (1.27 + 2 * 1.88) * 72 / 25.4) < 0.05
    table = {kix_bars(ch): ch for ch in KRSET}
    return "".join(table[bars[i:i + 4]] for i in range(0, len(bars), 4))


def test_the_kix_is_drawn_as_rectangles_that_decode_back_to_the_address(tmp_path):
    frame, mapping = table(
        [
            {
                "last_name": "Jansen",
                "street": "Kogge",
                "house_number": "11-1",
                "postcode": "1657 KA",
                "city": "Abbekerk",
            },
            {
                "company": "Gemeente",
                "street": "Postbus",
                "house_number": "30250",
                "postcode": "2500 GG",
                "city": "Den Haag",
            },
            {
                "last_name": "Visser",
                "street": "Kerkstraat",
                "house_number": "1",
                "postcode": "9999 ZZ",
                "city": "Winsum",
                "kix": "9999ZZ1XPOSTNL",
            },
        ]
    )
    result, parts = run_merge(frame, mapping, Template(EXAMPLES / "letter.typ"))
    pdf = pikepdf.open(io.BytesIO(parts[0]))
    decoded = [_decode_kix(pdf, m.first_page - 1) for m in result.manifest]
    assert decoded == ["1657KA11X1", "2500GG30250", "9999ZZ1XPOSTNL"]
    assert all("/Annots" not in p.obj for p in pdf.pages)


def test_a_template_that_never_shows_the_address_block_is_refused(tmp_path):
    template = write_template(tmp_path, "Alleen tekst", options="(auto-address: false)")
    frame, mapping = table([{"last_name": "Jansen", "street": "Kerkstraat", "house_number": "1",
                             "postcode": "1234 AB", "city": "Utrecht"}])
    with pytest.raises(ValueError, match="address-block"):
        run_merge(frame, mapping, template)


def test_the_proof_holds_the_first_records_and_a_sample_all_watermarked(tmp_path):
    frame = people(30, seed=4)
    proofs = []
    result, parts = run_merge(frame, MAPPING, Template(EXAMPLES / "letter.typ"), write_proof=proofs.append)
    proof_texts = page_texts(proofs[0])
    assert len(proof_texts) == 20
    assert all("PROEF" in t for t in proof_texts)
    first_refs = [frame.row(m.row - 1, named=True)["Kenmerk"] for m in result.manifest[:10]]
    assert [ref in text for ref, text in zip(first_refs, proof_texts, strict=False)] == [True] * 10
    assert not any("PROEF" in t for part in parts for t in page_texts(part))


def _operators(stream: pikepdf.Object) -> bytes:
    """A content stream's operators and operands, independent of its whitespace."""
    return pikepdf.unparse_content_stream(pikepdf.parse_content_stream(stream))


def _structure(pdf_bytes: bytes, *, operators: bool = False) -> dict:
    """What a press and our checks read from a part, independent of object numbers and stream encoding
    (and with ``operators`` of the content streams' whitespace)."""
    pdf = pikepdf.open(io.BytesIO(pdf_bytes))
    page_index = {p.objgen: i for i, p in enumerate(pdf.pages)}
    leaves = list(pdf.Root.DPartRoot.DPartRootNode.DParts[0])
    meta = pdf.open_metadata()
    return {
        "texts": page_texts(pdf_bytes),
        "pages": [
            {
                "type": str(p.obj.Type),
                "parent": p.obj.Parent.objgen == pdf.Root.Pages.objgen,
                "boxes": [list(map(float, p.obj[k])) for k in ("/MediaBox", "/TrimBox")],
                "contents": [_operators(c) if operators else c.read_bytes() for c in p.obj.Contents],
                "xobjects": sorted(p.obj.Resources.get("/XObject", {}).keys()),
                "fonts": sorted(p.obj.Resources.get("/Font", {}).keys()),
                "annots": "/Annots" in p.obj,
                "dpart": leaves.index(next(leaf for leaf in leaves if leaf.objgen == p.obj.DPart.objgen)),
            }
            for p in pdf.pages
        ],
        "dparts": [
            (page_index[leaf.Start.objgen], page_index[leaf.End.objgen] if "/End" in leaf else None,
             {k: int(v) for k, v in leaf.DPM.Verwerker_Record.items()})
            for leaf in leaves
        ],
        "part": {k: int(v) for k, v in pdf.Root.DPartRoot.DPartRootNode.DPM.Verwerker_Part.items()},
        "xmp": {k: meta[k] for k in meta if "Date" not in k and "DocumentID" not in k},
        "intent": str(pdf.Root.OutputIntents[0].OutputConditionIdentifier),
    }


def test_the_one_pass_assembly_gives_the_part_the_page_by_page_assembly_gives(tmp_path):
    """GIVEN the same chunk PDFs (records of one to three pages, Dutch and foreign mail, two backgrounds)
    WHEN assembled in one pass and page by page through pikepdf's page list THEN text, page contents,
    boxes, resources, DPart tree, XMP and output intent are the same."""
    template = write_template(
        tmp_path, "#r.last_name\n#for _ in range(calc.rem(int(r.reference.slice(-1)), 3)) { pagebreak(); [vervolg] }"
    )
    frame = people(23, seed=3, foreign_every=5)
    records, _rejects = prepare(frame, MAPPING, options=MergeOptions())
    letters = list(_letter_records(records))
    chunks = [compile_chunk(str(template.path), json.dumps(letters[i:i + 6])) for i in range(0, len(letters), 6)]
    infos = [RecordInfo(seq=s, row=r, bundle=b) for s, r, b in records.select("_seq", "_row", "_bundle").iter_rows()]
    background = background_pdf(pages=2)
    one = assemble_part(chunks, infos, background=load_background(background), one_pass=True)
    reference = assemble_part(chunks, infos, background=load_background(background), one_pass=False)
    assert one.pages == reference.pages and one.first_pages == reference.first_pages
    assert max(one.pages) == 3 and any(rec["kix"] == "" for rec in letters)  # foreign mail has no KIX
    got, want = _structure(one.pdf), _structure(reference.pdf)
    assert got == want
    assert len(got["pages"]) == sum(one.pages) and len(got["dparts"]) == len(infos)
    # The fonts Typst embedded are shared by all of a chunk's pages in the part, not copied per page.
    pdf = pikepdf.open(io.BytesIO(one.pdf))
    fonts = {f.objgen for p in pdf.pages[:6] for f in p.obj.Resources.Font.values()}
    assert len(fonts) <= 2


def test_uncompressed_typst_output_gives_the_part_typst_s_own_deflated_output_gives(tmp_path):
    """GIVEN the same records (one to three pages each, Dutch and foreign mail) compiled as the engine
    does (content streams left uncompressed by Typst) and with Typst's own deflate WHEN each is assembled
    into a part THEN text, page operators, boxes, resources, KIX bars, DPart tree, XMP and output intent
    are the same, every page's content is compressed, and the part is no more than 5% larger."""
    template = write_template(
        tmp_path, "#r.last_name\n#for _ in range(calc.rem(int(r.reference.slice(-1)), 3)) { pagebreak(); [vervolg] }"
    )
    frame = people(23, seed=5, foreign_every=4)
    records, _rejects = prepare(frame, MAPPING, options=MergeOptions())
    letters = list(_letter_records(records))
    infos = [RecordInfo(seq=s, row=r, bundle=b) for s, r, b in records.select("_seq", "_row", "_bundle").iter_rows()]
    background = background_pdf(pages=2)

    def part(deflate: bool):
        chunks = [compile_chunk(str(template.path), json.dumps(letters[i:i + 8]), deflate=deflate)
                  for i in range(0, len(letters), 8)]
        return chunks, assemble_part(chunks, infos, background=load_background(background))

    plain_chunks, engine = part(deflate=False)
    deflated_chunks, reference = part(deflate=True)
    # The engine's chunks really are the uncompressed ones (else this test would compare a path with itself).
    def filters(chunks):
        return {str(p.obj.Contents.get("/Filter")) for c in chunks for p in pikepdf.open(io.BytesIO(c)).pages}

    assert filters(plain_chunks) == {"None"} and filters(deflated_chunks) == {"/FlateDecode"}
    assert engine.pages == reference.pages and engine.first_pages == reference.first_pages
    assert max(engine.pages) == 3 and any(rec["kix"] == "" for rec in letters)
    got, want = _structure(engine.pdf, operators=True), _structure(reference.pdf, operators=True)
    assert got == want
    pdf = pikepdf.open(io.BytesIO(engine.pdf))
    assert all(c.get("/Filter") == pikepdf.Name.FlateDecode for p in pdf.pages for c in p.obj.Contents)
    dutch = [(first, rec["kix"]) for first, rec in zip(engine.first_pages, letters, strict=True) if rec["kix"]]
    assert [_decode_kix(pdf, first - 1) for first, _kix in dutch] == [kix for _first, kix in dutch]
    assert len(engine.pdf) <= 1.05 * len(reference.pdf)


def test_a_warm_compiler_still_sees_a_changed_template_and_new_records(tmp_path):
    """The compiler kept warm per template renders each chunk's own records and a rewritten template."""
    template = write_template(tmp_path, "Eerste versie #r.last_name")
    record = {"address": ["A", "B"], "kix": "", "seq": 1, "last_name": "Jansen", "greeting": ""}
    first = page_texts(compile_chunk(str(template.path), json.dumps([record])))
    second = page_texts(compile_chunk(str(template.path), json.dumps([{**record, "last_name": "Visser"}])))
    assert "Eerste versie Jansen" in first[0] and "Visser" in second[0] and "Jansen" not in second[0]
    write_template(tmp_path, "Tweede versie #r.last_name")
    os.utime(template.path, ns=(1, 1))  # a new modification time even within the file system's resolution
    third = page_texts(compile_chunk(str(template.path), json.dumps([record])))
    assert "Tweede versie Jansen" in third[0]
