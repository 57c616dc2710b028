"""Vectorised checks on whole columns: Dutch postcode, IBAN, BSN, e-mail, phone shape, dates.

Each function takes a polars expression of strings and returns an expression (boolean for checks,
null where the input is null). They are written as staged expressions (intermediate columns, never
one row at a time in Python), which DESIGN.md measured at millions of values per second. The rules
follow python-stdnum 2.2 exactly for postcode, IBAN and BSN; the tests compare verdicts with stdnum
on randomly generated values, so any drift shows up there.
"""

from __future__ import annotations

import datetime
import functools
import re

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


# ---------------------------------------------------------------------------------------------- postcode

_POSTCODE_RE = r"^[1-9][0-9]{3}[A-Z]{2}$"


def compact_postcode(expr: pl.Expr) -> pl.Expr:
    """stdnum.nl.postcode.compact: drop spaces and dashes, uppercase, strip an ``NL`` prefix."""
    s = _delete(expr, " -").str.to_uppercase().str.strip_chars()
    return pl.when(s.str.starts_with("NL")).then(s.str.slice(2)).otherwise(s)


def is_postcode(expr: pl.Expr) -> pl.Expr:
    """Valid Dutch postcode (four digits 1000-9999, two letters, never SA/SD/SS; F I O Q U Y allowed)."""
    s = compact_postcode(expr)
    return s.str.contains(_POSTCODE_RE) & ~s.str.slice(4, 2).is_in(["SA", "SD", "SS"])


def format_postcode(expr: pl.Expr) -> pl.Expr:
    """``1234 AB`` for valid postcodes, null otherwise."""
    s = compact_postcode(expr)
    return pl.when(is_postcode(expr)).then(s.str.slice(0, 4) + pl.lit(" ") + s.str.slice(4, 2))


# -------------------------------------------------------------------------------------------------- IBAN


@functools.cache
def _iban_structure_regex() -> str:
    """One alternation over every country in stdnum's copy of the SWIFT IBAN registry."""
    from stdnum import numdb

    db = numdb.get("iban")
    conv = {"n": "[0-9]", "a": "[A-Z]", "c": "[A-Za-z0-9]"}
    parts = []
    for line in db.prefixes:  # (length, low, high, props, children)
        _length, low, high, props, _children = line
        if low != high or "bban" not in props:
            continue
        bban = re.sub(r"([1-9][0-9]*)!([nac])", lambda m: f"{conv[m.group(2)]}{{{m.group(1)}}}", props["bban"])
        parts.append(f"{low}[0-9A-Z]{{2}}{bban}")
    return "^(?:" + "|".join(sorted(parts)) + ")$"


# Countries for which stdnum runs an extra national check: rows from these go through stdnum itself.
_IBAN_NATIONAL_CHECKS = ("BE", "ES", "ME", "NO")


def compact_iban(expr: pl.Expr) -> pl.Expr:
    return _delete(expr, " -.").str.strip_chars().str.to_uppercase()


def _mod97(digits: pl.Expr) -> pl.Expr:
    """Remainder mod 97 of a decimal string of up to 80 digits, seven digits at a time."""
    rem = pl.lit(0, dtype=pl.Int64)
    for start in range(0, 84, 7):
        chunk = digits.str.slice(start, 7)
        width = chunk.str.len_chars()
        value = chunk.cast(pl.Int64, strict=False).fill_null(0)
        rem = (rem * pl.lit(10, dtype=pl.Int64).pow(width).cast(pl.Int64) + value) % 97
    return rem


_LETTER_DIGITS = {chr(c): str(c - ord("A") + 10) for c in range(ord("A"), ord("Z") + 1)}


def is_iban(expr: pl.Expr) -> pl.Expr:
    """Valid IBAN: ISO 7064 mod 97-10 and the registry's per-country structure (stdnum.iban.is_valid)."""
    s = compact_iban(expr)
    shaped = s.str.contains(_iban_structure_regex())
    rearranged = s.str.slice(4) + s.str.slice(0, 4)
    digits = rearranged.str.replace_many(list(_LETTER_DIGITS), list(_LETTER_DIGITS.values()))
    ok = shaped & (_mod97(digits) == 1)
    national = s.str.slice(0, 2).is_in(list(_IBAN_NATIONAL_CHECKS))
    # Four countries have national rules on top; those rows are rare in Dutch files, so stdnum checks them.
    return pl.when(ok & national).then(s.map_elements(_stdnum_iban, return_dtype=pl.Boolean)).otherwise(ok)


def _stdnum_iban(value: str) -> bool:
    from stdnum import iban

    return iban.is_valid(value)


# --------------------------------------------------------------------------------------------------- BSN


def compact_bsn(expr: pl.Expr) -> pl.Expr:
    return _delete(expr, " -.").str.strip_chars().str.pad_start(9, "0")


def is_bsn(expr: pl.Expr) -> pl.Expr:
    """Valid BSN (stdnum.nl.bsn.is_valid): nine digits, not all zero, passes the eleven-test."""
    s = compact_bsn(expr)
    shaped = s.str.contains(r"^[0-9]{9}$") & (s != "000000000")
    total = pl.lit(0, dtype=pl.Int64)
    for i in range(8):
        total = total + (9 - i) * s.str.slice(i, 1).cast(pl.Int64, strict=False).fill_null(0)
    total = total - s.str.slice(8, 1).cast(pl.Int64, strict=False).fill_null(0)
    return shaped & (total % 11 == 0)


# ------------------------------------------------------------------------------------- e-mail and phone

# A pragmatic RFC 5322 subset: what e-mail-validator accepts for ordinary addresses, without DNS.
_EMAIL_RE = r"^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}$"


def is_email(expr: pl.Expr) -> pl.Expr:
    return expr.str.strip_chars().str.contains(_EMAIL_RE)


def phone_shape(expr: pl.Expr) -> pl.Expr:
    """Plausible phone number by shape: Dutch national (0 + 9 digits) or international (+/00, 8-15 digits).

    The exact check is phonenumbers (used on samples in detection); this shape check is what runs over
    a whole column, since libphonenumber has no vectorised form.
    """
    s = expr.str.replace_all(r"[\s\-().\u00a0/]", "")
    return s.str.contains(r"^(?:0[1-9][0-9]{8}|(?:\+|00)[1-9][0-9]{7,14})$")


def is_phone_exact(value: str) -> bool:
    """phonenumbers' verdict on one value, Dutch numbers without country code accepted."""
    import phonenumbers

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


def parse_date(expr: pl.Expr, *, excel_serials: bool = True) -> pl.Expr:
    """Parse a column of dates written in the formats Dutch files use; null where it is not a date.

    Excel serial numbers (days since 1899-12-30; 1 to 73050, up to the year 2100) are accepted only when
    asked, since a column of plain numbers is only a date when its header says so.
    """
    s = expr.str.strip_chars().str.replace(r"[ T]00:00(:00(\.0+)?)?$", "")
    candidates = [
        pl.when(s.str.contains(rx)).then(s.str.to_date(fmt, strict=False)) for rx, fmt in _DATE_FORMATS
    ]
    if excel_serials:
        serial = s.str.extract(r"^(\d{1,5})(?:\.0+)?$", 1).cast(pl.Int64, strict=False)
        candidates.append(
            pl.when((serial >= 1) & (serial <= 73050)).then(
                pl.lit(_EXCEL_EPOCH) + pl.duration(days=serial)
            ).cast(pl.Date)
        )
    return pl.coalesce(candidates)


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
