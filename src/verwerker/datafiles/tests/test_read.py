"""Reading every format, encoding and delimiter from bytes or a stream; hostile files refused in one line."""

import io
import zipfile

import polars as pl
import pytest

from verwerker.datafiles.read import MAX_ARCHIVE_MEMBERS, UnreadableFile, read_table

import generate

TEXT_SAMPLES = [
    "naw_utf8_semicolon.csv", "naw_utf8_bom_comma.csv", "naw_cp1252_semicolon.csv", "naw_utf8_pipe.csv",
    "naw_utf16le_tab.txt", "naw_utf16be_tab.txt", "naw_utf8_tab.tsv", "high_cp1252_semicolon.csv",
    "high_utf8_comma.csv", "naw_csv.zip",
]


@pytest.mark.parametrize("name", TEXT_SAMPLES + ["high_titled.xlsx", "naw.ods"])
def test_it_reads_each_sample_from_a_stream_with_its_format_encoding_and_delimiter(name, samples_dir, expected):
    facts = expected[name]
    with open(samples_dir / name, "rb") as stream:
        table = read_table(stream, name=name)
    assert (table.format, table.encoding, table.delimiter, table.sheet) == (
        facts["format"], facts["encoding"], facts["delimiter"], facts["sheet"]
    )
    assert table.frame.height == facts["rows"]
    assert all(dtype == pl.String for dtype in table.frame.dtypes)


def test_every_encoding_and_delimiter_gives_the_same_table(samples_dir):
    frames = [read_table((samples_dir / n).read_bytes(), name=n).frame for n in TEXT_SAMPLES if n.startswith("naw_")]
    frames.append(read_table((samples_dir / "naw.ods").read_bytes(), name="naw.ods").frame)
    header, rows, _ = generate.make_records(120, seed=1, high=False)
    assert frames[0].columns == header
    assert frames[0].row(0) == tuple(v if v != "" else None for v in rows[0])
    for frame in frames[1:]:
        assert frame.columns == frames[0].columns
        assert frame.equals(frames[0])


def test_quoted_fields_keep_embedded_newlines_and_delimiters(samples_dir):
    table = read_table((samples_dir / "multiline_quoted.csv").read_bytes(), name="multiline_quoted.csv")
    assert table.frame.height == 20
    first = table.frame.get_column("Naam")[0]
    assert "\n" in first and ";" in first


def test_it_finds_the_header_under_a_title_row_and_reads_a_chosen_sheet(samples_dir):
    data = (samples_dir / "high_titled.xlsx").read_bytes()
    table = read_table(data, name="leden.xlsx")
    assert table.frame.columns[:3] == ["Klantnummer", "Aanhef", "Voorletters"]
    by_name = read_table(data, name="leden.xlsx", sheet="Codes")
    by_index = read_table(data, name="leden.xlsx", sheet=1)
    assert by_name.sheet == by_index.sheet == "Codes"
    assert by_name.frame.columns == ["Code", "Omschrijving"] and by_name.frame.height == 2
    with pytest.raises(UnreadableFile, match="no sheet named 'Nope'"):
        read_table(data, name="leden.xlsx", sheet="Nope")


def test_a_file_that_is_not_what_its_name_says_is_read_by_its_content(samples_dir):
    xlsx = (samples_dir / "high_titled.xlsx").read_bytes()
    csv = (samples_dir / "naw_utf8_semicolon.csv").read_bytes()
    assert read_table(xlsx, name="adressen.csv").format == "xlsx"
    assert read_table(csv, name="adressen.xlsx").format == "csv"


def _zip(members: dict[str, bytes], level=zipfile.ZIP_DEFLATED) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", level) as z:
        for name, data in members.items():
            z.writestr(name, data)
    return out.getvalue()


def _bomb(member: str, mib: int) -> bytes:
    """A few hundred KB that inflate to ``mib`` MiB of zeros."""
    out = io.BytesIO()
    zero = bytes(1024 * 1024)
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        z.writestr("[Content_Types].xml", b"<Types/>")
        z.writestr("xl/workbook.xml", b"<workbook/>")
        with z.open(member, "w", force_zip64=True) as handle:
            for _ in range(mib):
                handle.write(zero)
    return out.getvalue()


