"""The kinds of column a client file can hold, and which of them count as NAW (risk class standard, P23)."""

from __future__ import annotations

import enum

from django.utils.translation import gettext


class Kind(str, enum.Enum):
    SALUTATION = "salutation"
    INITIALS = "initials"
    FIRST_NAME = "first_name"
    INFIX = "infix"
    LAST_NAME = "last_name"
    FULL_NAME = "full_name"
    COMPANY = "company"
    DEPARTMENT = "department"
    STREET = "street"
    HOUSE_NUMBER = "house_number"
    HOUSE_NUMBER_LETTER = "house_number_letter"
    HOUSE_NUMBER_ADDITION = "house_number_addition"
    STREET_AND_NUMBER = "street_and_number"
    ADDRESS_LINE = "address_line"
    POSTCODE = "postcode"
    CITY = "city"
    COUNTRY = "country"
    GENDER = "gender"
    REFERENCE = "reference"
    BIRTH_DATE = "birth_date"
    EMAIL = "email"
    PHONE = "phone"
    IBAN = "iban"
    BSN = "bsn"
    FREE_TEXT = "free_text"
    OTHER = "other"

    def __str__(self) -> str:
        return self.value


# Name, address, town and their parts, salutation/gender and a client reference number: a file holding
# only these is risk class "standard". Everything else makes it "high" (DESIGN.md, P23).
NAW_KINDS: frozenset[Kind] = frozenset(
    {
        Kind.SALUTATION, Kind.INITIALS, Kind.FIRST_NAME, Kind.INFIX, Kind.LAST_NAME, Kind.FULL_NAME,
        Kind.COMPANY, Kind.DEPARTMENT, Kind.STREET, Kind.HOUSE_NUMBER, Kind.HOUSE_NUMBER_LETTER,
        Kind.HOUSE_NUMBER_ADDITION, Kind.STREET_AND_NUMBER, Kind.ADDRESS_LINE, Kind.POSTCODE, Kind.CITY,
        Kind.COUNTRY, Kind.GENDER, Kind.REFERENCE,
    }
)
HIGH_KINDS: frozenset[Kind] = frozenset(Kind) - NAW_KINDS


def _(text: str) -> str:
    """Marks a label for the catalogue; ``label`` translates it when it is shown (this module stays free of
    Django at import, as profile.py and read.py use it in pure code)."""
    return text


# What a person reads for each kind (the code stays in profiles, mappings and JSON).
LABELS: dict[str, str] = {
    Kind.SALUTATION: _("Salutation"), Kind.INITIALS: _("Initials"), Kind.FIRST_NAME: _("First name"),
    Kind.INFIX: _("Infix"), Kind.LAST_NAME: _("Last name"), Kind.FULL_NAME: _("Full name"),
    Kind.COMPANY: _("Company"), Kind.DEPARTMENT: _("Department"), Kind.STREET: _("Street"),
    Kind.HOUSE_NUMBER: _("House number"), Kind.HOUSE_NUMBER_LETTER: _("House letter"),
    Kind.HOUSE_NUMBER_ADDITION: _("House number addition"), Kind.STREET_AND_NUMBER: _("Street and number"),
    Kind.ADDRESS_LINE: _("Address line"), Kind.POSTCODE: _("Postcode"), Kind.CITY: _("City"),
    Kind.COUNTRY: _("Country"), Kind.GENDER: _("Gender"), Kind.REFERENCE: _("Reference"),
    Kind.BIRTH_DATE: _("Date of birth"), Kind.EMAIL: _("E-mail address"), Kind.PHONE: _("Phone number"),
    Kind.IBAN: _("IBAN"), Kind.BSN: _("BSN"), Kind.FREE_TEXT: _("Free text"), Kind.OTHER: _("Other"),
}


def label(kind: str) -> str:
    """The kind as a person reads it, in the active language; an unknown code is shown as it is."""

    text = LABELS.get(kind)
    return gettext(text) if text else str(kind)


# What a person reads for each special category a column name can point at (detect.SPECIAL_SIGNS: GDPR art. 9
# and 10; "bsn" is shown as the BSN flag, not as a category).
SPECIAL_LABELS: dict[str, str] = {
    "health": _("health data"), "religion": _("religion or belief"), "trade_union": _("trade union membership"),
    "political": _("political opinions"), "ethnic": _("racial or ethnic origin"),
    "sexual": _("sex life or sexual orientation"), "genetic": _("genetic data"), "biometric": _("biometric data"),
    "criminal": _("criminal convictions and offences"), "bsn": _("BSN"),
}


def special_label(category: str) -> str:
    """A special category as a person reads it, in the active language; an unknown code as it is."""
    text = SPECIAL_LABELS.get(category)
    return gettext(text) if text else str(category)
