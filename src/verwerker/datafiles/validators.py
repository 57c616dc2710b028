"""Vectorised checks on whole columns: Dutch postcode, IBAN, BSN, e-mail, phone shape, dates.

Each check takes a polars Series of strings and returns a boolean Series (false where the input is
null). They run as staged expressions: every intermediate result is materialised as a column before
the next stage uses it, never one nested expression (polars would re-evaluate shared sub-expressions
once per use) and never one row at a time in Python. DESIGN.md measured this at millions of values
per second. Where nearly all values take one simple form (a compact IBAN, a plainly written postcode,
a birth date shared by thousands), a cheap test or a pass over distinct values settles those and only
the rest take the full path; tests/reference.py keeps the straightforward versions to compare. The rules
follow python-stdnum 2.2 exactly for postcode, IBAN and BSN; the tests compare verdicts with stdnum
on randomly generated values, so any drift shows up there.
"""

from __future__ import annotations

import datetime
import functools
import re
from collections.abc import Callable

import polars as pl

# stdnum's clean() maps Unicode dashes and spaces to ASCII before deleting separators.
_UNICODE_SEPARATORS = "\u00a0\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u202f\u205f\u3000"
_UNICODE_DASHES = "\u058a\u05be\u2010\u2011\u2012\u2013\u2014\u2015\ufe63\uff0d\u1806\u203e"


def _delete(expr: pl.Expr, chars: str) -> pl.Expr:
    """Remove every character of ``chars`` (plus stdnum's Unicode equivalents of space and dash)."""
    extra = ""
    if " " in chars:
        extra += _UNICODE_SEPARATORS
    if "-" in chars:
        extra += _UNICODE_DASHES
    pattern = "[" + re.escape(chars + extra) + "]"
    return expr.str.replace_all(pattern, "")


def positions(mask: pl.Series) -> pl.Series:
    """The positions where ``mask`` is true (null counts as false): Series.arg_true, which costs up to
    twenty times more on a mask that mixes true and false (4-6 ms per million)."""
    return pl.int_range(0, len(mask), dtype=pl.get_index_type(), eager=True).filter(mask)


def only_where(mask: pl.Series, check: Callable[[pl.Series], pl.Series], values: pl.Series) -> pl.Series:
    """``check(values)`` where ``mask`` is true, null elsewhere, checking only those values: for a cheap
    test that rules values out before an expensive one (whose cost is mostly per call on a sample)."""
    if mask.all():
        return check(values)
    result = check(values.filter(mask))
    return (
        pl.repeat(None, len(values), dtype=result.dtype, eager=True).scatter(positions(mask), result).alias(values.name)
    )


def _staged_frame(values: pl.Series, *stages: dict[str, pl.Expr]) -> pl.DataFrame:
    """Run ``stages`` (each a dict of new columns) one after the other on a frame holding ``values``
    as column ``v``."""
    frame = pl.DataFrame({"v": values.cast(pl.String)})
    for stage in stages:
        frame = frame.with_columns(**stage)
    return frame


def _staged(values: pl.Series, *stages: dict[str, pl.Expr], result: str) -> pl.Series:
    """As _staged_frame; return column ``result``, nulls as false."""
    return _staged_frame(values, *stages).get_column(result).fill_null(False).alias(values.name)


# ---------------------------------------------------------------------------------------------- postcode

_POSTCODE_RE = r"^[1-9][0-9]{3}[A-Z]{2}$"


def compact_postcode(expr: pl.Expr) -> pl.Expr:
    """stdnum.nl.postcode.compact: drop spaces and dashes, uppercase, strip an ``NL`` prefix."""
    s = _delete(expr, " -").str.to_uppercase().str.strip_chars()
    return pl.when(s.str.starts_with("NL")).then(s.str.slice(2)).otherwise(s)


# How postcodes are nearly always written: 1234AB, 1234 AB, 1234ab. Such a value is valid exactly when its
# letters are not SA, SD or SS (compact() only drops the space and upper-cases it).
_PLAIN_VALID_POSTCODE_RE = r"^[1-9][0-9]{3} ?(?:[A-RT-Za-rt-z][A-Za-z]|[Ss][B-CE-RT-Zb-ce-rt-z])$"


def valid_postcodes(values: pl.Series) -> pl.Series:
    """Valid Dutch postcode (four digits 1000-9999, two letters, never SA/SD/SS; F I O Q U Y allowed)."""
    return valid_postcodes_with_numbers(values)[0]


