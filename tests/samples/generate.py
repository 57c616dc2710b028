"""Synthetic Dutch address files for tests and benchmarks: fake people, never real ones.

    python tests/samples/generate.py          # rewrite the small samples in tests/samples/

Deterministic (fixed seed). Postcodes, IBANs and BSNs are computed with correct check digits by this
module's own arithmetic (the tests check them against python-stdnum). Each sample comes with the
truth the generator knows (minors, duplicates, foreign rows, invalid postcodes, empty rows, ...) in
`expected.json`, so tests compare the profiler against what was generated, not against itself.
"""

from __future__ import annotations

import csv
import datetime
import io
import json
import random
import zipfile
from pathlib import Path
from xml.sax.saxutils import escape

from verwerker.datafiles.synthetic import bsn  # one eleven-test generator for samples and tests

HERE = Path(__file__).resolve().parent
TODAY = datetime.date(2025, 6, 1)  # the reference date the expected minors are counted on

FIRST = ["Jan", "Piet", "Klaas", "Anna", "Sanne", "Fleur", "Daan", "Sem", "Lotte", "Emma", "Noah", "Liam", "Julia",
         "Mila", "Tess", "Bram", "Ruben", "Sophie", "Eva", "Lucas", "Jesse", "Femke", "Ilse", "Mohammed", "Yara",
         "Chloë", "Zoë", "René", "Hélène", "Joëlle"]
LAST = ["Jansen", "Bakker", "Visser", "Smit", "Meijer", "Mulder", "Bos", "Vos", "Peters", "Hendriks", "Dekker",
        "Brouwer", "Dijkstra", "Koster", "Prins", "Huisman", "Kuipers", "Willems", "Yilmaz", "El Amrani", "Çelik"]
INFIX_LAST = [("van", "Dijk"), ("de", "Vries"), ("van den", "Berg"), ("de", "Jong"), ("van der", "Meer"),
              ("van", "Leeuwen"), ("ter", "Horst"), ("in 't", "Veld"), ("van de", "Kamp"), ("den", "Hartog")]
STREETS = ["Kerkstraat", "Dorpsstraat", "Molenweg", "Stationsweg", "Julianalaan", "Beatrixstraat", "Schoolstraat",
           "Hoofdstraat", "Nieuwe Gracht", "Oude Rijn", "Burgemeester W. van Eertenstraat", "Korte Lijnbaan",
           "Atatürkstraat", "Daniël Stalpertstraat", "1e Exloërmond"]
CITIES = [("Amsterdam", 1011), ("Rotterdam", 3011), ("Den Haag", 2511), ("Utrecht", 3511), ("Zwolle", 8011),
          ("Groningen", 9711), ("Maastricht", 6211), ("Eindhoven", 5611), ("Leeuwarden", 8911), ("Middelburg", 4331),
          ("'s-Hertogenbosch", 5211), ("Súdwest-Fryslân", 8701)]
BANKS = ["ABNA", "INGB", "RABO", "TRIO", "SNSB", "ASNB", "KNAB", "BUNQ"]
LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
FOREIGN = [("België", "1000", "Brussel"), ("Duitsland", "10115", "Berlin"), ("Belgium", "B-2000", "Antwerpen"),
           ("Deutschland", "D-47533", "Kleve")]

NAW_HEADER = ["Klantnummer", "Aanhef", "Voorletters", "Tussenvoegsel", "Achternaam", "Straat", "Huisnr", "Toev.",
              "Postcode", "Woonplaats", "Land"]
HIGH_HEADER = NAW_HEADER + ["Geb.datum", "E-mailadres", "Telefoon", "Veld7", "Sofinummer", "Diagnose"]


# ------------------------------------------------------------------------------------------- identifiers


def postcode(rng: random.Random, base: int) -> str:
    while True:
        letters = rng.choice(LETTERS) + rng.choice(LETTERS)
        if letters not in ("SA", "SD", "SS"):
            return f"{min(9999, base + rng.randrange(0, 80))} {letters}"


def iban_nl(rng: random.Random) -> str:
    bank = rng.choice(BANKS)
    account = "".join(rng.choice("0123456789") for _ in range(10))
    digits = "".join(str(int(c, 36)) for c in bank + account + "NL00")
    check = 98 - int(digits) % 97
    return f"NL{check:02d}{bank}{account}"


def phone(rng: random.Random) -> str:
    if rng.random() < 0.5:
        return "06-" + "".join(rng.choice("0123456789") for _ in range(8))
    area = rng.choice(["020", "010", "030", "038", "050", "043", "040"])
    return f"{area}-{rng.randrange(1000000, 9999999)}"


