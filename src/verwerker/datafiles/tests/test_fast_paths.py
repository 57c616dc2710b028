"""The faster ways of computing a profile give exactly what the straightforward ones gave.

`reference.py` keeps the code as it was before it was made faster; these tests run both on generated
records with hostile variations mixed in (Unicode spaces and dashes, letters that change under case
mapping, the key's own separator inside a field, households at one address) and require equal results.
"""

import datetime
import random
import string

import generate  # tests/samples/generate.py
import polars as pl
from stdnum import iban as std_iban

from verwerker.datafiles import detect as detect_module
from verwerker.datafiles import profile, read, validators
from verwerker.datafiles.detect import Found, detect
from verwerker.datafiles.kinds import Kind
from verwerker.datafiles.read import Limits, Table, read_table
from verwerker.datafiles.tests import reference

# Characters that stress normalisation: Unicode spaces and dashes, letters whose case mapping is odd
# (dotless i, long s, ligatures, Kelvin sign, capital sharp s, final sigma), the key's separator.
_ODD = " \t\u00a0\u2007\u202f\u3000-\u2010\u2212.,'`/()\"\u0131\u017f\ufb00\ufb01\u212a\u1e9e\u03a3\x1f"


def _odd_postcode(rng: random.Random) -> str:
    digits = str(rng.randrange(0, 10000)).zfill(4)
    letters = "".join(rng.choice(string.ascii_letters + "\u0131\u017f\ufb00\u212a") for _ in range(2))
    parts = [rng.choice(["", "", "NL", "nl", "Nl-", "NL\u00a0"]), digits[:2], digits[2:], letters]
    out = ""
    for part in parts:
        out += part + (rng.choice(_ODD) if rng.random() < 0.3 else "")
    return rng.choice(["", " ", "\t"]) + out + rng.choice(["", " ", "-", "\u2010"])


