"""Column detection: header variants x content, the street-and-number split, masking, special categories."""

import random

import generate
import polars as pl
import pytest

from verwerker.datafiles.detect import (
    detect_columns,
    kind_from_header,
    mask,
    special_categories,
    split_street_and_number,
)
from verwerker.datafiles.kinds import HIGH_KINDS, NAW_KINDS, Kind

RNG = random.Random(3)
CONTENT = {
    "postcode": [generate.postcode(RNG, 1011) for _ in range(60)],
    "iban": [generate.iban_nl(RNG) for _ in range(60)],
    "bsn": [generate.bsn(RNG) for _ in range(60)],
    "email": [f"persoon{i}@example.nl" for i in range(60)],
    "phone": [generate.phone(RNG) for _ in range(60)],
    "date": [f"{RNG.randrange(1, 28):02d}-{RNG.randrange(1, 13):02d}-{RNG.randrange(1940, 2015)}" for _ in range(60)],
    "names": [RNG.choice(generate.LAST) for _ in range(60)],
    "numbers": [str(RNG.randrange(1, 300)) for _ in range(60)],
    "street_and_number": [
        f"{RNG.choice(generate.STREETS)} {RNG.randrange(1, 300)}{RNG.choice(['', 'a', '-2', ' bis'])}"
        for _ in range(60)
    ],
    "initials": [RNG.choice(["J.", "A.B.", "K.L.M.", "P."]) for _ in range(60)],
}

# (header, content, expected kind): the header is confirmed or overruled by what the column holds.
TABLE = [
    ("Voorletters", "initials", Kind.INITIALS),
    ("Tussenvoegsel", "names", Kind.INFIX),
    ("Achternaam", "names", Kind.LAST_NAME),
    ("Huisnr", "numbers", Kind.HOUSE_NUMBER),
    ("Toev.", "names", Kind.HOUSE_NUMBER_ADDITION),
    ("Postcode", "postcode", Kind.POSTCODE),
    ("PC", "postcode", Kind.POSTCODE),
    ("Woonplaats", "names", Kind.CITY),
    ("Geb.datum", "date", Kind.BIRTH_DATE),
    ("Geboortedatum", "numbers", Kind.BIRTH_DATE),  # serials are dates when the header says so
    ("E-mailadres", "email", Kind.EMAIL),
    ("Rekeningnummer", "iban", Kind.IBAN),
    ("IBAN", "iban", Kind.IBAN),
    ("BSN", "bsn", Kind.BSN),
    ("Sofinummer", "bsn", Kind.BSN),
    ("Telefoon", "phone", Kind.PHONE),
    ("Mobiel", "phone", Kind.PHONE),
    ("Adres", "street_and_number", Kind.STREET_AND_NUMBER),
    ("Klantnummer", "numbers", Kind.REFERENCE),
    # content overrules a harmless or wrong header
    ("Veld7", "iban", Kind.IBAN),
    ("Kolom B", "email", Kind.EMAIL),
    ("Klantnummer", "bsn", Kind.BSN),
    ("Postcode", "iban", Kind.IBAN),
    ("Opmerking", "phone", Kind.PHONE),
    ("Veld3", "postcode", Kind.POSTCODE),
    ("Veld4", "date", Kind.BIRTH_DATE),
    ("Veld5", "street_and_number", Kind.STREET_AND_NUMBER),
    ("Veld6", "initials", Kind.INITIALS),
    # nothing identifies it: other (which makes the file high risk)
    ("Veld8", "names", Kind.OTHER),
    ("Veld9", "numbers", Kind.OTHER),
]


@pytest.mark.parametrize("header, content, kind", TABLE)
def test_detection_table(header, content, kind):
    guess = detect_columns(pl.DataFrame({header: CONTENT[content]}))[0]
    assert guess.kind == kind, guess.reasons
    assert guess.filled == 60 and guess.reasons


def test_english_headers_are_understood():
    for header, kind in [("First name", Kind.FIRST_NAME), ("Last name", Kind.LAST_NAME), ("Zip code", Kind.POSTCODE),
                         ("City", Kind.CITY), ("Date of birth", Kind.BIRTH_DATE), ("Email address", Kind.EMAIL),
                         ("Phone number", Kind.PHONE), ("Company", Kind.COMPANY), ("Country", Kind.COUNTRY)]:
        assert kind_from_header(header) == kind, header


def test_invalid_values_are_counted_over_the_whole_column():
    values = CONTENT["iban"][:50] + ["NL00ABNA0123456789"] * 5 + [None] * 5
    guess = detect_columns(pl.DataFrame({"IBAN": values}))[0]
    assert (guess.kind, guess.filled, guess.invalid) == (Kind.IBAN, 55, 5)


def test_an_override_wins_and_says_what_was_detected():
    guess = detect_columns(pl.DataFrame({"Veld7": CONTENT["numbers"]}), overrides={"Veld7": Kind.REFERENCE})[0]
    assert guess.kind == Kind.REFERENCE and "detected as other" in guess.reasons[0]


def test_examples_are_masked_and_never_whole_values():
    guess = detect_columns(pl.DataFrame({"IBAN": CONTENT["iban"]}))[0]
    assert guess.examples and all(e.count("*") == 7 for e in guess.examples)
    assert not set(guess.examples) & set(CONTENT["iban"])
    assert mask("NL91ABNA0417164300") == "N*******0" and mask("de") == "***"


@pytest.mark.parametrize(
    "header, categories",
    [("Diagnose", ["health"]), ("Geloof", ["religion"]), ("Vakbond", ["trade_union"]), ("Strafblad", ["criminal"]),
     ("Medicatie", ["health"]), ("Etniciteit", ["ethnic"]), ("Seksuele geaardheid", ["sexual"]), ("Adres", []),
     ("Ras", ["ethnic"]), ("Woonplaats", [])],
)
def test_column_names_signal_special_categories(header, categories):
    assert special_categories(header) == categories


def test_naw_and_high_kinds_partition_the_kinds():
    assert NAW_KINDS | HIGH_KINDS == set(Kind) and not NAW_KINDS & HIGH_KINDS
    assert {k.value for k in HIGH_KINDS} == {"birth_date", "email", "phone", "iban", "bsn", "free_text", "other"}


@pytest.mark.parametrize(
    "text, parts",
    [
        ("Kerkstraat 12a", ("Kerkstraat", "12", "a", None)),
        ("Atatürkstraat 9-2", ("Atatürkstraat", "9", None, "2")),
        ("Dorpsweg 7 bis", ("Dorpsweg", "7", None, "bis")),
        ("Dorpsweg 7bis", ("Dorpsweg", "7", None, "bis")),
        ("Borgesiusstraat 103 c", ("Borgesiusstraat", "103", "c", None)),
        ("Daniël Stalpertstraat 35 III", ("Daniël Stalpertstraat", "35", None, "III")),
        ("Cronus 555 B73c", ("Cronus", "555", "B", "73c")),
        ("1e Exloërmond 3-2", ("1e Exloërmond", "3", None, "2")),
        ("Laan 12 A 2", ("Laan", "12", "A", "2")),
        ("Postbus 626", ("Postbus", "626", None, None)),
        ("Woonboot tegenover de Grote Sloot", ("Woonboot tegenover de Grote Sloot", None, None, None)),
    ],
)
def test_street_and_number_is_split_into_its_parts(text, parts):
    split = split_street_and_number(pl.Series([text]))
    assert split.columns == ["street", "house_number", "house_number_letter", "house_number_addition"]
    assert split.row(0) == parts
