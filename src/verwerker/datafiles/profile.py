"""A file's profile: its columns and their kinds, its risk class (P23), minors (P20) and validation counts.

A profile holds counts, kinds, reasons and masked examples only; never a value from the file, so it can
be stored, logged and shown freely. `Profile.to_json()` is the `verwerker profile --json` contract in
DESIGN.md: fields may be added, never renamed.
"""

from __future__ import annotations

import concurrent.futures
import datetime
from dataclasses import dataclass, field

import polars as pl

from verwerker.datafiles import checks
from verwerker.datafiles.detect import ColumnGuess, Detection, detect, split_street_and_number
from verwerker.datafiles.kinds import NAW_KINDS, Kind
from verwerker.datafiles.read import Table

CONSENT_AGE = 16  # UAVG art. 5 / GDPR art. 8: below this a parent or guardian consents (P20)

_DUTCH = ["nl", "nld", "nederland", "the netherlands", "netherlands", "holland", "nederland (nl)", "528"]
# Postcode shapes of neighbouring countries (BE/DE/FR/LU with or without a country prefix, UK).
_FOREIGN_POSTCODE = r"^(?:[A-Z]{1,2}-?\s?)?\d{4,5}$|^[A-Z]{1,2}\d[A-Z\d]?\s*\d[A-Z]{2}$"
_DUTCH_POSTCODE_SHAPE = r"^\d{4}\s*[A-Za-z]{2}$"

# Parts of a record that identify the addressee and the address, in the order they form the
# deduplication key.
_KEY_KINDS = (
    Kind.INITIALS, Kind.FIRST_NAME, Kind.FULL_NAME, Kind.COMPANY, Kind.DEPARTMENT, Kind.STREET, Kind.HOUSE_NUMBER,
    Kind.HOUSE_NUMBER_LETTER, Kind.HOUSE_NUMBER_ADDITION, Kind.STREET_AND_NUMBER, Kind.ADDRESS_LINE, Kind.POSTCODE,
    Kind.CITY,
)
# Columns whose distinct values the duplicate count can use (to skip work on values already normalised).
_DISTINCT_FOR = frozenset(_KEY_KINDS) | {Kind.LAST_NAME}


@dataclass
class Profile:
    file: str
    format: str
    encoding: str | None
    delimiter: str | None
    sheet: str | None
    rows: int
    columns: list[ColumnGuess]
    risk: str  # "standard" | "high"
    risk_reasons: list[str]
    special: list[str]
    minors: int
    invalid_postcodes: int
    duplicates: int
    foreign: int
    empty_rows: int
    missing_house_numbers: int
    today: datetime.date
    overrides: dict[str, str] = field(default_factory=dict)

    def to_json(self) -> dict:
        return {
            "file": self.file,
            "format": self.format,
            "encoding": self.encoding,
            "delimiter": self.delimiter,
            "sheet": self.sheet,
            "rows": self.rows,
            "columns": [c.to_json() for c in self.columns],
            "risk": self.risk,
            "risk_reasons": list(self.risk_reasons),
            "special": list(self.special),
            "minors": self.minors,
            "invalid_postcodes": self.invalid_postcodes,
            "duplicates": self.duplicates,
            "foreign": self.foreign,
            "empty_rows": self.empty_rows,
            "missing_house_numbers": self.missing_house_numbers,
            "today": self.today.isoformat(),
            "overrides": dict(self.overrides),
        }