# ----------------------------------------------------------------------------------------------- records


def make_records(n: int, *, seed: int = 5, high: bool = True, today: datetime.date = TODAY, messy: bool = True):
    """``n`` data rows (lists of strings) plus injected cases, the header, and the truth about them.

    Injected at known places: minors (born less than 16 years before ``today``), records that repeat an
    earlier one with other case/spacing/postcode format/tussenvoegsel, foreign addresses, invalid Dutch
    postcodes, missing house numbers and empty rows.
    """
    rng = random.Random(seed)
    header = HIGH_HEADER if high else NAW_HEADER
    rows: list[list[str]] = []
    truth = {"minors": 0, "duplicates": 0, "foreign": 0, "invalid_postcodes": 0, "missing_house_numbers": 0,
             "empty_rows": 0, "rows": 0}
    base_rows: list[list[str]] = []
    for i in range(n):
        city, pc_base = rng.choice(CITIES)
        gender = rng.choice(["M", "V"])
        if rng.random() < 0.35:
            infix, last = rng.choice(INFIX_LAST)
        else:
            infix, last = "", rng.choice(LAST)
        first = rng.choice(FIRST)
        initials = ".".join(first[0] + (rng.choice(LETTERS) if rng.random() < 0.3 else "")) + "."
        number = str(rng.randrange(1, 400))
        addition = rng.choice(["", "", "", "", "a", "B", "2", "bis", "hs", "III", "-3"]) if messy else ""
        pc = postcode(rng, pc_base)
        if messy:
            pc = rng.choice([pc, pc.replace(" ", ""), pc.lower(), pc.replace(" ", "").lower()])
        row = [f"K{100000 + i}", "Dhr." if gender == "M" else "Mevr.", initials, infix, last,
               rng.choice(STREETS), number, addition, pc, city.upper() if messy and rng.random() < 0.2 else city, ""]
        kind = i % 50 if messy else -1
        if kind == 7:  # foreign address
            country, fpc, fcity = FOREIGN[(i // 50) % len(FOREIGN)]
            row[8], row[9], row[10] = fpc, fcity, country
            truth["foreign"] += 1
        elif kind == 13:  # invalid Dutch postcode
            row[8] = rng.choice(["0123 AB", "1234 SS", "12345", "123 AB", "1234 SA"])
            row[8] = "1234 SS" if row[8] == "12345" else row[8]  # 12345 would read as foreign
            truth["invalid_postcodes"] += 1
        elif kind == 19:  # no house number
            row[6], row[7] = "", ""
            truth["missing_house_numbers"] += 1
        if high:
            age_days = rng.randrange(18 * 366, 90 * 365)
            if kind == 23:  # a minor: between 2 and 15 years old, far from the boundary
                age_days = rng.randrange(2 * 366, 15 * 365)
                truth["minors"] += 1
            born = today - datetime.timedelta(days=age_days)
            fmt = rng.choice(["%d-%m-%Y", "%Y-%m-%d", "%d/%m/%Y"]) if messy else "%d-%m-%Y"
            email = f"{first.lower()}.{last.lower().replace(' ', '')}{i}@example.nl"
            email = email.encode("ascii", "ignore").decode()
            row += [born.strftime(fmt), email, phone(rng), iban_nl(rng), bsn(rng),
                    rng.choice(["", "", "diabetes type 2", "astma"])]
        rows.append(row)
        base_rows.append(row)
        if messy and kind == 31 and rows:  # the same person again, written differently
            original = base_rows[rng.randrange(0, len(base_rows))]
            twin = list(original)
            twin[4] = twin[4].upper()
            twin[8] = twin[8].replace(" ", "").upper() if twin[10] == "" else twin[8]
            twin[5] = "  " + twin[5] + " "
            if twin[3]:  # tussenvoegsel folded into the surname: `Berg, van den`
                twin[4] = f"{original[4]}, {original[3]}"
                twin[3] = ""
            rows.append(twin)
            truth["duplicates"] += 1
            if original[6] == "" and original[10] == "":
                truth["missing_house_numbers"] += 1
            if original[10]:
                truth["foreign"] += 1
            elif original[8] in ("0123 AB", "1234 SS", "123 AB", "1234 SA"):
                truth["invalid_postcodes"] += 1
            if high and _is_minor(original[11], today):
                truth["minors"] += 1
        if messy and kind == 41:
            rows.append([""] * len(header))
            truth["empty_rows"] += 1
    # Accidental duplicates among the random rows are possible in principle: count them as the truth too.
    truth["rows"] = len(rows)
    truth["duplicates"] = _count_duplicates(rows)
    return header, rows, truth


def _is_minor(text: str, today: datetime.date) -> bool:
    for fmt in ("%d-%m-%Y", "%Y-%m-%d", "%d/%m/%Y"):
        try:
            born = datetime.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
        return (today - born).days < 15 * 365 + 10
    return False


def _count_duplicates(rows: list[list[str]]) -> int:
    """The generator's own notion of "the same record": the fields the profiler keys on, normalised."""
    seen, dups = set(), 0
    for row in rows:
        if not any(cell.strip() for cell in row):
            continue
        # The surname without its tussenvoegsel, wherever that was written.
        surname = row[4].partition(",")[0]
        words = surname.split()
        while len(words) > 1 and words[0].islower():
            words.pop(0)
        surname = " ".join(words)
        key = tuple("".join(ch for ch in part.lower() if ch.isalnum()) for part in (*row[2:3], surname, *row[5:10]))
        if key in seen:
            dups += 1
        seen.add(key)
    return dups


# ----------------------------------------------------------------------------------------------- writers


def to_csv(header, rows, *, delimiter=";", encoding="utf-8", newline="\r\n") -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator=newline, quoting=csv.QUOTE_MINIMAL)
    writer.writerow(header)
    writer.writerows(rows)
    text = buffer.getvalue()
    if encoding == "utf-16-be":
        return b"\xfe\xff" + text.encode("utf-16-be")
    if encoding == "utf-16-le":
        return b"\xff\xfe" + text.encode("utf-16-le")
    return text.encode(encoding)


def to_xlsx(sheets: dict[str, list[list]]) -> bytes:
    """A workbook with one sheet per entry; rows are written as given (titles above the header allowed)."""
    import openpyxl

    book = openpyxl.Workbook()
    book.remove(book.active)
    for title, rows in sheets.items():
        sheet = book.create_sheet(title)
        for row in rows:
            sheet.append([_cell(v) for v in row])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _cell(value):
    # Numbers as numbers, as Excel users type them; everything else as text.
    if isinstance(value, str) and value.isdigit() and not value.startswith("0") and len(value) < 9:
        return int(value)
    return value if value != "" else None


def to_ods(sheets: dict[str, list[list]]) -> bytes:
    """A minimal OpenDocument spreadsheet, written by hand: mimetype first and stored, then content.xml."""
    tables = []
    for title, rows in sheets.items():
        xml_rows = []
        for row in rows:
            cells = []
            for value in row:
                if value in ("", None):
                    cells.append("<table:table-cell/>")
                elif isinstance(value, datetime.date):
                    cells.append(f'<table:table-cell office:value-type="date" office:date-value="{value.isoformat()}">'
                                 f"<text:p>{value.strftime('%d-%m-%Y')}</text:p></table:table-cell>")
                else:
                    cells.append(
                        f'<table:table-cell office:value-type="string"><text:p>{escape(str(value))}</text:p></table:table-cell>'  # noqa: E501
                    )
            xml_rows.append("<table:table-row>" + "".join(cells) + "</table:table-row>")
        tables.append(f'<table:table table:name="{escape(title)}">' + "".join(xml_rows) + "</table:table>")
    content = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
        'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
        'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2">'
        "<office:body><office:spreadsheet>" + "".join(tables) + "</office:spreadsheet></office:body>"
        "</office:document-content>"
    )
    manifest = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2">'
        '<manifest:file-entry manifest:full-path="/" manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/>'  # noqa: E501
        '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>'
        "</manifest:manifest>"
    )
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr(zipfile.ZipInfo("mimetype", (2024, 1, 1, 0, 0, 0)), "application/vnd.oasis.opendocument.spreadsheet",
                   compress_type=zipfile.ZIP_STORED)
        z.writestr(zipfile.ZipInfo("content.xml", (2024, 1, 1, 0, 0, 0)), content, compress_type=zipfile.ZIP_DEFLATED)
        z.writestr(zipfile.ZipInfo("META-INF/manifest.xml", (2024, 1, 1, 0, 0, 0)), manifest,
                   compress_type=zipfile.ZIP_DEFLATED)
    return out.getvalue()