def valid_postcodes_with_numbers(values: pl.Series) -> tuple[pl.Series, pl.Series]:
    """valid_postcodes, and for the values valid as plainly written (1234AB, 1234 AB, 1234ab) the
    postcode as a number (postcode_number), null for the others.

    The plainly written values are settled from their bytes; only the others go through stdnum's
    compaction.
    """
    v = values.cast(pl.String)
    numbers = _plain_postcode_numbers(v)
    plain = numbers.is_not_null()
    ok = plain.clone()  # scatter() writes in place
    rest = ~plain & v.is_not_null()
    if rest.any():
        index = positions(rest)
        u, c = pl.col("u"), pl.col("c")
        verdicts = _staged(
            v.filter(rest),
            {"u": _delete(pl.col("v"), " -").str.to_uppercase().str.strip_chars()},
            {"c": pl.when(u.str.starts_with("NL")).then(u.str.slice(2)).otherwise(u)},
            {"ok": c.str.contains(_POSTCODE_RE) & ~c.str.slice(4, 2).is_in(["SA", "SD", "SS"])},
            result="ok",
        )
        ok = ok.scatter(index, verdicts)
    return ok.alias(values.name), numbers.alias(values.name)


def postcode_number(expr: pl.Expr) -> pl.Expr:
    """1234AB, 1234 ab, 1234ab -> one number (the letters' case ignored): the four digits times 65536
    plus the last two characters' low five bits each."""
    letters = expr.str.slice(-2).cast(pl.Binary).bin.reinterpret(dtype=pl.UInt16)
    return expr.str.slice(0, 4).cast(pl.UInt64, strict=False) * 65536 + (letters & 0x1F1F).cast(pl.UInt64)


def _plain_postcode_numbers(v: pl.Series) -> pl.Series:
    """postcode_number of the values that match _PLAIN_VALID_POSTCODE_RE, null for the others; read
    from the bytes of the six- and seven-byte values (a regex and two cut-outs per value cost more)."""
    numbers = pl.repeat(None, len(v), dtype=pl.UInt64, eager=True)
    lengths = v.str.len_bytes()
    for length in (6, 7):
        rows = (lengths == length).fill_null(False)
        if not rows.any():
            continue
        frame = byte_columns(v.filter(rows), length)
        numbers = numbers.scatter(positions(rows), frame.select(_plain_postcode_expression(length)).to_series())
    return numbers


@functools.cache
def _plain_postcode_expression(length: int) -> pl.Expr:
    b = [pl.col(f"b{k}") for k in range(length)]
    first, second = b[-2], b[-1]
    digits = pl.all_horizontal(_within(b[0], "1", "9"), *(_within(x, "0", "9") for x in b[1:4]))
    fold = [x | 0x20 for x in (first, second)]  # ASCII letters to lower case
    letters = pl.all_horizontal(*(_within(x, "a", "z") for x in fold))
    forbidden = (fold[0] == ord("s")) & fold[1].is_in([ord("a"), ord("d"), ord("s")])
    valid = digits & letters & ~forbidden
    if length == 7:
        valid = valid & (b[4] == ord(" "))
    value = sum((b[k].cast(pl.UInt64) - ord("0")) * 10 ** (3 - k) for k in range(4)) * 65536 + (
        (first & 0x1F).cast(pl.UInt64) + (second & 0x1F).cast(pl.UInt64) * 256
    )
    return pl.when(valid).then(value)


def _within(byte: pl.Expr, low: str, high: str) -> pl.Expr:
    """The byte lies in the ASCII range low..high (`0`..`9`, `A`..`Z`)."""
    return (byte >= ord(low)) & (byte <= ord(high))


def byte_columns(values: pl.Series, length: int) -> pl.DataFrame:
    """Columns b0, b1, ... holding the bytes of ``values``, which are all ``length`` bytes long and not
    null: a byte matrix read column by column (cheaper in polars than a struct of the array)."""
    flat = values.cast(pl.Binary).bin.reinterpret(dtype=pl.Array(pl.UInt8, length)).arr.explode()
    return pl.DataFrame([flat.gather_every(length, offset=k).alias(f"b{k}") for k in range(length)])


# -------------------------------------------------------------------------------------------------- IBAN


