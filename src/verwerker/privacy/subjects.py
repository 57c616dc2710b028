"""Finding one person's records in a client's files, without keeping who they are (P07). Pure: no ORM.

A data-subject request names a person by e-mail, by postcode and house number, and/or by surname.
Those criteria are personal data; the request register keeps only keyed hashes (HMAC-SHA-256 under a key
derived from the installation's secret) of their normalised forms, and a masked version for people to
read. Records are matched by hashing each record's fields the same way, column by column (vectorised).

Normalisation: lower case; spaces, dots, dashes and apostrophes dropped; postcodes in compact form
(`1234ab`); house numbers as their digits; a surname without its tussenvoegsel (`van der Berg` and
`Berg` match; `Berg, van der` too).
"""

from __future__ import annotations

import hashlib
import hmac
import re
from dataclasses import dataclass

import polars as pl

from verwerker.datafiles.detect import split_street_and_number
from verwerker.datafiles.kinds import Kind

_DROP = r"[\s.\-'`’,]"


def _norm_text(value: str) -> str:
    return re.sub(_DROP, "", value.strip().lower())


def _norm_surname(value: str) -> str:
    value = value.split(",")[0] if "," in value else value
    words = value.strip().split()
    while len(words) > 1 and words[0][:1].islower():
        words = words[1:]  # tussenvoegsel: van, der, de, ten, 't ...
    return _norm_text(" ".join(words))


def _norm_postcode(value: str) -> str:
    return re.sub(r"[\s\-]", "", value).upper().removeprefix("NL").lower()


def _norm_number(value: str) -> str:
    match = re.match(r"\s*(\d+)", value)
    return match.group(1).lstrip("0") if match else ""


@dataclass(frozen=True)
class Criteria:
    """What identifies the person, as given by the client's contact. Not stored: only its keys and mask."""

    email: str = ""
    postcode: str = ""
    house_number: str = ""
    surname: str = ""

    def is_usable(self) -> bool:
        return bool(self.email.strip() or (self.postcode.strip() and self.house_number.strip()))

    def mask(self) -> str:
        def m(text: str) -> str:
            text = text.strip()
            return text[:1] + "*" * max(len(text) - 2, 1) + text[-1:] if len(text) > 2 else "*" * len(text)

        parts = []
        if self.surname:
            parts.append(m(self.surname))
        if self.postcode:
            parts.append(f"{self.postcode.strip()[:4]} ** {m(self.house_number)}")
        if self.email:
            local, _, domain = self.email.partition("@")
            parts.append(f"{m(local)}@{domain}")
        return ", ".join(parts)


def _keyed(secret: bytes, label: str, value: str) -> str:
    return hmac.new(secret, f"{label}:{value}".encode(), hashlib.sha256).hexdigest()


def criteria_keys(criteria: Criteria, secret: bytes) -> dict[str, str]:
    """The keyed hashes stored with a request: e-mail; postcode+number; surname (each only if given)."""
    keys = {}
    if criteria.email.strip():
        keys["email"] = _keyed(secret, "email", _norm_text(criteria.email))
    if criteria.postcode.strip() and criteria.house_number.strip():
        keys["address"] = _keyed(
            secret, "address", _norm_postcode(criteria.postcode) + "|" + _norm_number(criteria.house_number)
        )
    if criteria.surname.strip():
        keys["surname"] = _keyed(secret, "surname", _norm_surname(criteria.surname))
    return keys


def _hash_column(values: pl.Series, secret: bytes, label: str, normalise) -> pl.Series:
    # Distinct values only: postcodes and surnames repeat, and an HMAC is per value anyway.
    uniques = values.drop_nulls().unique()
    table = {v: _keyed(secret, label, normalise(v)) for v in uniques.to_list()}
    return values.replace_strict(table, default=None, return_dtype=pl.String)


def matching_rows(frame: pl.DataFrame, kinds: dict[str, Kind], keys: dict[str, str], secret: bytes) -> list[int]:
    """Row indexes of the records that belong to the person.

    A record matches on the e-mail, or on postcode + house number; when a surname was given as well, an
    address match must also have that surname (one household, several people).
    """
    by_kind: dict[Kind, str] = {}
    for column, kind in kinds.items():
        by_kind.setdefault(kind, column)
    match = pl.Series([False] * frame.height)
    if "email" in keys and Kind.EMAIL in by_kind:
        hashed = _hash_column(frame[by_kind[Kind.EMAIL]], secret, "email", _norm_text)
        match = match | (hashed == keys["email"]).fill_null(False)
    if (
        "address" in keys
        and Kind.POSTCODE in by_kind
        and (Kind.HOUSE_NUMBER in by_kind or Kind.STREET_AND_NUMBER in by_kind)
    ):
        if Kind.HOUSE_NUMBER in by_kind:
            numbers = frame[by_kind[Kind.HOUSE_NUMBER]]
        else:
            numbers = (
                split_street_and_number(frame[by_kind[Kind.STREET_AND_NUMBER]])
                .get_column("house_number")
                .cast(pl.String)
            )
        combined = (
            pl.DataFrame({"p": frame[by_kind[Kind.POSTCODE]], "n": numbers.cast(pl.String)})
            .select(pl.concat_str([pl.col("p").fill_null(""), pl.col("n").fill_null("")], separator="\x1f"))
            .to_series()
        )
        hashed = _hash_column(
            combined, secret, "address",
            lambda v: _norm_postcode(v.split("\x1f")[0]) + "|" + _norm_number(v.split("\x1f")[1]),
        )
        address = (hashed == keys["address"]).fill_null(False)
        surname_column = by_kind.get(Kind.LAST_NAME) or by_kind.get(Kind.FULL_NAME)
        if "surname" in keys and surname_column:
            normalise = _norm_surname if surname_column == by_kind.get(Kind.LAST_NAME) else (
                lambda v: _norm_surname(v.split()[-1]) if v.split() else ""
            )
            surnames = _hash_column(frame[surname_column], secret, "surname", normalise)
            address = address & (surnames == keys["surname"]).fill_null(False)
        match = match | address
    return match.arg_true().to_list()
