"""A file's profile: its columns and their kinds, its risk class (P23), minors (P20) and validation counts.

A profile holds counts, kinds, reasons and masked examples only; never a value from the file, so it can
be stored, logged and shown freely. `Profile.to_json()` is the `verwerker profile --json` contract in
DESIGN.md: fields may be added, never renamed.
"""

from __future__ import annotations

import concurrent.futures
import datetime
import functools
from collections.abc import Callable
from dataclasses import dataclass, field

import polars as pl

from verwerker.datafiles import validators
from verwerker.datafiles.detect import ColumnGuess, Found, detect, split_street_and_number
from verwerker.datafiles.kinds import NAW_KINDS, Kind
from verwerker.datafiles.read import Table
from verwerker.lib.countries import is_domestic

CONSENT_AGE = 16  # UAVG art. 5 / GDPR art. 8: below this a parent or guardian consents (P20)


# Parts of a record that identify the addressee and the address, in the order they form the
# deduplication key.
_KEY_KINDS = (
    Kind.INITIALS, Kind.FIRST_NAME, Kind.FULL_NAME, Kind.COMPANY, Kind.DEPARTMENT, Kind.STREET, Kind.HOUSE_NUMBER,
    Kind.HOUSE_NUMBER_LETTER, Kind.HOUSE_NUMBER_ADDITION, Kind.STREET_AND_NUMBER, Kind.ADDRESS_LINE, Kind.POSTCODE,
    Kind.CITY,
)
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
    # What in the file's first line was data (read.Table.header_holds): the columns are then numbered.
    header_holds: str | None = None
    # risk_reasons as codes with their column (risks()): the screens put them in the reader's language.
    risks: list[dict] = field(default_factory=list)

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
            "header": {"positional": self.header_holds is not None, "holds": self.header_holds},
            "risks": [dict(r) for r in self.risks],
        }


def profile_table(
    table: Table, *, name: str, today: datetime.date, overrides: dict[str, Kind] | None = None
) -> Profile:
    """Profile a table that read_table returned; pure (no database, no files)."""
    frame = table.frame
    # The duplicate count takes longest; it runs beside detection's whole-column validators, and finds
    # which rows hold anything on the way.
    detection = detect(frame, overrides=overrides, also=lambda found: _duplicates_and_rows(frame, found))
    duplicates: int
    row_filled: pl.Series
    duplicates, row_filled = detection.also  # type: ignore[misc]
    guesses = detection.guesses
    first = {}  # type: ignore[var-annotated]
    for g in guesses:
        first.setdefault(g.kind, g.name)

    found_risks = risks([{"name": g.name, "kind": g.kind.value, "filled": g.filled, "special": g.special}
                         for g in guesses])
    risk_reasons = [risk_reason(r) for r in found_risks]
    special = sorted({s for g in guesses for s in g.special})

    # Row-level flags from the per-column flags detection already computed (no second pass over text).
    filled = detection.filled
    # An address is foreign only when its country says so (lib/countries.py, as production decides): a
    # file comes to a Dutch house, so an address without a country is Dutch, whatever its postcode's shape.
    foreign = pl.Series([False] * 0, dtype=pl.Boolean).extend_constant(False, frame.height)
    if Kind.COUNTRY in first:
        # Only the filled values are looked at (a country column is mostly empty in a Dutch file).
        given = filled[first[Kind.COUNTRY]]
        if given.any():
            country = frame.get_column(first[Kind.COUNTRY]).filter(given)
            abroad = pl.DataFrame({"c": country}).select(~is_domestic(pl.col("c"))).to_series()
            foreign = foreign.scatter(validators.positions(given), abroad)
    foreign = foreign & row_filled

    counts = {"invalid_postcodes": 0, "minors": 0, "missing_house_numbers": 0}
    if Kind.POSTCODE in first:
        column = first[Kind.POSTCODE]
        bad = filled[column] & ~detection.verdicts[column]
        counts["invalid_postcodes"] = int((bad & ~foreign).sum())
        # The column's count is of invalid Dutch postcodes too, so the two figures agree.
        for g in guesses:
            if g.name == column:
                g.invalid = counts["invalid_postcodes"]
    if Kind.BIRTH_DATE in first:
        dates = detection.verdicts[first[Kind.BIRTH_DATE]]
        counts["minors"] = int(validators.younger_than(dates, CONSENT_AGE, today).fill_null(False).sum())  # type: ignore[arg-type, call-overload]
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
        duplicates=duplicates,
        foreign=int(counts["foreign"]),
        empty_rows=int(counts["empty_rows"]),
        missing_house_numbers=int(counts["missing_house_numbers"]),
        today=today,
        overrides={k: Kind(v).value for k, v in (overrides or {}).items()},
        header_holds=table.header_holds,
        risks=found_risks,
    )