@functools.cache
def _iban_countries() -> dict[str, str]:
    """Per country in stdnum's copy of the SWIFT IBAN registry: the class of every character of its
    compact IBAN after the country code: c (digit or capital, the check digits first), n (digit) or
    a (capital letter). The registry's c is [A-Za-z0-9]; compact values are upper case, so on them it is
    [0-9A-Z], and a value whose every character is in its class holds nothing compact() would change."""
    from stdnum import numdb  # deferred: a heavy import

    db = numdb.get("iban")
    countries = {}
    for _length, low, high, props, _children in db.prefixes:
        if low != high or "bban" not in props:
            continue
        segments = re.findall(r"([1-9][0-9]*)!([nac])", props["bban"])
        if "".join(f"{n}!{c}" for n, c in segments) != props["bban"]:
            continue  # a structure this reader does not know; stdnum would not match it either
        countries[low] = "cc" + "".join(c * int(n) for n, c in segments)
    return countries


@functools.cache
def _shortest_iban() -> int:
    return min(2 + len(classes) for classes in _iban_countries().values())


# Countries for which stdnum runs an extra national check: rows from these go through stdnum itself.
_IBAN_NATIONAL_CHECKS = ("BE", "ES", "ME", "NO")


def valid_ibans(values: pl.Series) -> pl.Series:
    """Valid IBAN: ISO 7064 mod 97-10 and the registry's per-country structure (stdnum.iban.is_valid)."""
    v = values.cast(pl.String)
    # A value of fewer bytes than the shortest IBAN has characters is never one: compacting deletes
    # characters, and no character upper-cases to more ASCII letters than it has UTF-8 bytes (ß -> SS,
    # ﬃ -> FFI; the tests check every code point). Samples mix all columns, so this rules out most.
    short = (v.str.len_bytes() < _shortest_iban()).fill_null(False)
    if short.any():
        return only_where(~short & v.is_not_null(), valid_ibans, v).fill_null(False).alias(values.name)
    # Most values are written compactly already. One that has its country's structure as written holds
    # only [0-9A-Z], which stdnum's compact() leaves as it is; only the others pay for compacting.
    ok, shaped = _valid_compact_ibans(v)
    rest = ~shaped & v.is_not_null()
    if rest.any():
        index = positions(rest)
        compact = pl.DataFrame({"v": v.gather(index)}).select(
            _delete(pl.col("v"), " -.").str.strip_chars().str.to_uppercase()
        ).to_series()
        ok = ok.scatter(index, _valid_compact_ibans(compact)[0])
    return ok.alias(values.name)


def _valid_compact_ibans(s: pl.Series) -> tuple[pl.Series, pl.Series]:
    """valid_ibans on values in stdnum's compact form, and which of them have their country's structure.

    Only values of their country's length are looked at, one country at a time; the country most
    values start with (in a Dutch file: NL) is found without cutting out every value's country code.
    """
    ok = pl.repeat(False, len(s), dtype=pl.Boolean, eager=True)
    shaped_rows = ok.clone()  # scatter() writes in place
    countries = _iban_countries()
    lengths = s.str.len_bytes()
    todo = s.is_not_null()
    # The first value's country, looked for among the first thousand values before copying the whole
    # column without its nulls.
    lead = s.head(1000).drop_nulls()
    first = (lead if len(lead) else s.drop_nulls()).head(1).str.slice(0, 2).to_list()
    if first and first[0] in countries:
        code = first[0]
        rows = s.str.starts_with(code).fill_null(False)
        todo = todo & ~rows
        ok, shaped_rows = _check_country(s, code, rows & (lengths == 2 + len(countries[code])), ok, shaped_rows)
    if todo.any():
        index = positions(todo)
        cc = s.gather(index).str.slice(0, 2)
        expected = cc.replace_strict({code: 2 + len(classes) for code, classes in countries.items()}, default=0,
                                     return_dtype=pl.UInt32)
        fits = lengths.gather(index) == expected
        grouped = pl.DataFrame({"cc": cc.filter(fits), "i": index.filter(fits)}).group_by("cc").agg("i")
        for code, rows in zip(grouped.get_column("cc").to_list(), grouped.get_column("i"), strict=False):
            if code not in countries:
                continue  # shorter than a country code (the empty string)
            mask = pl.repeat(False, len(s), dtype=pl.Boolean, eager=True).scatter(rows, True)
            ok, shaped_rows = _check_country(s, code, mask, ok, shaped_rows)
    return ok, shaped_rows