def profile_table(
    table: Table, *, name: str, today: datetime.date, overrides: dict[str, Kind] | None = None
) -> Profile:
    """Profile a table that read_table returned; pure (no database, no files)."""
    frame = table.frame
    detection = detect(frame, overrides=overrides, distinct_for=_DISTINCT_FOR)
    guesses = detection.guesses
    first = {}
    for g in guesses:
        first.setdefault(g.kind, g.name)

    risk_reasons = []
    for g in guesses:
        if g.filled == 0:
            continue  # an empty column holds nothing, whatever its name
        if g.kind not in NAW_KINDS:
            risk_reasons.append(f"{g.name}: {g.kind.value} is not name/address data")
    special = sorted({s for g in guesses for s in g.special})
    for g in guesses:
        for s in g.special:
            if s != "bsn":
                risk_reasons.append(f"{g.name}: column name points at special-category data ({s})")

    # Row-level flags from the per-column flags detection already computed (no second pass over text).
    filled = detection.filled
    if filled:
        row_filled = pl.DataFrame(filled).select(pl.any_horizontal(pl.all())).to_series()
    else:
        row_filled = pl.Series([], dtype=pl.Boolean)
    # The duplicate count takes longest; the other counts are made meanwhile (polars releases the GIL).
    background = concurrent.futures.ThreadPoolExecutor(max_workers=1)
    duplicates = background.submit(_duplicates, frame, guesses, row_filled, detection)
    background.shutdown(wait=False)
    foreign = pl.Series([False] * 0, dtype=pl.Boolean).extend_constant(False, frame.height)
    if Kind.COUNTRY in first:
        country = frame.get_column(first[Kind.COUNTRY]).str.strip_chars().str.to_lowercase()
        foreign = foreign | (filled[first[Kind.COUNTRY]] & ~country.is_in(_DUTCH).fill_null(False))
    if Kind.POSTCODE in first:
        column = first[Kind.POSTCODE]
        # A valid Dutch postcode never has a foreign shape (it has four digits and ends in a letter or a
        # separator), so only the other filled values are looked at.
        rest = filled[column] & ~detection.verdicts[column]
        if rest.any():
            index = rest.arg_true()
            upper = frame.get_column(column).gather(index).str.strip_chars().str.to_uppercase()
            shape = ~upper.str.contains(_DUTCH_POSTCODE_SHAPE).fill_null(False) & upper.str.contains(
                _FOREIGN_POSTCODE
            ).fill_null(False)
            foreign = foreign.scatter(index, foreign.gather(index) | shape)
    foreign = foreign & row_filled

    counts = {"invalid_postcodes": 0, "minors": 0, "missing_house_numbers": 0}
    if Kind.POSTCODE in first:
        column = first[Kind.POSTCODE]
        bad = filled[column] & ~detection.verdicts[column]
        counts["invalid_postcodes"] = int((bad & ~foreign).sum())
    if Kind.BIRTH_DATE in first:
        dates = detection.verdicts[first[Kind.BIRTH_DATE]]
        counts["minors"] = int(checks.younger_than(dates, CONSENT_AGE, today).fill_null(False).sum())
    if Kind.HOUSE_NUMBER in first:
        column = first[Kind.HOUSE_NUMBER]
        counts["missing_house_numbers"] = int((row_filled & ~(filled[column] & detection.verdicts[column])).sum())
    elif Kind.STREET_AND_NUMBER in first:
        split = split_street_and_number(frame.get_column(first[Kind.STREET_AND_NUMBER]))
        counts["missing_house_numbers"] = int((row_filled & split.get_column("house_number").is_null()).sum())
    counts["foreign"] = int(foreign.sum())
    counts["empty_rows"] = frame.height - int(row_filled.sum())

    return Profile(
        file=name,
        format=table.format,
        encoding=table.encoding,
        delimiter=table.delimiter,
        sheet=table.sheet,
        rows=frame.height,
        columns=guesses,
        risk="high" if risk_reasons else "standard",
        risk_reasons=risk_reasons,
        special=special,
        minors=int(counts["minors"]),
        invalid_postcodes=int(counts["invalid_postcodes"]),
        duplicates=duplicates.result(),
        foreign=int(counts["foreign"]),
        empty_rows=int(counts["empty_rows"]),
        missing_house_numbers=int(counts["missing_house_numbers"]),
        today=today,
        overrides={k: Kind(v).value for k, v in (overrides or {}).items()},
    )


def _duplicates(frame: pl.DataFrame, guesses: list[ColumnGuess], row_filled: pl.Series, detection: Detection) -> int:
    """Records equal to an earlier one after normalising case, spaces, postcode format and tussenvoegsel."""
    by_kind: dict[Kind, list[str]] = {}
    for g in guesses:
        by_kind.setdefault(g.kind, []).append(g.name)
    fields: list[str] = []
    parts: list[pl.Expr] = []
    for kind in _KEY_KINDS:
        for name in by_kind.get(kind, []):
            fields.append(name)
            parts.append(pl.col(name).fill_null(""))
    # `van den Berg`, `Berg, van den` and tussenvoegsel `van den` + `Berg` are one surname: the key takes
    # the surname without its tussenvoegsel (leading lower-case words, or what follows a comma) and
    # leaves the tussenvoegsel column out.
    for name in by_kind.get(Kind.LAST_NAME, [])[:1]:
        fields.append(name)
        parts.append(pl.col(name).str.extract(r"^\s*(?:[a-z'\u2019]+\.?\s+)*([^,]*)", 1).fill_null(""))
    if not parts:
        return 0
    # Join first, then normalise once: case, spaces and punctuation do not make a record different.
    # The unit separator keeps fields apart and survives the normalisation. Keys are compared as 64-bit
    # hashes (a collision among a few million keys is vanishingly unlikely and would only merge two).
    key = _normalise_key(pl.concat_str(parts, separator="\x1f"))
    # Building that key costs more than the rest of the profile, so it is built only for the records
    # that can be duplicates at all: those sharing postcode and house number (normalised as in the key)
    # with another record. Records whose fields hold the separator itself are kept too, since for them
    # the key's fields cannot be told apart.
    candidates = row_filled & _may_repeat(frame, by_kind, fields, detection)
    hashes = frame.select(list(dict.fromkeys(fields))).filter(candidates).select(key.hash(seed=5)).to_series()
    return len(hashes) - hashes.n_unique()


