"""Checks of the statement's company and contact fields (P02), with well-kept rules. Pure: no ORM.

IBAN and VAT numbers go through python-stdnum (the Dutch btw-identificatienummer through stdnum.nl.btw,
other EU numbers through stdnum.eu.vat), phone numbers through phonenumbers (libphonenumber's
metadata), e-mail and website through Django's validators, postcodes through the production engine's
address module. Each check returns the value in its normal form or raises FieldProblem with a one-line
message that does not repeat the value.
"""

from __future__ import annotations

import re

import phonenumbers
from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator, URLValidator
from stdnum import iban as stdnum_iban
from stdnum.eu import vat as stdnum_vat
from stdnum.exceptions import ValidationError as StdnumError
from stdnum.nl import btw as stdnum_btw

from verwerker.production.address import country_of, normalise_postcode


class FieldProblem(ValueError):
    """A field's value is not valid; ``str(exc)`` says what is wrong without repeating the value."""


def clean_iban(value: str) -> str:
    try:
        return stdnum_iban.validate(value)
    except StdnumError:
        raise FieldProblem("not a valid IBAN (the check digits or the country's format do not match)") from None


def clean_vat(value: str) -> str:
    """A Dutch btw-identificatienummer ('NL' + 9 digits + 'B' + 2 digits) or another EU VAT number."""
    try:
        compact = re.sub(r"[\s.\-/]", "", value).upper()
        if compact[:2] == "NL" or not compact[:2].isalpha():
            return "NL" + stdnum_btw.validate(compact)
        return stdnum_vat.validate(value)
    except StdnumError:
        raise FieldProblem("not a valid EU VAT number") from None


_KVK = re.compile(r"\d{8}")


def clean_kvk(value: str) -> str:
    """The Chamber of Commerce number: exactly eight digits (it has carried no check digit since 2016)."""
    compact = re.sub(r"[\s.]", "", value)
    if not _KVK.fullmatch(compact):
        raise FieldProblem("a KvK number has exactly eight digits")
    return compact


def clean_phone(value: str, country: str = "NL") -> str:
    """The number in international (E.164) form; numbers without a country code are read as ``country``'s."""
    try:
        number = phonenumbers.parse(value, country or "NL")
    except phonenumbers.NumberParseException:
        raise FieldProblem("not a phone number") from None
    if not phonenumbers.is_valid_number(number):
        raise FieldProblem("not a valid phone number for its country")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def clean_email(value: str) -> str:
    value = value.strip()
    try:
        EmailValidator()(value)
    except ValidationError:
        raise FieldProblem("not a valid e-mail address") from None
    return value


def clean_website(value: str) -> str:
    value = value.strip()
    if "://" not in value:
        value = "https://" + value
    try:
        URLValidator(schemes=["http", "https"])(value)
    except ValidationError:
        raise FieldProblem("not a valid website address") from None
    return value


def clean_country(value: str) -> str:
    """An ISO 3166 code for the country as written (empty: the Netherlands)."""
    found = country_of(value or "")
    if found is None:
        raise FieldProblem("country not recognised")
    return found[0]


def clean_postcode(value: str, country: str) -> str:
    """Dutch postcodes in the notation '1234 AB' (NEN 5825); foreign ones as written."""
    if country != "NL":
        return value.strip()
    postcode = normalise_postcode(value)
    if postcode is None:
        raise FieldProblem("not a valid Dutch postcode (four digits and two letters)")
    return postcode


CLEANERS = {"iban": clean_iban, "vat": clean_vat, "kvk": clean_kvk, "email": clean_email, "website": clean_website}