def risks(columns: list[dict]) -> list[dict]:
    """Why a file is risk class high, from its columns (as to_json has them), as codes with the column's
    name and never a value: a filled column whose kind is not name and address data
    (``{"code": "not_naw", "column": "Veld7", "kind": "iban"}``; an empty column holds nothing, whatever
    its name), then a column whose name points at a special category (``{"code": "special", "column":
    "Diagnose", "category": "health"}``; a BSN is flagged on its own)."""
    naw = {k.value for k in NAW_KINDS}
    found = [{"code": "not_naw", "column": c["name"], "kind": c["kind"]}
             for c in columns if c.get("filled") and c.get("kind") not in naw]
    found += [{"code": "special", "column": c["name"], "category": s}
              for c in columns for s in c.get("special", []) if s != "bsn"]
    return found


def risk_reason(risk: dict) -> str:
    """A risk (risks()) as the English line of ``risk_reasons`` (the JSON contract and the command line;
    the screens translate the risk itself: datafiles/texts.py)."""
    if risk.get("code") == "not_naw":
        return f"{risk['column']}: {risk['kind']} is not name/address data"
    if risk.get("code") == "special":
        return f"{risk['column']}: column name points at special-category data ({risk['category']})"
    return str(risk)


# What a purged file's profile keeps: counts, classes and how the file was read; nothing that came from
# a cell or a header.
_REDUCED_KEEP = ("format", "encoding", "delimiter", "rows", "risk", "special", "minors", "invalid_postcodes",
                 "duplicates", "foreign", "empty_rows", "missing_house_numbers", "today", "header")


def reduced_profile(profile: dict, position: dict[str, str]) -> dict:
    """A stored profile (to_json) reduced to what holds no values, columns renamed by ``position``
    (name -> "kolom N"): no masked examples, no reasons naming a column, no overrides by name."""
    reduced = {key: profile[key] for key in _REDUCED_KEEP if key in profile}
    reduced["columns"] = [
        {"name": position.get(c.get("name"), f"kolom {i}"), "kind": c.get("kind"), "filled": c.get("filled"),
         "invalid": c.get("invalid"), "special": list(c.get("special", [])), "reasons": [], "examples": []}
        for i, c in enumerate(profile.get("columns", []), start=1)
    ]
    reduced["risks"] = risks(reduced["columns"])
    reduced["risk_reasons"] = [risk_reason(r) for r in reduced["risks"]]
    reduced["overrides"] = {}
    reduced["reduced"] = True
    return reduced


def _duplicates_and_rows(frame: pl.DataFrame, found: Found) -> tuple[int, pl.Series]:
    """The duplicate count and which rows hold anything at all (the count needs them too)."""
    row_filled = _row_filled(found.filled, frame.height)
    return _duplicates(frame, found, row_filled), row_filled


def _duplicates(frame: pl.DataFrame, found: Found, row_filled: pl.Series | None = None) -> int:
    """Records equal to an earlier one after normalising case, spaces, postcode format and tussenvoegsel."""
    by_kind: dict[Kind, list[str]] = {}
    for name, kind in found.kinds.items():
        by_kind.setdefault(kind, []).append(name)
    if row_filled is None:
        row_filled = _row_filled(found.filled, frame.height)
    fields: list[tuple[str, Callable[[pl.Expr], pl.Expr]]] = []
    for kind in _KEY_KINDS:
        for name in by_kind.get(kind, []):
            fields.append((name, _normalise_key))
    # `van den Berg`, `Berg, van den` and tussenvoegsel `van den` + `Berg` are one surname: the key takes
    # the surname without its tussenvoegsel (leading lower-case words, or what follows a comma) and
    # leaves the tussenvoegsel column out.
    for name in by_kind.get(Kind.LAST_NAME, [])[:1]:
        fields.append((name, lambda e: _normalise_key(e.str.extract(r"^\s*(?:[a-z'\u2019]+\.?\s+)*([^,]*)", 1))))
    if not fields:
        return 0
    # Case, spaces and punctuation do not make a record different. Each field is normalised on its own
    # and the record compared as a whole, so text in one field never passes for another's. Normalising
    # costs more than the rest of the profile, so it is done only for the records that can be
    # duplicates at all (those sharing postcode and house number, normalised as in the key, with
    # another record), and once per distinct value of a field.
    repeats, postcode = _may_repeat(frame, by_kind, found)
    candidates = row_filled & repeats
    rows = frame.select(list(dict.fromkeys(name for name, _ in fields))).filter(candidates)
    # Fields and records are compared as 64-bit hashes (a collision among a few million is vanishingly
    # unlikely and would only merge two). The first postcode column's numbers from the coarse key serve
    # as its field: they too are a one-to-one function of the normalised field.
    keys = pl.DataFrame([
        postcode[1].filter(candidates).alias(f"f{i}") if postcode and name == postcode[0]
        else _normalised_hashes(rows.get_column(name), normalise).alias(f"f{i}")
        for i, (name, normalise) in enumerate(fields)
    ])
    return keys.height - keys.select(pl.struct(pl.all()).hash(seed=5)).to_series().n_unique()


def _normalised_hashes(values: pl.Series, normalise: Callable[[pl.Expr], pl.Expr]) -> pl.Series:
    """The hash of every value's normalised form, normalising each distinct value once."""
    values = values.fill_null("")
    distinct = values.unique()
    hashes = pl.DataFrame({"v": distinct}).select(normalise(pl.col("v")).fill_null("").hash(seed=5)).to_series()
    return values.replace_strict(distinct, hashes, return_dtype=pl.UInt64)