def _normalise_key(expr: pl.Expr) -> pl.Expr:
    return expr.str.to_lowercase().str.replace_all(r"[\s.,'`\-/()\"]", "")


def _may_repeat(
    frame: pl.DataFrame, by_kind: dict[Kind, list[str]], fields: list[str], detection: Detection
) -> pl.Series:
    """A superset of the records whose duplicate key equals another record's.

    Records are grouped by a coarse key that is a function of the normalised postcode and house number
    fields, so two records with one duplicate key always share it. It is built cheaply from what
    detection found: a plainly written postcode (1234AB, 1234 ab) is numbered as it is written, and a
    house number already in normalised form is hashed as it is; only the other values are normalised.
    """
    coarse: list[pl.Series] = []
    helper = concurrent.futures.ThreadPoolExecutor(max_workers=1)
    for name in by_kind.get(Kind.POSTCODE, [])[:1]:
        coarse.append(helper.submit(_postcode_numbers, frame.get_column(name), detection.plain_postcodes[name]))
    helper.shutdown(wait=False)
    for name in by_kind.get(Kind.HOUSE_NUMBER, [])[:1]:
        values = frame.get_column(name)
        if name in detection.distinct:
            # The few distinct values tell which rows are not already in normalised form.
            distinct = detection.distinct[name]
            changes = pl.DataFrame({"v": distinct}).select(_normalise_key(pl.col("v")) != pl.col("v")).to_series()
            changed = distinct.filter(changes)
            rest = values.is_in(changed.to_list()).fill_null(True) if len(changed) else values.is_null()
        else:
            rest = ~values.str.contains(r"^[0-9]+$").fill_null(False)
        coarse.append(_hash_normalised(values, values, rest, lambda e: _normalise_key(e.fill_null(""))))
    coarse = [c.result() if isinstance(c, concurrent.futures.Future) else c for c in coarse]
    if not coarse:
        return pl.repeat(True, frame.height, dtype=pl.Boolean, eager=True)
    # Combining the hashes can only make more records share one (never fewer): still a superset.
    combined = coarse[0] if len(coarse) == 1 else coarse[0] ^ coarse[1]
    repeats = _repeated(combined)
    # Only columns that hold the separator at all are searched row by row.
    searched = [
        name for name in fields
        if name not in detection.distinct or detection.distinct[name].str.contains("\x1f", literal=True).any()
    ]
    if not searched:
        return repeats
    separator = frame.select(pl.any_horizontal(pl.col(searched).str.contains("\x1f", literal=True).fill_null(False)))
    return repeats | separator.to_series()


_NORMALISED_POSTCODE = r"^[1-9][0-9]{3}[a-z]{2}$"


def _postcode_number(expr: pl.Expr) -> pl.Expr:
    """1234AB, 1234 ab, 1234ab -> one number (the letters' case ignored), from the first four and the
    last two characters."""
    letters = expr.str.slice(-2).cast(pl.Binary).bin.reinterpret(dtype=pl.UInt16)
    return expr.str.slice(0, 4).cast(pl.UInt64, strict=False) * 65536 + (letters & 0x1F1F).cast(pl.UInt64)


def _postcode_numbers(values: pl.Series, plain: pl.Series) -> pl.Series:
    """A number per record that depends only on its normalised postcode field: the postcode's number
    when that field is a plain postcode, else the field's hash. Plainly written valid postcodes give
    the same number as they are written; only the other values are normalised first."""
    numbers = pl.DataFrame({"v": values, "plain": plain}).select(
        pl.when(pl.col("plain")).then(_postcode_number(pl.col("v")))
    ).to_series()
    rest = ~plain
    if rest.any():
        index = rest.arg_true()
        n = pl.col("n")
        normalised = pl.DataFrame({"v": values.gather(index)}).select(n=_normalise_key(pl.col("v").fill_null("")))
        numbers = numbers.scatter(index, normalised.select(
            pl.when(n.str.contains(_NORMALISED_POSTCODE)).then(_postcode_number(n)).otherwise(n.hash(seed=7))
        ).to_series())
    return numbers


def _repeated(values: pl.Series) -> pl.Series:
    """is_duplicated() for integers, by sorting: about twice as fast as hashing every value."""
    ordered = values.sort()
    again = ordered.filter(ordered == ordered.shift(1))
    if again.is_empty():
        return pl.repeat(False, len(values), dtype=pl.Boolean, eager=True)
    return values.is_in(again.unique().implode()).fill_null(False)


def _hash_normalised(values: pl.Series, fast: pl.Series, slow: pl.Series, normalise) -> pl.Series:
    """Hashes of the normalised values: of ``fast`` where it already holds them, of ``normalise`` applied
    to ``values`` where ``slow`` says it does not."""
    hashes = fast.hash(seed=7)
    if slow.any():
        index = slow.arg_true()
        rest = pl.DataFrame({"v": values.gather(index)}).select(normalise(pl.col("v")).hash(seed=7)).to_series()
        hashes = hashes.scatter(index, rest)
    return hashes