def _check_country(
    s: pl.Series, code: str, rows: pl.Series, ok: pl.Series, shaped_rows: pl.Series
) -> tuple[pl.Series, pl.Series]:
    """Settle the rows (all of the country's length, starting with its code) of one country."""
    if not rows.any():
        return ok, shaped_rows
    from stdnum import iban  # deferred: a heavy import

    index = positions(rows)
    part = s.filter(rows)  # far cheaper than gather(index) for many strings
    classes = _iban_countries()[code]
    if len(part) <= _FEW_IBANS:
        # A handful (e-mail addresses that happen to compact to a country's length): stdnum itself is
        # quicker than setting up the vectorised check.
        allowed = {"n": _DIGITS, "a": _CAPITALS, "c": _DIGITS | _CAPITALS}
        values = part.to_list()
        shaped = pl.Series(
            [all(ch in allowed[k] for ch, k in zip(x[2:], classes, strict=False)) for x in values], dtype=pl.Boolean
        )
        verdict = pl.Series(
            [good and iban.is_valid(x) for good, x in zip(shaped, values, strict=False)], dtype=pl.Boolean
        )
        return ok.scatter(index, verdict), shaped_rows.scatter(index, shaped)
    shaped, verdict = _structure_and_mod97(part, code, classes)
    if code in _IBAN_NATIONAL_CHECKS and verdict.any():
        # National rules on top: rare in Dutch files, so stdnum itself checks these rows.
        verdict = pl.Series(
            [bool(good) and iban.is_valid(x) for good, x in zip(verdict, part, strict=False)], dtype=pl.Boolean
        )
    return ok.scatter(index, verdict), shaped_rows.scatter(index, shaped)


_FEW_IBANS = 64
_DIGITS = frozenset("0123456789")
_CAPITALS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZ")


def _structure_and_mod97(part: pl.Series, cc: str, classes: str) -> tuple[pl.Series, pl.Series]:
    """For compact values of one country's length that start with its code: which have its structure,
    and which of those pass ISO 7064 mod 97-10. Both are read from the values' bytes.

    Nearly every value holds a digit wherever its country allows a digit or a capital (c: the check
    digits, in most countries nothing else); those are settled on the flat byte array
    (_flat_structure_and_mod97). Only the others (a capital where c allows one, or not of the
    structure at all) go through the per-position expressions, which handle either."""
    shaped, verdict = _flat_structure_and_mod97(part, cc, classes)
    rest = ~shaped
    if rest.any():
        index = positions(rest)
        shaped_rest, verdict_rest = _structure_and_mod97_by_position(part.filter(rest), cc, classes)
        shaped, verdict = shaped.scatter(index, shaped_rest), verdict.scatter(index, verdict_rest)
    return shaped, verdict


def _structure_and_mod97_by_position(part: pl.Series, cc: str, classes: str) -> tuple[pl.Series, pl.Series]:
    """_structure_and_mod97 with a column per byte position (byte_columns): any value, any class."""
    length = 2 + len(classes)
    shape, rem = _iban_expressions(cc, classes)
    frame = byte_columns(part, length).select(shape=shape, mod=rem)
    shaped = frame.get_column("shape")
    return shaped, shaped & (frame.get_column("mod") == 1)


# Rows per block of the flat check: its constants are tiled to one block's length (kept for four
# countries: 4.7 MB for NL, 9 MB for the longest IBANs), and a block's intermediate arrays (a few MB)
# stay in the cache. Blocks of 32,768 to 131,072 rows cost alike; fewer, longer blocks call polars less.
_FLAT_BLOCK = 1 << 16


def _flat_structure_and_mod97(part: pl.Series, cc: str, classes: str) -> tuple[pl.Series, pl.Series]:
    """As _structure_and_mod97, taking c as n (a digit only): which values have that narrower
    structure, and which of those pass mod 97-10. A value with a capital where c allows one counts
    as not shaped here; the caller checks it again.

    The values' bytes are one flat array, row after row (no column per position: 18 strided gathers
    cost more than the whole check). Per byte, one subtraction of its position's base (`0`, `A`, or the
    country code's letter) leaves the digit's or the letter's place, and one unsigned comparison with
    its position's span (9, 25, 0) finds any byte outside its class, since one below the base wraps
    around to 255 and down. The remainder is linear once every width is fixed (n: one digit, a: two):
    the sum of each place times its position's weight (10 to the number of digits after it in
    BBAN + country + check digits, mod 97) plus a constant (a letter's 10, the country code's digits).
    A place is at most 255 and a weight at most 96, so the products fit 16 bits; the row sums are
    64-bit.
    """
    length = 2 + len(classes)
    base, span, weight, constant = _flat_iban_constants(cc, classes)
    bad_counts, sums = [], []
    for start in range(0, len(part), _FLAT_BLOCK):
        block = part.slice(start, _FLAT_BLOCK)
        rows, size = len(block), len(block) * length
        flat = block.cast(pl.Binary).bin.reinterpret(dtype=pl.Array(pl.UInt8, length)).arr.explode()
        place = flat - (base if rows == _FLAT_BLOCK else base.head(size))
        bad = place > (span if rows == _FLAT_BLOCK else span.head(size))
        bad_counts.append(bad.reshape((rows, length)).arr.sum())
        terms = place.cast(pl.UInt16) * (weight if rows == _FLAT_BLOCK else weight.head(size))
        sums.append(terms.reshape((rows, length)).arr.sum())
    if not bad_counts:
        empty = pl.Series(part.name, [], dtype=pl.Boolean)
        return empty, empty
    shaped = (pl.concat(bad_counts) == 0).alias(part.name)
    return shaped, shaped & ((pl.concat(sums) + constant) % 97 == 1)