def _normalise_key(expr: pl.Expr) -> pl.Expr:
    return expr.str.to_lowercase().str.replace_all(r"[\s.,'`\-/()\"]", "")


def _row_filled(filled: dict[str, pl.Series], height: int) -> pl.Series:
    """Which rows hold anything at all."""
    if filled:
        return pl.DataFrame(filled).select(pl.any_horizontal(pl.all())).to_series()
    return pl.repeat(False, height, dtype=pl.Boolean, eager=True)


def _may_repeat(
    frame: pl.DataFrame, by_kind: dict[Kind, list[str]], found: Found
) -> tuple[pl.Series, tuple[str, pl.Series] | None]:
    """A superset of the records whose duplicate key equals another record's; and the first postcode
    column's name with its numbers (_postcode_numbers), if there is one.

    Records are grouped by a coarse key that is a function of the normalised postcode and house number
    fields, so two records with one duplicate key always share it. It is built cheaply from what
    detection found: a plainly written postcode (1234AB, 1234 ab) is numbered as it is written, and a
    house number that is a number is taken as one; only the other values are normalised.
    """
    coarse: list[pl.Series | concurrent.futures.Future] = []
    helper = concurrent.futures.ThreadPoolExecutor(max_workers=1)
    for name in by_kind.get(Kind.POSTCODE, [])[:1]:
        coarse.append(helper.submit(lambda n: _postcode_numbers(frame.get_column(n), found.postcode_numbers(n)), name))
    helper.shutdown(wait=False)
    for name in by_kind.get(Kind.HOUSE_NUMBER, [])[:1]:
        coarse.append(_house_numbers(frame.get_column(name)))
    coarse = [c.result() if isinstance(c, concurrent.futures.Future) else c for c in coarse]
    postcode = (by_kind[Kind.POSTCODE][0], coarse[0]) if Kind.POSTCODE in by_kind else None
    if not coarse:
        return pl.repeat(True, frame.height, dtype=pl.Boolean, eager=True), postcode  # type: ignore[return-value]
    # Combining the numbers can only make more records share one (never fewer): still a superset. The
    # house number is hashed first, or small numbers would cancel out the postcode's last bits.
    combined = coarse[0] if len(coarse) == 1 else coarse[0] ^ coarse[1].hash(seed=11)  # type: ignore[union-attr]
    return _repeated(combined), postcode  # type: ignore[arg-type, return-value]


def _house_numbers(values: pl.Series) -> pl.Series:
    """A number per record that depends only on its normalised house number field.

    Polars reads a value as an unsigned number only when it is digits with at most a leading `+`, which
    the normalisation leaves as they are; so the value's number is its normalised form's number. The
    other values are normalised first, and numbered the same way or else hashed.
    """
    numbers = values.cast(pl.UInt64, strict=False)
    rest = numbers.is_null() & values.is_not_null()
    if rest.any():
        index = validators.positions(rest)
        n = pl.col("n")
        normalised = pl.DataFrame({"v": values.gather(index)}).select(n=_normalise_key(pl.col("v")))
        numbers = numbers.scatter(index, normalised.select(
            pl.coalesce(n.cast(pl.UInt64, strict=False), n.hash(seed=7))
        ).to_series())
    return numbers.fill_null(_empty_number())


@functools.cache
def _empty_number() -> int:
    """The number of a missing field, which normalises to the empty string (as a blank one does)."""
    return pl.Series([""]).hash(seed=7).item()


_NORMALISED_POSTCODE = r"^[1-9][0-9]{3}[a-z]{2}$"


def _postcode_numbers(values: pl.Series, plain: pl.Series) -> pl.Series:
    """A number per record that depends only on its normalised postcode field: the postcode's number
    when that field is a plain postcode, else the field's hash. ``plain`` holds the numbers of the
    plainly written valid postcodes (detection read them); only the other values are normalised."""
    rest = plain.is_null() & values.is_not_null()
    if not rest.any():
        return plain.fill_null(_empty_number())
    plain = plain.clone()  # scatter() writes in place
    n = pl.col("n")
    normalised = pl.DataFrame({"v": values.filter(rest)}).select(n=_normalise_key(pl.col("v")))
    return plain.scatter(validators.positions(rest), normalised.select(
        pl.when(n.str.contains(_NORMALISED_POSTCODE)).then(validators.postcode_number(n)).otherwise(n.hash(seed=7))
    ).to_series()).fill_null(_empty_number())


def _repeated(values: pl.Series) -> pl.Series:
    """is_duplicated() for integers, by sorting: about twice as fast as hashing every value. The sort
    runs on one thread: on two it takes as long and twice the CPU, which the checks beside it need."""
    ordered = values.sort(multithreaded=False)
    again = ordered.filter(ordered == ordered.shift(1))
    if again.is_empty():
        return pl.repeat(False, len(values), dtype=pl.Boolean, eager=True)
    return values.is_in(again.unique().implode()).fill_null(False)