HOSTILE = {
    "empty": (b"", "empty"),
    "blank": (b"  \r\n\r\n", "empty"),
    "binary garbage": (bytes(range(256)) * 64, "binary"),
    "truncated xlsx": (None, "damaged"),
    "old xls": (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(600), "old Excel"),
    "invalid utf-8 after a utf-8 byte-order mark": (b"\xef\xbb\xbfNaam;Plaats\n\xff\xfe\xfa;x\n", "not valid UTF-8"),
    "nested zip": (None, "ZIP inside a ZIP"),
    "two members": (_zip({"a.csv": b"a;b\n1;2\n", "b.csv": b"a;b\n1;2\n"}), "exactly one"),
    "path traversal": (_zip({"../../etc/passwd.csv": b"a;b\n1;2\n"}), "unsafe path"),
    "absolute path": (_zip({"/tmp/x.csv": b"a;b\n1;2\n"}), "unsafe path"),
    "pdf": (b"%PDF-1.7\n" + bytes(100), "PDF"),
}


@pytest.mark.parametrize("case", sorted(HOSTILE))
def test_hostile_input_is_refused_in_one_line_naming_the_file(case, samples_dir):
    data, reason = HOSTILE[case]
    if case == "truncated xlsx":
        data = (samples_dir / "high_titled.xlsx").read_bytes()[:5000]
    if case == "nested zip":
        data = _zip({"inner.zip": _zip({"a.csv": b"a;b\n1;2\n"})})
    with pytest.raises(UnreadableFile) as info:
        read_table(io.BytesIO(data), name="klant/bestand.csv")
    message = str(info.value)
    assert message.startswith("klant/bestand.csv") and ": " in message and "\n" not in message
    assert reason in message


def test_a_zip_bomb_posing_as_xlsx_is_refused_before_it_is_inflated():
    data = _bomb("xl/worksheets/sheet1.xml", 300)
    assert len(data) < 2 * 1024 * 1024
    with pytest.raises(UnreadableFile, match="ZIP bomb"):
        read_table(data, name="bom.xlsx")


def test_an_archive_with_too_many_members_is_refused():
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as z:
        for i in range(MAX_ARCHIVE_MEMBERS + 1):
            z.writestr(f"m{i}", b"")
    with pytest.raises(UnreadableFile, match="members"):
        read_table(out.getvalue(), name="veel.zip")


def test_a_10_mib_single_line_and_a_header_only_file_give_tables():
    long_line = b"Naam;" + b"x" * (10 * 1024 * 1024) + b"\n"
    table = read_table(long_line, name="lang.csv")
    assert table.frame.height == 0 and table.frame.width == 2
    field = b"Naam;Opmerking\nJan;" + b"y" * (10 * 1024 * 1024) + b"\n"
    assert read_table(field, name="veld.csv").frame.get_column("Opmerking").str.len_bytes()[0] == 10 * 1024 * 1024
    assert read_table(b"Naam;Postcode\r\n", name="kop.csv").frame.height == 0


def test_formula_cells_are_read_as_plain_text():
    data = b'Naam;Plaats\n"=HYPERLINK(""http://x.example"";""klik"")";+31 6\n@SUM(A1);-2+3\n'
    frame = read_table(data, name="formules.csv").frame
    assert frame.get_column("Naam").to_list() == ['=HYPERLINK("http://x.example";"klik")', "@SUM(A1)"]
    assert frame.get_column("Plaats").to_list() == ["+31 6", "-2+3"]


def test_a_malformed_csv_is_refused_without_quoting_its_content():
    with pytest.raises(UnreadableFile) as info:
        read_table(b'Naam;Plaats\n=X("geheim";"klik");y\n', name="kapot.csv")
    assert "geheim" not in str(info.value) and "klik" not in str(info.value)