def _hostile_records(n: int, seed: int) -> pl.DataFrame:
    """Generated NAW records, then copies of some written differently, households and odd fields."""
    header, rows, _truth = generate.make_records(n, seed=seed, high=False)
    rng = random.Random(seed)
    extra = []
    for row in rng.sample(rows, n // 5):
        twin = list(row)
        choice = rng.randrange(6)
        if choice == 0:  # the postcode in another notation
            pc = twin[8].replace(" ", "")
            twin[8] = rng.choice(
                [f"NL-{pc}", f"{pc[:4]}\u00a0{pc[4:]}".lower(), f" {pc[:4]}.{pc[4:]} ", f"{pc[:4]}-{pc[4:]}"]
            )
        elif choice == 1:  # the house number with spaces, a sign or leading zeros
            twin[6] = rng.choice([f" {twin[6]}", f"0{twin[6]}", f"{twin[6]}.", f"-{twin[6]}", f"+{twin[6]}"])
        elif choice == 2:  # someone else at the same address (a household)
            twin[2], twin[4] = "X.", rng.choice(["Σίσυφος", "ΣΊΣΥΦΟΣ", "Öztürk", "İnce"])
        elif choice == 3:  # a separator inside fields: two records whose fields joined with it are equal
            other = list(row)
            twin[5], twin[6], twin[7] = f"{row[5]}\x1f{row[6]}", row[7] or "x", ""
            other[5], other[6], other[7] = row[5], f"{row[6]}\x1f{row[7] or 'x'}", ""
            extra.append(other)
        elif choice == 4:  # odd characters anywhere
            i = rng.choice([2, 4, 5, 6, 7, 8, 9])
            twin[i] = "".join(ch + (rng.choice(_ODD) if rng.random() < 0.2 else "") for ch in twin[i])
        else:  # the same record again, upper case
            twin = [x.upper() for x in twin]
        extra.append(twin)
    for _ in range(n // 10):
        twin = list(rng.choice(rows))
        twin[8] = _odd_postcode(rng)
        extra.append(twin)
    rows = rows + extra
    rng.shuffle(rows)
    frame = pl.DataFrame([pl.Series(h, [r[i] for r in rows], dtype=pl.String) for i, h in enumerate(header)])
    return frame.with_columns(pl.all().replace("", None))


def _found(detection) -> Found:
    return Found(kinds={g.name: g.kind for g in detection.guesses}, filled=detection.filled,
                 postcode_numbers=detection.postcode_numbers.__getitem__)


def _row_filled(detection) -> pl.Series:
    return pl.DataFrame(detection.filled).select(pl.any_horizontal(pl.all())).to_series()


def test_duplicates_match_the_straightforward_count_on_hostile_records():
    """GIVEN records with copies written differently, households, odd characters and the separator
    inside fields
    WHEN duplicates are counted only among records sharing postcode and house number
    THEN the count is what building the key for every record gives."""
    for seed in (1, 2, 3):
        frame = _hostile_records(3000, seed)
        detection = detect(frame)
        row_filled = _row_filled(detection)
        ours = profile._duplicates(frame, _found(detection))
        theirs = reference.duplicates(frame, detection.guesses, row_filled)
        assert ours == theirs
        assert theirs > 300  # the copies are found, so the comparison means something


def test_duplicates_match_without_postcode_or_house_number_columns():
    frame = _hostile_records(1000, 4)
    for drop in (["Postcode"], ["Huisnr"], ["Postcode", "Huisnr"]):
        part = frame.drop(drop)
        detection = detect(part)
        row_filled = _row_filled(detection)
        assert profile._duplicates(part, _found(detection)) == reference.duplicates(
            part, detection.guesses, row_filled
        )


def test_foreign_and_invalid_postcode_counts_match_the_straightforward_ones():
    frame = _hostile_records(3000, 5)
    table = Table(frame=frame, format="csv", encoding="utf-8", delimiter=";", sheet=None)
    ours = profile.profile_table(table, name="x.csv", today=datetime.date(2025, 6, 1))
    detection = detect(frame)
    first = {}
    for g in detection.guesses:
        first.setdefault(g.kind, g.name)
    assert Kind.POSTCODE in first and Kind.COUNTRY in first
    foreign, invalid = reference.postcode_counts(
        frame, first, detection.filled, detection.verdicts, _row_filled(detection)
    )
    assert (ours.foreign, ours.invalid_postcodes) == (foreign, invalid)
    assert foreign > 0 and invalid > 0


def test_postcode_verdicts_match_the_previous_vectorised_check():
    rng = random.Random(30)
    plainly = [generate.postcode(rng, rng.randrange(1000, 9900)) for _ in range(5000)]
    plainly = [rng.choice([p, p.lower(), p.replace(" ", ""), p[:5] + "S" + rng.choice("ADSB")]) for p in plainly]
    values = pl.Series(
        [_odd_postcode(rng) for _ in range(30000)] + plainly + [None, "", "1234 SA", "1234sd", "0123 AB"]
    )
    valid, numbers = validators.valid_postcodes_with_numbers(values)
    plain = numbers.is_not_null()
    assert valid.to_list() == reference.valid_postcodes(values).to_list()
    assert 1000 < plain.sum() < valid.sum()  # both the one-regex path and the full one are used


def test_a_plainly_written_postcode_numbers_alike_before_and_after_key_normalisation():
    """The coarse duplicate key numbers a plain postcode as written (detection reads it from its bytes),
    for its normalised field's number."""
    rng = random.Random(31)
    plainly = [generate.postcode(rng, rng.randrange(1000, 9900)) for _ in range(5000)]
    plainly = [rng.choice([p, p.lower(), p.replace(" ", ""), p.replace(" ", "").lower()]) for p in plainly]
    values = pl.Series(
        [_odd_postcode(rng) for _ in range(30000)] + plainly + ["1234 AB", "1234ab", "9999 zz", "1000Aa"]
    )
    _valid, numbers = validators.valid_postcodes_with_numbers(values)
    plain = numbers.is_not_null()
    assert plain.to_list() == values.str.contains(validators._PLAIN_VALID_POSTCODE_RE).fill_null(False).to_list()
    frame = pl.DataFrame({"v": values.filter(plain)}).with_columns(n=profile._normalise_key(pl.col("v")))
    assert frame.height > 1000
    assert frame.get_column("n").str.contains(profile._NORMALISED_POSTCODE).all()
    as_written = frame.select(validators.postcode_number(pl.col("v"))).to_series()
    normalised = frame.select(validators.postcode_number(pl.col("n"))).to_series()
    assert as_written.null_count() == 0 and as_written.equals(normalised)
    assert numbers.filter(plain).equals(as_written, check_names=False)
    assert as_written.n_unique() > 1000


def test_dates_parsed_once_per_distinct_value_match_parsing_every_value():
    rng = random.Random(33)
    texts = []
    for _ in range(5000):
        day = datetime.date(1930, 1, 1) + datetime.timedelta(days=rng.randrange(0, 35000))
        texts.append(day.strftime(rng.choice(["%d-%m-%Y", "%Y-%m-%d", "%d/%m/%Y", "%d.%m.%Y", "%Y%m%d", "%Y/%m/%d"])))
    texts += [str(rng.randrange(0, 80000)) for _ in range(500)]
    texts += ["31-02-2010", "2010-05-03 00:00:00", " 3-5-2010 ", "morgen", "", "40301.0", None]
    # Ten characters that are not (or not plainly) a date, or lie outside the calendar read from bytes.
    texts += ["29-02-1900", "29-02-2000", "29/02/2024", "31.04.1999", "00-01-1990", "32-01-1990", "01-00-1990",
              "01-13-1990", "01-01-0001", "31-12-1799", "01-01-1800", "31-12-2199", "01-01-2200", "31-12-9999",
              "0001-01-01", "2199/12/31", "12-11/1969", "1969.11.12", "1969-11/12", "+1-11-1969", "12-11-1969\n",
              "\u0661\u0662-11-1969", "12\u200911-1969", "ab-cd-efgh", "2010-5-03 ", "1-2-2010"]
    # Near-dates: every day and month number from 00 to 33, years either side of the calendar, mixed
    # and odd separators, and ten characters of date-like noise.
    for _ in range(3000):
        year, month, day = rng.randrange(1750, 2250), rng.randrange(0, 34), rng.randrange(0, 34)
        first, second = rng.choice("-/.-/. x:,0"), rng.choice("-/.")
        texts.append(
            rng.choice(
                [
                    f"{day:02d}{first}{month:02d}{first}{year}",
                    f"{year}{first}{month:02d}{first}{day:02d}",
                    f"{day:02d}{first}{month:02d}{second}{year}",
                    f"{year}{first}{month:02d}{second}{day:02d}",
                ]
            )
        )
        texts.append("".join(rng.choice("0123456789-/. :\u00e9") for _ in range(10)))
    values = pl.Series([rng.choice(texts) for _ in range(40000)], dtype=pl.String)
    for serials in (True, False):
        ours = validators.parse_dates(values, excel_serials=serials)
        theirs = reference.parse_dates(values, excel_serials=serials)
        assert ours.to_list() == theirs.to_list()
        assert ours.null_count() < len(values) * 3 // 4
    # Detection's samples are parsed once for both answers.
    without, with_serials = validators.parse_dates_both_ways(values)
    assert without.to_list() == reference.parse_dates(values, excel_serials=False).to_list()
    assert with_serials.to_list() == reference.parse_dates(values, excel_serials=True).to_list()
    assert with_serials.null_count() < without.null_count()


def test_iban_verdicts_match_the_previous_vectorised_check():
    rng = random.Random(34)
    values = [generate.iban_nl(rng) for _ in range(3000)]
    values += ["".join(rng.choice(string.digits + string.ascii_uppercase + " -.") for _ in range(rng.randrange(2, 34)))
               for _ in range(3000)]
    values += [v.lower() for v in values[:500]] + [None, "", "NL"]
    series = pl.Series(values, dtype=pl.String)
    assert validators.valid_ibans(series).to_list() == reference.valid_ibans(series).to_list()


def _hostile_ibans(rng: random.Random, cc: str, count: int) -> list[str]:
    """Values of ``cc``'s IBAN length starting with its code: valid ones, then damaged at one or two
    positions (a byte next to a class's range, lower case, a space, a capital where c allows one, a
    control byte, a two-byte character in place of two bytes)."""
    classes = validators._iban_countries()[cc]
    pools = {"n": string.digits, "a": string.ascii_uppercase, "c": string.digits + string.ascii_uppercase}
    odd = ["/", "0", "9", ":", "@", "A", "Z", "[", "`", "a", "z", "{", " ", "\x00", "\x7f", "-", "."]
    values = []
    for _ in range(count):
        bban = "".join(rng.choice(pools[k] if rng.random() < 0.9 else string.digits) for k in classes[2:])
        value = cc + std_iban.calc_check_digits(cc + "00" + bban) + bban
        for _ in range(rng.choice([0, 0, 1, 2])):
            i = rng.randrange(len(value))
            value = value[:i] + rng.choice(odd) + value[i + 1:]
        if rng.random() < 0.05:  # a two-byte character for two bytes: same length in bytes
            i = rng.randrange(4, len(value) - 1)
            value = value[:i] + rng.choice("\u00e9\u00df\u0660") + value[i + 2:]
        values.append(value[:2] + value[2:].lower() if rng.random() < 0.02 else value)
    return values


def test_iban_structure_and_remainder_on_the_flat_bytes_match_the_per_position_check():
    """GIVEN values of several countries' IBAN lengths, valid and damaged at any byte, more than one
    block of the flat check (_FLAT_BLOCK rows) for NL
    WHEN the flat check settles what it can and the per-position check the rest
    THEN structure and verdict equal the per-position check's on every value."""
    rng = random.Random(35)
    for cc, count in (("NL", validators._FLAT_BLOCK + 1234), ("DE", 3000), ("FR", 3000), ("IS", 2000),
                      ("TR", 2000), ("SC", 2000), ("GB", 500)):
        classes = validators._iban_countries()[cc]
        values = [v for v in _hostile_ibans(rng, cc, count) if len(v.encode()) == 2 + len(classes)]
        series = pl.Series(values, dtype=pl.String)
        flat = validators._structure_and_mod97(series, cc, classes)
        by_position = validators._structure_and_mod97_by_position(series, cc, classes)
        assert flat[0].to_list() == by_position[0].to_list(), cc
        assert flat[1].to_list() == by_position[1].to_list(), cc
        assert 0 < flat[1].sum() < len(values) - 100, cc  # both verdicts occur
    nothing = pl.Series([], dtype=pl.String)
    assert validators._structure_and_mod97(nothing, "NL", validators._iban_countries()["NL"])[0].is_empty()


def test_iban_verdicts_on_hostile_cells_match_stdnum():
    """Nulls, empty and blank cells, lower case, spaces, wrong lengths, non-ASCII, very long cells."""
    rng = random.Random(36)
    values: list[str | None] = _hostile_ibans(rng, "NL", 2000) + _hostile_ibans(rng, "BE", 200)
    values += [f" {v[:4]} {v[4:8]} {v[8:]} " for v in values[:300]] + [v.lower() for v in values[:300]]
    values += [v[:-1] for v in values[:200]] + [v + "0" for v in values[:200]]
    values += [None, "", " ", "NL", "NL91", "\u00a0" * 20, "NL91ABNA0417164300" * 1000, "NL91\u0660BNA0417164300"]
    values += [None] * 100
    series = pl.Series(values, dtype=pl.String)
    ours = validators.valid_ibans(series).to_list()
    assert ours == [v is not None and std_iban.is_valid(v) for v in values]
    assert 500 < sum(ours) < len(values) - 500
    only_nulls = pl.Series([None, None], dtype=pl.String)
    assert validators.valid_ibans(only_nulls).to_list() == [False, False]
    # A column that starts with more nulls than the first country is looked for in.
    late = pl.Series([None] * 1500 + values[:3000], dtype=pl.String)
    assert validators.valid_ibans(late).to_list() == [False] * 1500 + ours[:3000]


def _mixed_columns(n: int, seed: int) -> pl.DataFrame:
    """Generated records plus unnamed and misnamed columns whose content mixes kinds near the thresholds."""
    header, rows, _truth = generate.make_records(n, seed=seed, high=True)
    rng = random.Random(seed)
    frame = pl.DataFrame([pl.Series(h, [r[i] for r in rows], dtype=pl.String) for i, h in enumerate(header)])
    pools = {
        "iban": [generate.iban_nl(rng) for _ in range(200)],
        "bsn": [generate.bsn(rng) for _ in range(200)],
        "phone": [generate.phone(rng) for _ in range(200)],
        "postcode": [generate.postcode(rng, 1011) for _ in range(200)],
        "serial": [str(rng.randrange(1, 60000)) for _ in range(200)],
        "date": [f"{rng.randrange(1, 29)}.{rng.randrange(1, 13)}.{rng.randrange(1930, 2020)}" for _ in range(200)],
        "street": [
            f"{rng.choice(generate.STREETS)} {rng.randrange(1, 300)}{rng.choice(['', 'a', '-2', ' bis'])}"
            for _ in range(200)
        ],
        "initials": ["J.", "A.B.", "K. L.", "P."],
        "gender": ["M", "V", "man", "vrouw", "X"],
        "salutation": ["Dhr.", "Mevr.", "de heer", "Fam."],
        "infix": ["van", "de", "van der", "in 't"],
        "country": ["NL", "België", "Duitsland", "Nederland"],
        "text": ["Graag bellen na vijf uur, niet in het weekend want dan is er niemand thuis."],
        "junk": ["x", "123", "", "   ", "?"],
    }
    extra = {}
    for i, (a, b) in enumerate(rng.sample([(x, y) for x in pools for y in pools], 40)):
        share = rng.choice([0.5, 0.79, 0.8, 0.81, 0.95, 1.0])
        name = rng.choice([f"Veld{i}", f"Kolom {i}", "Geboortedatum", "Telefoon", "Rekening", "Postcode", "Opmerking"])
        extra[f"{name} {i}" if name.startswith(("Veld", "Kolom")) else name + " " * i] = [
            rng.choice(pools[a]) if rng.random() < share else rng.choice(pools[b]) for _ in range(frame.height)
        ]
    return frame.with_columns(**{k: pl.Series(v, dtype=pl.String) for k, v in extra.items()}).with_columns(
        pl.all().replace("", None)
    )


def test_detection_matches_judging_one_column_at_a_time():
    """GIVEN generated records and forty columns mixing two kinds of content near the decision shares
    WHEN all columns' samples are judged together
    THEN kinds, reasons (with their percentages), examples, counts, flags and verdicts are what judging
    each column on its own gave."""
    for seed, n in ((41, 3000), (42, 300), (43, 25000)):
        frame = _mixed_columns(n, seed)
        ours = detect(frame, overrides={"Aanhef": Kind.OTHER})
        guesses, filled, verdicts = reference.detection(frame, overrides={"Aanhef": Kind.OTHER})
        assert [g.to_json() for g in ours.guesses] == [g.to_json() for g in guesses]
        assert ours.filled.keys() == filled.keys() and all(ours.filled[k].equals(filled[k]) for k in filled)
        assert ours.verdicts.keys() == verdicts.keys()
        assert all(ours.verdicts[k].to_list() == verdicts[k].to_list() for k in verdicts)
        assert len({g.kind for g in guesses}) >= 12


def test_blank_values_are_found_as_the_regex_finds_them():
    """Only values that are empty or start with a byte a White_Space character can start with go to the
    regex; every other value is filled. Checked on every Unicode White_Space character and its neighbours."""
    spaces = [chr(c) for c in range(0x110000) if chr(c).isspace() or c in (0x1c, 0x1d, 0x1e, 0x1f)]
    spaces = [c for c in spaces if pl.Series([c]).str.contains(r"^\s$").item()]  # the regex's own \s
    neighbours = [chr(c) for c in (0x00, 0x01, 0x08, 0x0e, 0x1f, 0x21, 0x7f, 0x80, 0x84, 0x86, 0x9f, 0xa1, 0x167f,
                                   0x1681, 0x1fff, 0x200b, 0x2027, 0x202a, 0x205e, 0x2060, 0x2fff, 0x3001, 0xfeff)]
    rng = random.Random(35)
    values = ["", None, "a", "Çelik", "é", "\u00a0", "  x", "x  "] + spaces + neighbours
    for _ in range(20000):
        values.append("".join(rng.choice(spaces + neighbours + ["a", "1", " "]) for _ in range(rng.randrange(0, 5))))
    column = pl.Series(values, dtype=pl.String)
    expected = column.is_not_null() & ~column.str.contains(r"^\s*$").fill_null(True)
    assert detect_module._filled(column).to_list() == expected.to_list()
    assert len(spaces) >= 25 and 100 < expected.sum() < len(values) - 100


def test_repeated_numbers_are_found_as_is_duplicated_finds_them():
    rng = random.Random(36)
    for n, spread in ((0, 1), (1, 1), (5000, 3000), (5000, 2**64 - 1), (5000, 1)):
        values = pl.Series([rng.randrange(0, spread) for _ in range(n)], dtype=pl.UInt64)
        assert profile._repeated(values).to_list() == values.is_duplicated().to_list()


def test_email_verdicts_match_the_previous_check_with_whitespace_around():
    rng = random.Random(37)
    spaces = [" ", "\t", "\u00a0", "\u2003", "\u3000", "\u200b", "\ufeff", "\n", "\x1f", ""]
    values = []
    for _ in range(20000):
        local = "".join(rng.choice(string.ascii_letters + string.digits + ".-_+'") for _ in range(rng.randrange(0, 12)))
        domain = "".join(rng.choice(string.ascii_lowercase + "-.") for _ in range(rng.randrange(1, 12)))
        address = f"{local}@{domain}.{rng.choice(['nl', 'com', 'x', 'info'])}"
        values.append(rng.choice(spaces) + address + rng.choice(spaces))
    values += [None, "", " ", "a@b.nl", " a@b.nl\u3000", "a@b.nl \u200b"]
    series = pl.Series(values, dtype=pl.String)
    ours = validators.valid_emails(series)
    assert ours.to_list() == reference.valid_emails(series).to_list()
    assert 1000 < ours.sum() < len(values) - 1000


def test_house_number_verdicts_match_the_regex():
    """Values starting with an ASCII digit pass at once; every other value still goes to the regex, so
    spaces before the number and digits of other scripts (which its \\d takes) keep their verdict."""
    rng = random.Random(39)
    odd = ["0", "9", "/", ":", " ", "\t", "\u00a0", "\u3000", "\u0661", "\u0969", "\uff11", "a", "-", "+", "\u0085"]
    values = ["", None, "12", " 12", "\u00a012", "\u0661\u0662", "a12", ":1", "/1", "123456", "12a"]
    values += ["".join(rng.choice(odd) for _ in range(rng.randrange(0, 7))) for _ in range(20000)]
    series = pl.Series(values, dtype=pl.String)
    expected = series.str.contains(r"^\s*\d{1,5}").fill_null(False)
    assert validators.house_numbers(series).to_list() == expected.to_list()
    # Both ways are taken: values starting with an ASCII digit, and others that pass only by the regex.
    starts = series.str.contains(r"^[0-9]").fill_null(False)
    assert (expected & starts).sum() > 1000 and (expected & ~starts).sum() > 1000


def test_a_house_number_numbers_alike_before_and_after_key_normalisation():
    """The coarse duplicate key takes a house number polars reads as a number as that number, for its
    normalised field's number; this holds only while polars reads nothing the normalisation changes."""
    rng = random.Random(38)
    values = [" 12", "12 ", "1_000", "+12", "1e3", "1.0", "\u0661\u0662", "0x10", "12\n", "012", "-0", "-12", "1 2",
              "1,0", "\u00a012", "12a", "18446744073709551615", "18446744073709551616", "", None]
    values += ["".join(rng.choice("0123456789+-. \t,/()'`\"aA\u00a0\u2010") for _ in range(rng.randrange(1, 6)))
               for _ in range(20000)]
    series = pl.Series(values, dtype=pl.String)
    numbers = series.cast(pl.UInt64, strict=False)
    normalised = pl.DataFrame({"v": series}).select(profile._normalise_key(pl.col("v").fill_null(""))).to_series()
    read = numbers.is_not_null()
    assert 1000 < read.sum() < len(values) - 1000
    assert normalised.filter(read).equals(series.filter(read))  # what polars reads, normalising leaves alone
    ours = profile._house_numbers(series)
    assert ours.null_count() == 0
    # Equal normalised fields, equal numbers.
    pairs = pl.DataFrame({"n": normalised, "x": ours}).group_by("n").agg(pl.col("x").n_unique())
    assert pairs.get_column("x").max() == 1


def test_positions_are_where_arg_true_finds_them():
    rng = random.Random(40)
    for n, share in ((0, 0.5), (1, 1.0), (5000, 0.5), (5000, 0.01), (5000, 0.99)):
        mask = pl.Series([None if rng.random() < 0.1 else rng.random() < share for _ in range(n)], dtype=pl.Boolean)
        assert validators.positions(mask).to_list() == mask.arg_true().to_list()
        assert validators.positions(mask).dtype == mask.arg_true().dtype


# ---------------------------------------------------------------------------------- spreadsheets, one load


def _inline_xlsx(rows: list[list[str | None]]) -> bytes:
    """An XLSX whose cells are inline strings written as given (empty strings and odd whitespace kept,
    which openpyxl would drop or refuse); None leaves the cell out."""
    import io
    import zipfile
    from xml.sax.saxutils import escape

    def ref(c: int, r: int) -> str:
        name, c = "", c + 1
        while c:
            c, rest = divmod(c - 1, 26)
            name = chr(65 + rest) + name
        return f"{name}{r}"

    body = "".join(
        f'<row r="{r}">' + "".join(
            f'<c r="{ref(c, r)}" t="inlineStr"><is><t xml:space="preserve">{escape(v)}</t></is></c>'
            for c, v in enumerate(row) if v is not None
        ) + "</row>"
        for r, row in enumerate(rows, start=1)
    )
    main = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    rels = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    package = "http://schemas.openxmlformats.org/package/2006/relationships"
    files = {
        "[Content_Types].xml": '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/'
        'package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
        'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/'
        'workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
        '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.'
        'spreadsheetml.worksheet+xml"/></Types>',
        "_rels/.rels": f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{package}"><Relationship '
        f'Id="rId1" Type="{rels}/officeDocument" Target="xl/workbook.xml"/></Relationships>',
        "xl/workbook.xml": f'<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="{main}" xmlns:r="{rels}">'
        '<sheets><sheet name="Blad1" sheetId="1" r:id="rId1"/></sheets></workbook>',
        "xl/_rels/workbook.xml.rels": f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{package}">'
        f'<Relationship Id="rId1" Type="{rels}/worksheet" Target="worksheets/sheet1.xml"/></Relationships>',
        "xl/worksheets/sheet1.xml": f'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="{main}"><sheetData>'
        f"{body}</sheetData></worksheet>",
    }
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for name, text in files.items():
            z.writestr(name, text)
    return out.getvalue()


def _typed_xlsx(rows: list[list]) -> bytes:
    """An XLSX with typed cells (numbers, floats, dates, true/false) as openpyxl writes them."""
    import io

    import openpyxl

    book = openpyxl.Workbook()
    for row in rows:
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


# Every Unicode White_Space character, the characters around the ranges the blank test skips, and
# Python-only whitespace (U+001C-U+001F, written as Excel's _x001F_ escape).
_SHEET_SPACES = ["", " ", "\t", "\n", "\r", "\u0085", "\u00a0", "\u1680", *map(chr, range(0x2000, 0x200b)), "\u2028",
                 "\u2029", "\u202f", "\u205f", "\u3000", "\u200b", "\ufeff", "_x001F_", "_x001C_", "\u0084", "\u00a1",
                 "\u167f", "!", "\u0080", "~"]


def _odd_sheet(rng: random.Random, n: int) -> list[list[str | None]]:
    """Title rows, a header with repeated, empty, blank and odd names, and records with blank cells of
    every kind of whitespace (alone, repeated, around text)."""
    header = ["Naam", "Naam", "Naam_1", None, "", " ", "\u00a0", "\u200b", "Postcode", "naam", "Naam_1", "Woonplaats",
              "Opmerking\u3000", "a\u0085"]
    rows: list[list[str | None]] = [["Adressen 2025"], [], [None, "export van het ledenbestand"], header]
    words = ["Jansen", "1234 AB", "Çelik", "12a", "van der", "Öz", "x", "é"]
    for _ in range(n):
        row: list[str | None] = []
        for _ in range(len(header) + rng.choice([0, 0, 0, 2])):
            pick = rng.random()
            if pick < 0.4:
                row.append("".join(rng.choice(_SHEET_SPACES) for _ in range(rng.randrange(1, 4))))
            elif pick < 0.5:
                row.append(None)
            else:
                row.append(rng.choice(_SHEET_SPACES) + rng.choice(words) + rng.choice(_SHEET_SPACES))
        rows.append(row)
    return rows


def _same_table(data: bytes, name: str) -> read.Table:
    ours = read_table(data, name=name)
    fmt = "ods" if name.endswith(".ods") else "xlsx"
    theirs = reference.read_spreadsheet(data, name=name, sheet=None, fmt=fmt, limits=Limits())
    assert ours.frame.columns == theirs.frame.columns
    assert ours.frame.dtypes == theirs.frame.dtypes
    assert ours.frame.equals(theirs.frame, null_equal=True)
    assert (ours.format, ours.sheet, ours.header_holds) == (theirs.format, theirs.sheet, theirs.header_holds)
    return ours


def test_a_spreadsheet_read_in_one_load_equals_reading_it_twice():
    """GIVEN workbooks with title rows, repeated and blank header names, and cells of every kind of
    whitespace (Unicode White_Space, zero-width and Python-only spaces, empty strings)
    WHEN the sheet is loaded once, the header found in its first rows and blank cells nulled in polars
    THEN the table is what loading the top rows and then the sheet with fastexcel's own header and
    whitespace handling gave: the same names, values and nulls."""
    rng = random.Random(50)
    for n in (0, 1, 300):
        table = _same_table(_inline_xlsx(_odd_sheet(rng, n)), "odd.xlsx")
        assert table.frame.height == n
    table = _same_table(_inline_xlsx(_odd_sheet(rng, 3000)), "odd.xlsx")
    values = table.frame.get_column("Postcode")
    assert 0 < values.null_count() < len(values) // 2  # blank cells were nulled, and not every cell
    assert values.str.contains(r"^\s*$").sum() == 0
    assert "Naam_1_1" in table.frame.columns and "kolom 5" in table.frame.columns
    # The first row holds data: numbered columns, the row kept as a record.
    rows = _odd_sheet(rng, 50)[4:]
    rows[0][0] = "1234 AB"
    assert _same_table(_inline_xlsx(rows), "data.xlsx").header_holds == "postcode"
    assert _same_table(_inline_xlsx([["Adressen"], [], *rows]), "data.xlsx").frame.height == 50
    # Generated records, as a client's export writes them, in XLSX and in ODS.
    header, records, _truth = generate.make_records(2000, seed=51, high=True)
    _same_table(generate.to_xlsx({"Leden": [["Ledenlijst"], header, *records]}), "leden.xlsx")
    _same_table(generate.to_ods({"Leden": [["Ledenlijst"], header, *records]}), "leden.ods")


def test_a_header_cell_that_may_not_be_text_is_named_by_fastexcel():
    """Numbers, dates and true/false in the header row are named by fastexcel's own rule (a second
    load), which differs from how it writes them as text (0.30000000000000004 is written 0.3)."""
    header = ["Naam", 0.1 + 0.2, 123456789.123456789, True, "1e kwartaal", "-", None, "Naam"]
    rows = [header] + [["Jansen", 2.5, "x", False, "z", " ", "\u00a0", "Bakker"]] * 5
    table = _same_table(_typed_xlsx(rows), "getypt.xlsx")
    assert table.frame.columns[:5] == ["Naam", "0.3", "123456789.1234568", "__UNNAMED__3", "1e kwartaal"]
    # A date in the header row makes it a record; the workbook is read the same way all the same.
    assert _same_table(_typed_xlsx([[*header, datetime.date(2024, 1, 2)], *rows[1:]]), "d.xlsx").header_holds
