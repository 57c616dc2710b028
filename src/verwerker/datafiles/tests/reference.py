"""The computations as they were before they were made faster (041a750), kept verbatim as a reference.

Tests run the current code and these on the same generated data and require identical results, so a
faster path can never quietly change what a profile says.
"""

from __future__ import annotations

import datetime
import functools
import re

import polars as pl

from verwerker.datafiles import detect, read, validators
from verwerker.datafiles.detect import ColumnGuess
from verwerker.datafiles.kinds import Kind
from verwerker.datafiles.validators import _delete, _staged, _staged_frame

_POSTCODE_RE = r"^[1-9][0-9]{3}[A-Z]{2}$"
_EMAIL_RE = r"^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}$"  # noqa: E501


def valid_emails(values: pl.Series) -> pl.Series:
    return _staged(values, {"ok": pl.col("v").str.strip_chars().str.contains(_EMAIL_RE)}, result="ok")


def valid_postcodes(values: pl.Series) -> pl.Series:
    """Valid Dutch postcode (four digits 1000-9999, two letters, never SA/SD/SS; F I O Q U Y allowed)."""
    u, c = pl.col("u"), pl.col("c")
    return _staged(
        values,
        {"u": _delete(pl.col("v"), " -").str.to_uppercase().str.strip_chars()},
        {"c": pl.when(u.str.starts_with("NL")).then(u.str.slice(2)).otherwise(u)},
        {"ok": c.str.contains(_POSTCODE_RE) & ~c.str.slice(4, 2).is_in(["SA", "SD", "SS"])},
        result="ok",
    )


@functools.cache
def _iban_structure_regex() -> str:
    """One alternation over every country in stdnum's copy of the SWIFT IBAN registry."""
    from stdnum import numdb

    db = numdb.get("iban")
    conv = {"n": "[0-9]", "a": "[A-Z]", "c": "[A-Za-z0-9]"}
    parts = []
    for _length, low, high, props, _children in db.prefixes:
        if low != high or "bban" not in props:
            continue
        bban = re.sub(r"([1-9][0-9]*)!([nac])", lambda m: f"{conv[m.group(2)]}{{{m.group(1)}}}", props["bban"])
        parts.append(f"{low}[0-9A-Z]{{2}}{bban}")
    return "^(?:" + "|".join(sorted(parts)) + ")$"


# Countries for which stdnum runs an extra national check: rows from these go through stdnum itself.
_IBAN_NATIONAL_CHECKS = ("BE", "ES", "ME", "NO")
_LETTER_DIGITS = {chr(c): str(c - ord("A") + 10) for c in range(ord("A"), ord("Z") + 1)}
# The digit string is reduced mod 97 seven digits at a time (97 * 10**7 fits easily in 64 bits).
_CHUNK = 7


