"""The kinds of column a client file can hold, and which of them count as NAW (risk class standard, P23)."""

from __future__ import annotations

import enum


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