@functools.lru_cache(maxsize=4)
def _flat_iban_constants(cc: str, classes: str) -> tuple[pl.Series, pl.Series, pl.Series, int]:
    """Per byte position of a _FLAT_BLOCK of one country's IBANs, tiled: the base, the span and the
    weight (_flat_structure_and_mod97); and the constant part of the remainder."""
    length = 2 + len(classes)
    widths = {pos: 2 if classes[pos - 2] == "a" else 1 for pos in range(2, length)}
    weights, constant, after = [0, 0] + [0] * len(classes), 0, 0
    for pos in reversed([*range(4, length), "cc", 2, 3]):  # the order the check reads
        if pos == "cc":
            digits = "".join(str(int(ch, 36)) for ch in cc)
            constant += int(digits) * 10**after
            after += len(digits)
        else:
            weights[pos] = 10**after % 97
            if classes[pos - 2] == "a":
                constant += 10 * weights[pos]  # A is 10: the place of A plus ten
            after += widths[pos]
    base = [ord(cc[0]), ord(cc[1])] + [ord("A") if k == "a" else ord("0") for k in classes]
    span = [0, 0] + [25 if k == "a" else 9 for k in classes]

    def tiled(pattern: list[int], dtype: type[pl.DataType]) -> pl.Series:
        series = pl.Series(pattern, dtype=dtype)
        while len(series) < length * _FLAT_BLOCK:
            series = pl.concat([series, series], rechunk=True)
        return series.head(length * _FLAT_BLOCK)

    return tiled(base, pl.UInt8), tiled(span, pl.UInt8), tiled(weights, pl.UInt16), constant % 97


@functools.cache
def _iban_expressions(cc: str, classes: str) -> tuple[pl.Expr, pl.Expr]:
    """A country's structure test and mod-97 remainder over its IBANs' bytes in columns b0, b1, ...

    The check runs on BBAN + country + check digits with every letter written as two digits (A=10 ...
    Z=35); rather than building that digit string, Horner's rule runs over it: a stretch of characters
    whose classes fix their width (n: one digit, a: two) adds as one weighted sum, a character that may
    be either (c) steps on its own. Built once per country (building expressions costs more than
    running them on a sample).
    """
    length = 2 + len(classes)
    b = [pl.col(f"b{i}") for i in range(length)]
    digit = [_within(x, "0", "9") for x in b]
    letter = [_within(x, "A", "Z") for x in b]
    shape = pl.all_horizontal(
        [digit[i] if k == "n" else letter[i] if k == "a" else digit[i] | letter[i] for i, k in enumerate(classes, 2)]
    )
    # 16-bit arithmetic: half the memory of 32-bit for every intermediate column (a freshly read table's
    # profile pays for new memory in page faults). For a value of its structure nothing overflows: a
    # weighted sum is reduced mod 97 before it could pass _SUM_ROOM; other values may wrap around, and
    # their verdict is false whatever the sum.
    value = [x.cast(pl.Int16) for x in b]
    # The order the check reads: the BBAN, the country code (a constant), the check digits.
    order = [*range(4, length), "cc", 2, 3]
    rem = pl.lit(0, dtype=pl.Int16)
    run: list[tuple[pl.Expr, int, int]] = []  # (value, width, largest value) of the fixed-width stretch

    def flush(rem: pl.Expr) -> pl.Expr:
        if not run:
            return rem
        total, bound, width = pl.lit(0, dtype=pl.Int16), 0, sum(w for _, w, _ in run)
        after = width
        for term, w, largest in run:
            after -= w
            weight = 10**after % 97
            if bound + largest * weight > _SUM_ROOM:
                total, bound = total % 97, 96
            total = total + term * weight
            bound += largest * weight
        run.clear()
        return (rem * (10**width % 97) + total) % 97

    for pos in order:
        if pos == "cc":
            digits = "".join(str(int(ch, 36)) for ch in cc)
            run.append((pl.lit(int(digits) % 97, dtype=pl.Int16), len(digits), 96))
            continue
        kind = classes[pos - 2]
        if kind == "n":
            run.append((value[pos] - 48, 1, 9))
        elif kind == "a":
            run.append((value[pos] - 55, 2, 35))
        else:
            rem = flush(rem)
            is_letter = letter[pos].cast(pl.Int16)
            rem = (rem * (10 + 90 * is_letter) + value[pos] - 48 - 7 * is_letter) % 97
    return shape, flush(rem)