def to_zip(member: str, data: bytes) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr(zipfile.ZipInfo(member, (2024, 1, 1, 0, 0, 0)), data, compress_type=zipfile.ZIP_DEFLATED)
    return out.getvalue()


# ------------------------------------------------------------------------------------------------ samples


def samples() -> dict[str, tuple[bytes, dict]]:
    """File name -> (bytes, expected facts) for every committed sample."""
    naw_h, naw_rows, naw_truth = make_records(120, seed=1, high=False)
    high_h, high_rows, high_truth = make_records(300, seed=2, high=True)
    out: dict[str, tuple[bytes, dict]] = {}

    def add(name, data, *, fmt, encoding=None, delimiter=None, truth, risk, sheet=None):
        out[name] = (data, {"format": fmt, "encoding": encoding, "delimiter": delimiter, "sheet": sheet,
                            "risk": risk, **truth})

    for name, delim, enc, label in [
        ("naw_utf8_semicolon.csv", ";", "utf-8", "utf-8"),
        ("naw_utf8_bom_comma.csv", ",", "utf-8-sig", "utf-8-sig"),
        ("naw_cp1252_semicolon.csv", ";", "cp1252", "cp1252"),
        ("naw_utf8_pipe.csv", "|", "utf-8", "utf-8"),
        ("naw_utf16le_tab.txt", "\t", "utf-16-le", "utf-16"),
        ("naw_utf16be_tab.txt", "\t", "utf-16-be", "utf-16"),
        ("naw_utf8_tab.tsv", "\t", "utf-8", "utf-8"),
    ]:
        add(name, to_csv(naw_h, naw_rows, delimiter=delim, encoding=enc), fmt="tsv" if delim == "\t" else "csv",
            encoding=label, delimiter=delim, truth=naw_truth, risk="standard")
    add("high_cp1252_semicolon.csv", to_csv(high_h, high_rows, encoding="cp1252"), fmt="csv", encoding="cp1252",
        delimiter=";", truth=high_truth, risk="high")
    add("high_utf8_comma.csv", to_csv(high_h, high_rows, delimiter=","), fmt="csv", encoding="utf-8",
        delimiter=",", truth=high_truth, risk="high")

    # Quoted fields with embedded newlines and delimiters: an address block in one cell.
    ml_header = ["Relatienummer", "Naam", "Adresregel 1", "Adresregel 2", "Postcode", "Woonplaats"]
    ml_rows = [[f"R{i}", f"Fam. {LAST[i % len(LAST)]}\nt.a.v. de bewoners; {FIRST[i % len(FIRST)]}",
                f"{STREETS[i % len(STREETS)]} {i + 1}", "", f"{1011 + i} AB", "Amsterdam"] for i in range(20)]
    add("multiline_quoted.csv", to_csv(ml_header, ml_rows), fmt="csv", encoding="utf-8", delimiter=";",
        truth={"rows": 20, "minors": 0, "duplicates": 0, "foreign": 0, "invalid_postcodes": 0,
               "missing_house_numbers": 0, "empty_rows": 0}, risk="standard")

    # Street and number in one column, as many clients send it.
    sn_header = ["Naam", "Adres", "Postcode", "Plaats"]
    sn_rows = [
        [
            f"{FIRST[i % len(FIRST)]} {LAST[i % len(LAST)]}",
            f"{STREETS[i % len(STREETS)]} {i + 1}{['', 'a', '-2', ' bis', ' III'][i % 5]}",
            f"{2000 + i} CD",
            "Leiden",
        ]
        for i in range(25)
    ]
    sn_rows[3][1] = "Woonboot tegenover de Grote Sloot"
    add("street_and_number.csv", to_csv(sn_header, sn_rows), fmt="csv", encoding="utf-8", delimiter=";",
        truth={"rows": 25, "minors": 0, "duplicates": 0, "foreign": 0, "invalid_postcodes": 0,
               "missing_house_numbers": 1, "empty_rows": 0}, risk="standard")

    # Spreadsheets: a title row and a blank row above the header, a second sheet.
    xl_rows = [["Ledenlijst 2025 (synthetisch)"], [], high_h, *high_rows]
    other = [["Code", "Omschrijving"], ["A", "eerste"], ["B", "tweede"]]
    add("high_titled.xlsx", to_xlsx({"Leden": xl_rows, "Codes": other}), fmt="xlsx", sheet="Leden",
        truth=high_truth, risk="high")
    add("naw.ods", to_ods({"Adressen": [["Adressenbestand"], naw_h, *naw_rows], "Leeg": [["x"]]}), fmt="ods",
        sheet="Adressen", truth=naw_truth, risk="standard")
    add("naw_csv.zip", to_zip("adressen.csv", to_csv(naw_h, naw_rows)), fmt="zip:csv", encoding="utf-8",
        delimiter=";", truth=naw_truth, risk="standard")
    return out


def main() -> None:
    expected = {}
    for name, (data, facts) in samples().items():
        (HERE / name).write_bytes(data)
        expected[name] = facts
    (HERE / "expected.json").write_text(json.dumps(expected, indent=1, sort_keys=True) + "\n")
    print(f"wrote {len(expected)} samples to {HERE}")


if __name__ == "__main__":
    main()