def valid_ibans(values: pl.Series) -> pl.Series:
    """Valid IBAN: ISO 7064 mod 97-10 and the registry's per-country structure (stdnum.iban.is_valid)."""
    s, d = pl.col("s"), pl.col("d")
    frame = _staged_frame(
        values,
        {"s": _delete(pl.col("v"), " -.").str.strip_chars().str.to_uppercase()},
        {"shaped": s.str.contains(_iban_structure_regex())},
        {"d": pl.when(pl.col("shaped")).then(s.str.slice(4) + s.str.slice(0, 4))},
        {"d": d.str.replace_many(list(_LETTER_DIGITS), list(_LETTER_DIGITS.values()))},
    )
    # Left-padding with zeros changes no remainder; pad to whole chunks of the longest value only
    # (Dutch IBANs need 24 digits, not the 68 the longest country needs).
    longest = frame.get_column("d").str.len_chars().max() or 0
    chunks = -(-int(longest) // _CHUNK)
    frame = frame.with_columns(d=d.str.pad_start(chunks * _CHUNK, "0"))
    frame = frame.with_columns(
        **{f"c{i}": d.str.slice(i * _CHUNK, _CHUNK).cast(pl.Int64, strict=False) for i in range(chunks)}
    )
    # The chunks are columns by now, so one nested expression over them re-evaluates nothing.
    rem = pl.lit(0, dtype=pl.Int64)
    for i in range(chunks):
        rem = (rem * 10**_CHUNK + pl.col(f"c{i}")) % 97
    ok = frame.select((pl.col("shaped") & (rem == 1)).fill_null(False)).to_series().alias(values.name)
    # Four countries add national rules; their rows are rare in Dutch files, so stdnum checks those.
    national = ok & values.cast(pl.String).str.strip_chars().str.to_uppercase().str.slice(0, 2).is_in(
        list(_IBAN_NATIONAL_CHECKS)
    ).fill_null(False)
    if national.any():
        from stdnum import iban

        index = national.arg_true()
        verdicts = [iban.is_valid(x) for x in values.gather(index).to_list()]
        ok = ok.scatter(index, verdicts)
    return ok


# --------------------------------------------------------------------------------------------------- BSN


# Dutch files write dates day first; ISO and Excel's own "2010-05-03 00:00:00" also occur.
_DATE_FORMATS = [
    (r"^\d{1,2}-\d{1,2}-\d{4}$", "%d-%m-%Y"),
    (r"^\d{1,2}/\d{1,2}/\d{4}$", "%d/%m/%Y"),
    (r"^\d{1,2}\.\d{1,2}\.\d{4}$", "%d.%m.%Y"),
    (r"^\d{4}-\d{1,2}-\d{1,2}$", "%Y-%m-%d"),
    (r"^\d{4}/\d{1,2}/\d{1,2}$", "%Y/%m/%d"),
    (r"^\d{8}$", "%Y%m%d"),
]
_EXCEL_EPOCH = datetime.date(1899, 12, 30)


def parse_dates(values: pl.Series, *, excel_serials: bool = True) -> pl.Series:
    """Parse a column of dates written in the formats Dutch files use; null where it is not a date.

    Excel serial numbers (days since 1899-12-30; 1 to 73050, up to the year 2100) are accepted only when
    asked, since a column of plain numbers is only a date when its header says so.
    """
    s = pl.col("s")
    frame = pl.DataFrame({"v": values.cast(pl.String)}).with_columns(
        s=pl.col("v").str.strip_chars().str.replace(r"[ T]00:00(:00(\.0+)?)?$", "")
    )
    # A column is nearly always written in one format (or a few): try the formats in the order of how
    # often the sample uses them, each only on the rows still unparsed.
    head = frame.get_column("s").drop_nulls().head(500)
    order = sorted(_DATE_FORMATS, key=lambda f: -int(head.str.contains(f[0]).sum()) if len(head) else 0)
    parsed = pl.repeat(None, frame.height, dtype=pl.Date, eager=True).alias(values.name)
    todo = frame.get_column("s").is_not_null()
    for rx, fmt in order:
        if not todo.any():
            break
        index = todo.arg_true()
        part = frame[index].select(pl.when(s.str.contains(rx)).then(s.str.to_date(fmt, strict=False))).to_series()
        parsed = parsed.scatter(index, part)
        todo = todo & parsed.is_null()
    if excel_serials and todo.any():
        index = todo.arg_true()
        serial = s.str.extract(r"^(\d{1,5})(?:\.0+)?$", 1).cast(pl.Int64, strict=False)
        days = pl.when((serial >= 1) & (serial <= 73050)).then(pl.lit(_EXCEL_EPOCH) + pl.duration(days=serial))
        parsed = parsed.scatter(index, frame[index].select(days.cast(pl.Date)).to_series())
    return parsed


_KEY_KINDS = (
    Kind.INITIALS, Kind.FIRST_NAME, Kind.FULL_NAME, Kind.COMPANY, Kind.DEPARTMENT, Kind.STREET, Kind.HOUSE_NUMBER,
    Kind.HOUSE_NUMBER_LETTER, Kind.HOUSE_NUMBER_ADDITION, Kind.STREET_AND_NUMBER, Kind.ADDRESS_LINE, Kind.POSTCODE,
    Kind.CITY,
)


def postcode_counts(frame: pl.DataFrame, first: dict[Kind, str], filled: dict[str, pl.Series],
                    verdicts: dict[str, pl.Series], row_filled: pl.Series) -> tuple[int, int]:
    """(foreign, invalid_postcodes) as profile_table counted them: foreign where the country, looked up
    value by value as production looks it up, is not the Netherlands."""
    from verwerker.lib.countries import country_of

    foreign = pl.Series([False] * 0, dtype=pl.Boolean).extend_constant(False, frame.height)
    if Kind.COUNTRY in first:
        values = frame.get_column(first[Kind.COUNTRY]).to_list()
        abroad = pl.Series([v is not None and (country_of(v) or ("?", ""))[0] != "NL" for v in values])
        foreign = foreign | (filled[first[Kind.COUNTRY]] & abroad)
    foreign = foreign & row_filled
    invalid = 0
    if Kind.POSTCODE in first:
        column = first[Kind.POSTCODE]
        bad = filled[column] & ~verdicts[column]
        invalid = int((bad & ~foreign).sum())
    return int(foreign.sum()), invalid


def duplicates(frame: pl.DataFrame, guesses: list[ColumnGuess], row_filled: pl.Series) -> int:
    """Records equal to an earlier one after normalising case, spaces, postcode format and tussenvoegsel."""
    by_kind: dict[Kind, list[str]] = {}
    for g in guesses:
        by_kind.setdefault(g.kind, []).append(g.name)
    parts: list[pl.Expr] = []
    for kind in _KEY_KINDS:
        for name in by_kind.get(kind, []):
            parts.append(pl.col(name).fill_null(""))
    # `van den Berg`, `Berg, van den` and tussenvoegsel `van den` + `Berg` are one surname: the key takes
    # the surname without its tussenvoegsel (leading lower-case words, or what follows a comma) and
    # leaves the tussenvoegsel column out.
    for name in by_kind.get(Kind.LAST_NAME, [])[:1]:
        parts.append(pl.col(name).str.extract(r"^\s*(?:[a-z'\u2019]+\.?\s+)*([^,]*)", 1).fill_null(""))
    if not parts:
        return 0
    # Every field normalised (case, spaces and punctuation do not make a record different), the record
    # compared as a whole, for every record.
    normalised = [
        p.str.to_lowercase().str.replace_all(r"[\s.,'`\-/()\"]", "").alias(f"f{i}") for i, p in enumerate(parts)
    ]
    keys = frame.select(normalised).filter(row_filled)
    return keys.height - keys.unique().height


# ------------------------------------------------------------------------------ detection, column by column


def _share(flags: pl.Series) -> float:
    return float(flags.fill_null(False).mean() or 0.0) if len(flags) else 0.0


def _content_shares(sample: pl.DataFrame, header: Kind | None) -> dict[Kind, float]:
    """Share of the sample that passes each kind's content check."""
    v = sample.get_column("v")
    lowered = v.str.to_lowercase()
    dated = parse_dates(v, excel_serials=header == Kind.BIRTH_DATE).is_not_null()
    if header != Kind.BIRTH_DATE:
        dated = dated & ~v.str.contains(r"^\d+$")
    shares = dict.fromkeys(detect._WEAK, 0.0)
    shares |= {
        Kind.IBAN: _share(valid_ibans(v)),
        Kind.EMAIL: _share(valid_emails(v)),
        Kind.BSN: _share(v.str.replace_all(r"[\s.\-]", "").str.contains(r"^\d{8,9}$") & validators.valid_bsns(v)),
        Kind.POSTCODE: _share(valid_postcodes(v)),
        Kind.BIRTH_DATE: _share(dated),
    }
    if header is not None:
        return _with_phone(shares, v)
    shares |= {
        Kind.STREET_AND_NUMBER: _share(v.str.contains(r"\p{L}{2}") & v.str.contains(detect._STREET_AND_NUMBER_RE)),
        Kind.INITIALS: _share(v.str.contains(r"^(?:\p{Lu}[a-z]?\.\s?){1,6}$")),
        Kind.GENDER: _share(lowered.is_in(detect._GENDERS)),
        Kind.SALUTATION: _share(lowered.is_in(detect._SALUTATIONS)),
        Kind.INFIX: _share(lowered.is_in(detect._INFIXES)),
        Kind.COUNTRY: _share(lowered.is_in(detect._COUNTRIES)),
    }
    return _with_phone(shares, v)


def _with_phone(shares: dict[Kind, float], v: pl.Series) -> dict[Kind, float]:
    shapes = validators.phone_shapes(v)
    shaped = v.filter(shapes).head(detect.PHONE_SAMPLE)
    exact = sum(validators.is_phone_exact(x) for x in shaped.to_list()) / len(shaped) if len(shaped) else 0.0
    shares[Kind.PHONE] = _share(shapes) * exact
    return shares


def _check(kind: Kind, values: pl.Series) -> pl.Series | None:
    if kind == Kind.BIRTH_DATE:
        return parse_dates(values)
    check = {
        Kind.POSTCODE: valid_postcodes,
        Kind.IBAN: valid_ibans,
        Kind.BSN: validators.valid_bsns,
        Kind.EMAIL: valid_emails,
        Kind.PHONE: validators.phone_shapes,
        Kind.HOUSE_NUMBER: lambda v: v.str.contains(r"^\s*\d{1,5}").fill_null(False),
    }.get(kind)
    return None if check is None else check(values)


def _detect_one(frame: pl.DataFrame, name: str, overrides: dict[str, Kind]):
    column = frame.get_column(name).cast(pl.String)
    filled = column.is_not_null() & ~column.str.contains(detect._BLANK).fill_null(True)
    nonempty = column.filter(filled)
    step = max(1, nonempty.len() // detect.SAMPLE_SIZE)
    sample = pl.DataFrame({"v": nonempty.gather_every(step).head(detect.SAMPLE_SIZE).str.strip_chars()})
    header = detect.kind_from_header(name)
    kind, reasons = detect._decide(name, header, _content_shares(sample, header), sample)
    if name in overrides and overrides[name] != kind:
        kind, reasons = overrides[name], [f"set by hand (detected as {kind.value})"]
    examples = [detect.mask(x) for x in sample["v"].unique(maintain_order=True).head(detect.EXAMPLES).to_list()]
    special = detect.special_categories(name)
    if kind == Kind.BSN:
        special = sorted({*special, "bsn"})
    invalid = 0
    verdict = _check(kind, column)
    if verdict is not None:
        ok = verdict.is_not_null() if kind == Kind.BIRTH_DATE else verdict
        invalid = int((filled & ~ok).sum())
    guess = ColumnGuess(name=name, kind=kind, filled=nonempty.len(), invalid=invalid, reasons=reasons,
                        examples=examples, special=special)
    return guess, filled, verdict


def detection(frame: pl.DataFrame, *, overrides: dict[str, Kind] | None = None):
    """(guesses, filled flags, verdicts) as detect() computed them, one column at a time."""
    overrides = {k: Kind(v) for k, v in (overrides or {}).items()}
    results = [_detect_one(frame, name, overrides) for name in frame.columns]
    guesses = [r[0] for r in results]
    return guesses, {g.name: r[1] for g, r in zip(guesses, results, strict=False)}, {
        g.name: r[2] for g, r in zip(guesses, results, strict=False) if r[2] is not None
    }


# ------------------------------------------------------------------------ spreadsheets, loaded twice (9659de5)


def read_spreadsheet(raw: bytes, *, name: str, sheet: str | int | None, fmt: str, limits: read.Limits) -> read.Table:
    """read._read_spreadsheet as it was: the first rows loaded to find the header, then the sheet again
    with fastexcel naming the columns and nulling blank cells."""
    import fastexcel

    reader = fastexcel.read_excel(raw)
    names = list(reader.sheet_names)
    chosen = names[0] if sheet is None else names[sheet] if isinstance(sheet, int) else sheet
    holds = None
    top = reader.load_sheet(chosen, header_row=None, n_rows=read.HEADER_SEARCH_ROWS, dtypes="string").to_polars()
    read._check_width(top.width, name, limits)
    header = read._header_row(top)
    if header is None:
        raise read.UnreadableFile(name, f"sheet {chosen!r} is empty")
    cells = ["" if v is None else str(v) for v in top.row(header)]
    if sum(len(c.encode("utf-8")) + 1 for c in cells) > limits.max_header_bytes:
        raise read.UnreadableFile(name, f"its header row is longer than {read._size(limits.max_header_bytes)}; refused")
    holds = read.header_holds_data(cells)
    if holds:
        frame = reader.load_sheet(
            chosen, header_row=None, skip_rows=header, dtypes="string", whitespace_as_null=True
        ).to_polars()
    else:
        frame = reader.load_sheet(chosen, header_row=header, dtypes="string", whitespace_as_null=True).to_polars()
    frame = frame.select(pl.all().cast(pl.String))
    frame = read._bounded(frame, name, limits, positional=bool(holds))
    return read.Table(frame=frame, format=fmt, encoding=None, delimiter=None, sheet=chosen, header_holds=holds)