# The most a weighted sum may reach before its remainder is taken: what is left of a 16-bit integer
# beside the remainder so far times a multiplier (both under 97) when the sum is added to it.
_SUM_ROOM = 2**15 - 1 - 96 * 96


# --------------------------------------------------------------------------------------------------- BSN


def valid_bsns(values: pl.Series) -> pl.Series:
    """Valid BSN (stdnum.nl.bsn.is_valid): nine digits, not all zero, passes the eleven-test."""
    s = pl.col("s")
    digit = [pl.col(f"d{i}") for i in range(9)]
    return _staged(
        values,
        {"s": _delete(pl.col("v"), " -.").str.strip_chars().str.pad_start(9, "0")},
        {"shaped": s.str.contains(r"^[0-9]{9}$") & (s != "000000000")},
        {f"d{i}": s.str.slice(i, 1).cast(pl.Int64, strict=False) for i in range(9)},
        {"ok": pl.col("shaped") & ((sum((9 - i) * digit[i] for i in range(8)) - digit[8]) % 11 == 0)},
        result="ok",
    )


# ------------------------------------------------------------------------------------------ house number

_HOUSE_NUMBER_RE = r"^\s*\d{1,5}"


def house_numbers(values: pl.Series) -> pl.Series:
    """Starts with a number (`12`, `12a`, ` 7-2`), spaces before it allowed. A value that starts with an
    ASCII digit passes without the regex (a string comparison is a sixth of its cost); only the others
    go to it."""
    v = values.cast(pl.String)
    ok = v.is_between("0", ":", closed="left").fill_null(False)
    rest = ~ok & v.is_not_null()
    if rest.any():
        ok = ok.scatter(positions(rest), v.filter(rest).str.contains(_HOUSE_NUMBER_RE))
    return ok.alias(values.name)


# ------------------------------------------------------------------------------------- e-mail and phone

# A pragmatic RFC 5322 subset: what e-mail-validator accepts for ordinary addresses, without DNS.
_EMAIL_RE = r"^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}$"  # noqa: E501


# The same, allowing the surrounding whitespace that strip_chars() would remove (\s is Unicode White_Space
# in both), so no stripped copy of the column is made.
_PADDED_EMAIL_RE = r"^\s*" + _EMAIL_RE[1:-1] + r"\s*$"


def valid_emails(values: pl.Series) -> pl.Series:
    return _staged(values, {"ok": pl.col("v").str.contains(_PADDED_EMAIL_RE)}, result="ok")


def phone_shapes(values: pl.Series) -> pl.Series:
    """Plausible phone number by shape: Dutch national (0 + 9 digits) or international (+/00, 8-15 digits).

    The exact check is phonenumbers (used on samples in detection); this shape check is what runs over
    a whole column, since libphonenumber has no vectorised form.
    """
    s = pl.col("v").str.replace_all(r"[\s\-().\u00a0/]", "")
    return _staged(values, {"ok": s.str.contains(r"^(?:0[1-9][0-9]{8}|(?:\+|00)[1-9][0-9]{7,14})$")}, result="ok")


def is_phone_exact(value: str) -> bool:
    """phonenumbers' verdict on one value, Dutch numbers without country code accepted."""
    import phonenumbers  # deferred: a heavy import

    try:
        number = phonenumbers.parse(value, "NL")
    except phonenumbers.NumberParseException:
        return False
    return phonenumbers.is_valid_number(number)


# ------------------------------------------------------------------------------------------------- dates

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
    v = values.cast(pl.String)
    if len(v) >= _DISTINCT_FROM:
        # Nearly every date is written in ten characters (31-12-1970, 1970-12-31): those that are valid
        # dates are read from their bytes; only the rest go through the formats.
        dates, settled = _ten_character_dates(v)
        rest = ~settled & v.is_not_null()
        if not rest.any():
            return dates.alias(values.name)
        return dates.scatter(positions(rest), _parse_repeating(v.filter(rest), excel_serials)).alias(values.name)
    return _parse_each(v, excel_serials=excel_serials).alias(values.name)


