"""Reading every format, encoding and delimiter from bytes or a stream; hostile files refused in one line."""

import io
import zipfile

import generate
import polars as pl
import pytest

from verwerker.datafiles.read import MAX_ARCHIVE_MEMBERS, Limits, UnreadableFile, read_table

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


def test_a_line_longer_than_the_header_limit_is_refused_naming_the_limit():
    long_line = b"Naam;" + b"x" * (10 * 1024 * 1024) + b"\n"
    with pytest.raises(UnreadableFile) as info:
        read_table(long_line, name="lang.csv")
    assert str(info.value) == "lang.csv: its header line is longer than 64 KiB; refused"
    with pytest.raises(UnreadableFile, match="64 KiB"):
        read_table(b"x" * (70 * 1024), name="zonder-regeleinde.csv")  # no line break at all


def test_a_field_longer_than_the_field_limit_is_refused_and_one_just_under_it_is_read():
    field = b"Naam;Opmerking\nJan;" + b"y" * (1024 * 1024 + 1) + b"\n"
    with pytest.raises(UnreadableFile, match=r"^veld.csv: a field is longer than 1 MiB; refused$"):
        read_table(field, name="veld.csv")
    fits = b"Naam;Opmerking\nJan;" + b"y" * (1024 * 1024) + b"\n"
    assert read_table(fits, name="veld.csv").frame.get_column("Opmerking").str.len_bytes()[0] == 1024 * 1024
    assert read_table(b"Naam;Postcode\r\n", name="kop.csv").frame.height == 0


def test_more_columns_than_allowed_are_refused_before_parsing_and_the_limit_is_configurable():
    header = ";".join(f"k{i}" for i in range(501)).encode() + b"\n"
    with pytest.raises(UnreadableFile, match=r"has 501 columns, more than 500 \(VERWERKER_MAX_COLUMNS\)"):
        read_table(header + b"x\n", name="breed.csv")
    assert read_table(header, name="breed.csv", limits=Limits(max_columns=501)).frame.width == 501
    with pytest.raises(UnreadableFile, match="more than 3"):
        read_table(b"a;b;c;d\n1;2;3;4\n", name="smal.csv", limits=Limits(max_columns=3))


def test_a_spreadsheet_over_the_column_limit_is_refused():
    data = generate.to_xlsx({"Blad": [[f"k{i}" for i in range(12)], ["x"] * 12]})
    with pytest.raises(UnreadableFile, match="has 12 columns, more than 10"):
        read_table(data, name="breed.xlsx", limits=Limits(max_columns=10))


@pytest.mark.parametrize(("first_line", "evidence"), [
    ("Jansen;Dorpsstraat;12;1234 AB;Utrecht", "postcode"),
    ("Jansen;Dorpsstraat;12a;Utrecht", "house number"),
    ("J.P.;Jansen;j.jansen@example.test", "initials"),
    ("Dhr.;Jansen;Utrecht", "salutation"),
    ("Jansen;j.jansen@example.test;Utrecht", "e-mail address"),
    ("Jansen;01-02-1980;Utrecht", "date"),
])
def test_a_first_line_that_holds_data_is_read_as_a_record_with_numbered_columns(first_line, evidence):
    data = (first_line + "\n" + first_line.replace("Jansen", "Bakker") + "\n").encode()
    table = read_table(data, name="zonder-kop.csv")
    assert table.header_holds == evidence
    assert table.frame.columns == [f"kolom {i}" for i in range(1, first_line.count(";") + 2)]
    assert table.frame.height == 2 and table.frame.get_column("kolom 1").to_list()[0] in ("Jansen", "J.P.", "Dhr.")


def test_an_ordinary_header_keeps_its_names_and_a_long_one_is_cut_to_100_characters():
    table = read_table(
        b"Voorletters;Achternaam;Postcode;Huisnr;Geb.datum\nJ.;Jansen;1234 AB;12;01-02-1980\n", name="a.csv"
    )
    assert table.header_holds is None and table.frame.columns[:2] == ["Voorletters", "Achternaam"]
    long_names = ("N" * 300 + ";" + "N" * 300 + ";Plaats\nJan;Piet;Utrecht\n").encode()
    columns = read_table(long_names, name="b.csv").frame.columns
    assert all(len(c) <= 100 for c in columns) and len(set(columns)) == 3 and columns[2] == "Plaats"


def test_a_spreadsheet_without_a_header_row_gets_numbered_columns():
    data = generate.to_xlsx({"Blad": [["Jansen", "1234 AB"], ["Bakker", "2345 CD"]]})
    table = read_table(data, name="zonder-kop.xlsx")
    assert table.header_holds == "postcode"
    assert table.frame.columns == ["kolom 1", "kolom 2"] and table.frame.get_column("kolom 1").to_list() == [
        "Jansen",
        "Bakker",
    ]


def test_formula_cells_are_read_as_plain_text():
    data = b'Naam;Plaats\n"=HYPERLINK(""http://x.example"";""klik"")";+31 6\n@SUM(A1);-2+3\n'
    frame = read_table(data, name="formules.csv").frame
    assert frame.get_column("Naam").to_list() == ['=HYPERLINK("http://x.example";"klik")', "@SUM(A1)"]
    assert frame.get_column("Plaats").to_list() == ["+31 6", "-2+3"]


def test_a_malformed_csv_is_refused_without_quoting_its_content():
    with pytest.raises(UnreadableFile) as info:
        read_table(b'Naam;Plaats\n=X("geheim";"klik");y\n', name="kapot.csv")
    assert "geheim" not in str(info.value) and "klik" not in str(info.value)