def _parse_repeating(v: pl.Series, excel_serials: bool) -> pl.Series:
    if len(v) >= _DISTINCT_FROM:
        # Birth dates repeat (a million people share some 30,000 birthdays): parse each distinct text
        # once and join the dates back. A value's date depends on that value alone (the format regexes
        # exclude each other, so the order they are tried in changes nothing).
        distinct = v.unique()
        if 2 * len(distinct) <= len(v):
            dates = pl.DataFrame({"v": distinct, "d": _parse_each(distinct, excel_serials=excel_serials)})
            joined = pl.DataFrame({"v": v}).join(dates, on="v", how="left", maintain_order="left")
            return joined.get_column("d")
    return _parse_each(v, excel_serials=excel_serials)


def _ten_character_dates(v: pl.Series) -> tuple[pl.Series, pl.Series]:
    """The dates of values written dd-mm-yyyy, dd/mm/yyyy, dd.mm.yyyy, yyyy-mm-dd or yyyy/mm/dd with
    two-digit days and months (ASCII digits, both separators alike) that are valid calendar dates in
    the years _FIRST_YEAR to _FIRST_YEAR + _YEARS - 1, read from their bytes; and which values those
    are. Such a value has no spaces to strip and matches exactly one of the formats, whose parse gives
    this date; every other value is left to them."""
    rows = (v.str.len_bytes() == 10).fill_null(False)
    if not rows.any():
        return pl.repeat(None, len(v), dtype=pl.Date, eager=True), pl.repeat(
            False, len(v), dtype=pl.Boolean, eager=True
        )
    flat = v.filter(rows).cast(pl.Binary).bin.reinterpret(dtype=pl.Array(pl.UInt16, 5)).arr.explode()
    frame = pl.DataFrame([flat.gather_every(5, offset=k).alias(f"p{k}") for k in range(5)])
    slot = pl.col("slot")
    found = frame.select(_calendar_slot()).select(pl.lit(_calendar()).gather(pl.when(slot >= 0).then(slot))).to_series()
    dates = pl.repeat(None, len(v), dtype=pl.Date, eager=True).scatter(positions(rows), found)
    return dates, dates.is_not_null()


_FIRST_YEAR, _YEARS = 1800, 400


@functools.cache
def _calendar() -> pl.Series:
    """Every date of the years covered at its slot (year * 372 + (month - 1) * 31 + day - 1, counting
    years from _FIRST_YEAR); null at the slots of days that do not exist (30 February, 31 April)."""
    days = pl.date_range(datetime.date(_FIRST_YEAR, 1, 1), datetime.date(_FIRST_YEAR + _YEARS - 1, 12, 31), eager=True)
    slots = pl.DataFrame({"d": days}).select(
        (pl.col("d").dt.year().cast(pl.Int64) - _FIRST_YEAR) * 372
        + (pl.col("d").dt.month().cast(pl.Int64) - 1) * 31 + pl.col("d").dt.day().cast(pl.Int64) - 1
    ).to_series()
    return pl.repeat(None, _YEARS * 372, dtype=pl.Date, eager=True).scatter(slots, days)


# A part of a slot that is not there (a byte that is no digit, a month 13, a year outside the calendar):
# so negative that no sum with the other parts comes back to zero.
_NO_SLOT = -(1 << 20)


@functools.cache
def _pair_tables() -> dict[str, pl.Series]:
    """Lookup tables indexed by two bytes read as one little-endian 16-bit number (first byte low):
    what they add to a calendar slot as day, month, the year's last two digits or its first two; and
    whether they are the two separators of a day-first (- / .) or a year-first (- /) date."""
    pair = pl.int_range(0, 1 << 16, dtype=pl.Int32, eager=True)
    low, high = pair % 256, pair // 256
    digits = _within(low, "0", "9") & _within(high, "0", "9")  # type: ignore[arg-type]
    n = (low - ord("0")) * 10 + high - ord("0")

    def table(valid: pl.Series, value: pl.Series) -> pl.Series:
        return pl.select(pl.when(pl.lit(valid)).then(pl.lit(value)).otherwise(_NO_SLOT)).to_series()

    first_century = _FIRST_YEAR // 100
    return {
        "day": table(digits & (n >= 1) & (n <= 31), n - 1),  # type: ignore[arg-type]
        "month": table(digits & (n >= 1) & (n <= 12), (n - 1) * 31),  # type: ignore[arg-type]
        "years": table(digits, n * 372),  # type: ignore[arg-type]
        "centuries": table(digits & (n >= first_century) & (n < first_century + _YEARS // 100),  # type: ignore[arg-type]
                           (n - first_century) * 100 * 372),
        "day_first": table((low == high) & (low >= ord("-")) & (low <= ord("/")), pair * 0),
        "year_first": table((low == high) & ((low == ord("-")) | (low == ord("/"))), pair * 0),
    }


@functools.cache
def _calendar_slot() -> pl.Expr:
    """The calendar slot of ten bytes, read as five byte pairs p0..p4, written day first or year first;
    negative when they are neither or the month or day is out of its range (a slot past the
    calendar's end is too). Each part of the slot is looked up by a byte pair (a digit test, a
    subtraction and a multiplication per byte cost several times more), so a date takes a few sums."""
    tables = {name: pl.lit(series) for name, series in _pair_tables().items()}
    p = [pl.col(f"p{k}") for k in range(5)]

    def slot(century, years, month, day, separators, order):
        # month and separators: two bytes taken from two pairs (the second pair's low byte goes high).
        return (tables["centuries"].gather(century) + tables["years"].gather(years)
                + tables["month"].gather(month[0] // 256 + month[1] % 256 * 256) + tables["day"].gather(day)
                + tables[order].gather(separators[0] % 256 + separators[1] // 256 * 256))

    # dd-mm-yyyy: pairs (d d) (- m) (m -) (y y) (y y); yyyy-mm-dd: (y y) (y y) (- m) (m -) (d d).
    day_first = slot(p[3], p[4], (p[1], p[2]), p[0], (p[1], p[2]), "day_first")
    year_first = slot(p[0], p[1], (p[2], p[3]), p[4], (p[2], p[3]), "year_first")
    # At most one of the two is a slot: the other has a separator where a digit must be.
    return pl.max_horizontal(day_first, year_first).alias("slot")


# Below this many values a column is parsed as it is.
_DISTINCT_FROM = 10_000


def _parse_each(values: pl.Series, *, excel_serials: bool, both: bool = False):
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
        index = positions(todo)
        part = frame[index].select(pl.when(s.str.contains(rx)).then(s.str.to_date(fmt, strict=False))).to_series()
        parsed = parsed.scatter(index, part)
        todo = todo & parsed.is_null()
    if excel_serials and todo.any():
        index = positions(todo)
        serial = s.str.extract(r"^(\d{1,5})(?:\.0+)?$", 1).cast(pl.Int64, strict=False)
        days = pl.when((serial >= 1) & (serial <= 73050)).then(pl.lit(_EXCEL_EPOCH) + pl.duration(days=serial))
        with_serials = parsed.clone().scatter(index, frame[index].select(days.cast(pl.Date)).to_series())
        return (parsed, with_serials) if both else with_serials
    return (parsed, parsed) if both else parsed


def parse_dates_both_ways(values: pl.Series) -> tuple[pl.Series, pl.Series]:
    """parse_dates(values, excel_serials=False) and (..., excel_serials=True) in one pass: the serials
    are tried only on what no date format parsed. Only values that start with a digit (after spaces)
    are looked at: every format and the serials start with one, and samples mostly do not."""
    v = values.cast(pl.String)
    digit = v.str.contains(r"^\s*\d").fill_null(False)
    if digit.all():
        return _parse_each(v, excel_serials=True, both=True)
    without, with_serials = _parse_each(v.filter(digit), excel_serials=True, both=True)
    index = positions(digit)
    empty = pl.repeat(None, len(v), dtype=pl.Date, eager=True).alias(values.name)
    return empty.clone().scatter(index, without), empty.scatter(index, with_serials)  # scatter writes in place


def plausible_birth_date(dates: pl.Expr, today: datetime.date) -> pl.Expr:
    """A birth date between 120 years ago and today."""
    earliest = _years_before(today, 120)
    return dates.is_not_null() & (dates <= today) & (dates >= earliest)


def _years_before(day: datetime.date, years: int) -> datetime.date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February in a year without one
        return day.replace(year=day.year - years, day=28)


def younger_than(dates: pl.Expr, years: int, today: datetime.date) -> pl.Expr:
    """Born after the day ``years`` years before ``today``: not yet that old on ``today``."""
    return (dates > _years_before(today, years)) & (dates <= today)
