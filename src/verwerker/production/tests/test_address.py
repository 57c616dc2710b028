import pytest

from verwerker.production.address import (
    Unaddressable,
    abbreviate_street,
    build_address_block,
    normalise_initials,
    normalise_postcode,
    number_text,
)

NL = {"postcode": "1234 AB", "city": "Amsterdam"}

# (record, expected lines, expected KIX). DOMAIN.md §1.2 examples first, then edge cases.
CASES = [
    # Aanduiding bij huisnummer (DOMAIN.md §1.2): by or opposite a numbered address.
    (
        {"last_name": "Jansen", "street": "Graan voor Visch", "house_number": "bij 15201", **NL},
        ["Jansen", "Graan voor Visch bij 15201", "1234 AB  AMSTERDAM"],
        "1234AB15201",
    ),
    (
        {"last_name": "Jansen", "street_and_number": "1e Exloërmond t/o 3-2", **NL},
        ["Jansen", "1e Exloërmond t/o 3-2", "1234 AB  AMSTERDAM"],
        "1234AB3X2",
    ),
    (
        {"last_name": "Jansen", "street": "Kerkstraat t/o", "house_number": "5", **NL},
        ["Jansen", "Kerkstraat t/o 5", "1234 AB  AMSTERDAM"],
        "1234AB5",
    ),
    (
        {"last_name": "Jansen", "street": "Kerkstraat", "house_number": "to 7a", **NL},
        ["Jansen", "Kerkstraat t/o 7 a", "1234 AB  AMSTERDAM"],
        "1234AB7XA",
    ),
    (
        {"last_name": "Jansen", "street": "Dijkweg", "house_number": "BY 12", **NL},
        ["Jansen", "Dijkweg bij 12", "1234 AB  AMSTERDAM"],
        "1234AB12",
    ),
    (
        {"last_name": "Jansen", "street": "Borgesiusstraat", "house_number": "103", "house_number_letter": "c", **NL},
        ["Jansen", "Borgesiusstraat 103 c", "1234 AB  AMSTERDAM"],
        "1234AB103XC",
    ),
    (
        {"last_name": "Jansen", "street": "Atatürkstraat", "house_number": "9", "house_number_addition": "2", **NL},
        ["Jansen", "Atatürkstraat 9-2", "1234 AB  AMSTERDAM"],
        "1234AB9X2",
    ),
    (
        {
            "last_name": "Jansen",
            "street": "Daniël Stalpertstraat",
            "house_number": "35",
            "house_number_addition": "III",
            **NL,
        },
        ["Jansen", "Daniël Stalpertstraat 35 III", "1234 AB  AMSTERDAM"],
        "1234AB35XIII",
    ),
    (
        {
            "last_name": "Jansen",
            "street": "St. Jacobsstraat",
            "house_number": "400",
            "house_number_letter": "L",
            "house_number_addition": "Toe",
            **NL,
        },
        ["Jansen", "St. Jacobsstraat 400 LToe", "1234 AB  AMSTERDAM"],
        "1234AB400XLTOE",
    ),
    (
        {
            "last_name": "Jansen",
            "street": "Cronus",
            "house_number": "555",
            "house_number_letter": "B",
            "house_number_addition": "73c",
            **NL,
        },
        ["Jansen", "Cronus 555 B73c", "1234 AB  AMSTERDAM"],
        "1234AB555XB73C",
    ),
    (
        {
            "last_name": "Jansen",
            "street": "Jonkheer van Riemsdijkln",
            "house_number": "88",
            "postcode": "2583XL",
            "city": "Scheveningen",
        },
        ["Jansen", "Jonkheer van Riemsdijkln 88", "2583 XL  SCHEVENINGEN"],
        "2583XL88",
    ),
    (
        {
            "last_name": "Jansen",
            "street": "Lange Poten",
            "house_number": "1",
            "postcode": "2584 bz",
            "city": "'s-Gravenhage",
        },
        ["Jansen", "Lange Poten 1", "2584 BZ  'S-GRAVENHAGE"],
        "2584BZ1",
    ),
    # Names: salutation, initials, tussenvoegsel, capitalisation.
    (
        {
            "salutation": "dhr",
            "initials": "J",
            "infix": "van der",
            "last_name": "Berg",
            "street": "Kerkstraat",
            "house_number": "1",
            **NL,
        },
        ["De heer J. van der Berg", "Kerkstraat 1", "1234 AB  AMSTERDAM"],
        "1234AB1",
    ),
    (
        {
            "salutation": "De heer",
            "infix": "van der",
            "last_name": "Berg",
            "street": "Kerkstraat",
            "house_number": "1",
            **NL,
        },
        ["De heer Van der Berg", "Kerkstraat 1", "1234 AB  AMSTERDAM"],
        "1234AB1",
    ),
    (
        {"infix": "Van Der", "last_name": "Berg", "street": "Kerkstraat", "house_number": "1", **NL},
        ["Van der Berg", "Kerkstraat 1", "1234 AB  AMSTERDAM"],
        "1234AB1",
    ),
    (
        {
            "last_name": "van den Heuvel",
            "initials": "A.B.",
            "gender": "V",
            "street": "Kerkstraat",
            "house_number": "1",
            **NL,
        },
        ["Mevrouw A.B. van den Heuvel", "Kerkstraat 1", "1234 AB  AMSTERDAM"],
        "1234AB1",
    ),
    (
        {
            "salutation": "mevr.",
            "initials": "jp",
            "last_name": "JANSEN-DE VRIES",
            "street": "Kerkstraat",
            "house_number": "1",
            **NL,
        },
        ["Mevrouw J.P. Jansen-de Vries", "Kerkstraat 1", "1234 AB  AMSTERDAM"],
        "1234AB1",
    ),
    (
        {"salutation": "fam", "last_name": "de jong", "street": "Kerkstraat", "house_number": "1", **NL},
        ["Familie De Jong", "Kerkstraat 1", "1234 AB  AMSTERDAM"],
        "1234AB1",
    ),
    (
        {"first_name": "Kees", "last_name": "Bakker", "street": "Kerkstraat", "house_number": "1", **NL},
        ["Kees Bakker", "Kerkstraat 1", "1234 AB  AMSTERDAM"],
        "1234AB1",
    ),
    (
        {"full_name": "van Dijk", "street": "Kerkstraat", "house_number": "1", **NL},
        ["Van Dijk", "Kerkstraat 1", "1234 AB  AMSTERDAM"],
        "1234AB1",
    ),
    (
        {"initials": "Th.", "last_name": "McBride", "street": "Kerkstraat", "house_number": "1", **NL},
        ["Th. McBride", "Kerkstraat 1", "1234 AB  AMSTERDAM"],
        "1234AB1",
    ),
    # Companies and departments.
    (
        {
            "company": "Bakkerij Jansen B.V.",
            "department": "Administratie",
            "salutation": "dhr",
            "initials": "K",
            "last_name": "Visser",
            "street": "Kerkstraat",
            "house_number": "1",
            **NL,
        },
        ["Bakkerij Jansen B.V.", "Administratie", "t.a.v. De heer K. Visser", "Kerkstraat 1", "1234 AB  AMSTERDAM"],
        "1234AB1",
    ),
    (
        {
            "company": "Stadsregio Amsterdam",
            "street": "Postbus",
            "house_number": "626",
            "postcode": "1000AP",
            "city": "Amsterdam",
        },
        ["Stadsregio Amsterdam", "Postbus 626", "1000 AP  AMSTERDAM"],
        "1000AP626",
    ),
    (
        {"company": "Gemeente", "street_and_number": "Postbus 30250", "postcode": "2500 GG", "city": "'s-Gravenhage"},
        ["Gemeente", "Postbus 30250", "2500 GG  'S-GRAVENHAGE"],
        "2500GG30250",
    ),
    (
        {
            "company": "Voorbeeld",
            "street": "antwoordnummer",
            "house_number": "80430",
            "postcode": "2130 VA",
            "city": "Hoofddorp",
        },
        ["Voorbeeld", "Antwoordnummer 80430", "2130 VA  HOOFDDORP"],
        "2130VA80430",
    ),
    # Client columns that mix number, letter and addition.
    (
        {"last_name": "Jansen", "street": "Kogge", "house_number": "11-1", "postcode": "1657 KA", "city": "Abbekerk"},
        ["Jansen", "Kogge 11-1", "1657 KA  ABBEKERK"],
        "1657KA11X1",
    ),
    (
        {"last_name": "Jansen", "street": "Kerkstraat", "house_number": "12a", **NL},
        ["Jansen", "Kerkstraat 12 a", "1234 AB  AMSTERDAM"],
        "1234AB12XA",
    ),
    (
        {"last_name": "Jansen", "street": "Kerkstraat", "house_number": "012", "house_number_addition": "-hs", **NL},
        ["Jansen", "Kerkstraat 12 hs", "1234 AB  AMSTERDAM"],
        "1234AB12XHS",
    ),
    (
        {"last_name": "Jansen", "street": "Kerkstraat", "house_number": "7", "house_number_addition": "B", **NL},
        ["Jansen", "Kerkstraat 7 B", "1234 AB  AMSTERDAM"],
        "1234AB7XB",
    ),
    (
        {"last_name": "Jansen", "street_and_number": "Daniël Stalpertstraat 35 III", **NL},
        ["Jansen", "Daniël Stalpertstraat 35 III", "1234 AB  AMSTERDAM"],
        "1234AB35XIII",
    ),
    (
        {"last_name": "Jansen", "street_and_number": "2e Jan Steenstraat 4-2", **NL},
        ["Jansen", "2e Jan Steenstraat 4-2", "1234 AB  AMSTERDAM"],
        "1234AB4X2",
    ),
    (
        {"last_name": "Jansen", "street": "Plein 1944", "house_number": "3", **NL},
        ["Jansen", "Plein 1944 3", "1234 AB  AMSTERDAM"],
        "1234AB3",
    ),
    (
        {"last_name": "Jansen", "address_line": "Kerkstraat 5", **NL},
        ["Jansen", "Kerkstraat 5", "1234 AB  AMSTERDAM"],
        "1234AB5",
    ),
    (
        {"last_name": "Jansen", "street": "Kerkstraat", "house_number": "1", "country": "Nederland", **NL},
        ["Jansen", "Kerkstraat 1", "1234 AB  AMSTERDAM"],
        "1234AB1",
    ),
    # A PostNL-supplied KIX is printed as given.
    (
        {"last_name": "Jansen", "street": "Kerkstraat", "house_number": "1", "kix": "1234ab1xz", **NL},
        ["Jansen", "Kerkstraat 1", "1234 AB  AMSTERDAM"],
        "1234AB1XZ",
    ),
    # Foreign: lines as written, town and country (English) in capitals, no KIX.
    (
        {
            "last_name": "Peeters",
            "street": "Rue de la Loi",
            "house_number": "16",
            "postcode": "1000",
            "city": "Brussel",
            "country": "België",
        },
        ["Peeters", "Rue de la Loi 16", "1000  BRUSSEL", "BELGIUM"],
        "",
    ),
    (
        {
            "initials": "H",
            "last_name": "Müller",
            "street_and_number": "Hauptstraße 5",
            "postcode": "10115",
            "city": "Berlin",
            "country": "DE",
        },
        ["H. Müller", "Hauptstraße 5", "10115  BERLIN", "GERMANY"],
        "",
    ),
    (
        {
            "last_name": "Smith",
            "address_line": "10 Downing Street",
            "postcode": "SW1A 2AA",
            "city": "London",
            "country": "Verenigd Koninkrijk",
        },
        ["Smith", "10 Downing Street", "SW1A 2AA  LONDON", "UNITED KINGDOM"],
        "",
    ),
    (
        {
            "company": "Acme",
            "department": "Sales",
            "last_name": "Doe",
            "address_line": "1 Main St",
            "address_line_2": "Suite 5",
            "city": "Springfield",
            "country": "usa",
        },
        ["Acme", "Sales", "t.a.v. Doe", "1 Main St", "Suite 5", "SPRINGFIELD", "UNITED STATES OF AMERICA"],
        None,
    ),
]


@pytest.mark.parametrize(("record", "lines", "kix"), CASES)
def test_the_address_block_follows_nen_5825(record, lines, kix):
    if kix is None:
        with pytest.raises(Unaddressable, match="more than 6"):
            build_address_block(record)
        return
    block = build_address_block(record)
    assert list(block.lines) == lines
    assert block.kix == kix
    assert 3 <= len(block.lines) <= 6
    assert block.domestic == (kix != "")


REJECTS = [
    ({"street": "Kerkstraat", "house_number": "1", **NL}, "no name"),
    (
        {"last_name": "Jansen", "street": "Kerkstraat", "house_number": "1", "postcode": "1234 SS", "city": "X"},
        "postcode",
    ),
    (
        {"last_name": "Jansen", "street": "Kerkstraat", "house_number": "1", "postcode": "0123 AB", "city": "X"},
        "postcode",
    ),
    ({"last_name": "Jansen", "street": "Kerkstraat", "house_number": "0", **NL}, "house number"),
    ({"last_name": "Jansen", "street": "Kerkstraat", "house_number": ".", **NL}, "house number"),
    ({"last_name": "Jansen", "street": ".", "house_number": "4", **NL}, "street"),
    ({"last_name": "Jansen", "street": "Kerkstraat", "house_number": "1", "postcode": "1234 AB"}, "town"),
    ({"last_name": "Jansen", "street": "Kerkstraat", "house_number": "1", "country": "Atlantis", **NL}, "country"),
    (
        {
            "last_name": "Jansen",
            "street": "Een Heel Erg Lange Straatnaam Zonder Afkortingen",
            "house_number": "1",
            **NL,
        },
        "longer than",
    ),
]


@pytest.mark.parametrize(("record", "reason"), REJECTS)
def test_unaddressable_records_get_a_reason_without_personal_data(record, reason):
    with pytest.raises(Unaddressable) as info:
        build_address_block(record)
    assert reason in info.value.reason
    assert "Jansen" not in info.value.reason and "Kerkstraat" not in info.value.reason


def test_long_street_names_are_abbreviated_only_when_the_line_does_not_fit():
    record = {"last_name": "Jansen", "street": "Burgemeester Van Roijensingel Noordzijde", "house_number": "400",
              "house_number_letter": "L", "house_number_addition": "Toe", **NL}
    assert build_address_block(record).lines[1] == "Burg Van Roijensngl Noordzijde 400 LToe"
    assert build_address_block(record, line_length=45).lines[1] == "Burg Van Roijensingel Noordzijde 400 LToe"
    assert build_address_block(record, line_length=60).lines[1] == "Burgemeester Van Roijensingel Noordzijde 400 LToe"
    assert abbreviate_street("Burgemeester W. van Eertenstraat", 24) == "Burg W. van Eertenstraat"


def test_the_greeting_capitalises_the_infix_after_the_title():
    block = build_address_block({"salutation": "dhr", "initials": "J", "infix": "van der", "last_name": "Berg",
                                 "street": "Kerkstraat", "house_number": "1", **NL})
    assert block.greeting == "Geachte heer Van der Berg,"


@pytest.mark.parametrize(("raw", "expected"), [("1234ab", "1234 AB"), ("1234 AB", "1234 AB"), (" 1234-ab ", "1234 AB"),
                                               ("NL-1234AB", "1234 AB"), ("1234 FQ", "1234 FQ"), ("1234 SD", None),
                                               ("123 AB", None), ("", None)])
def test_postcodes_are_normalised_and_validated(raw, expected):
    assert normalise_postcode(raw) == expected


@pytest.mark.parametrize(("parts", "expected"), [((1, "", ""), "1"), ((103, "c", ""), "103 c"), ((9, "", "2"), "9-2"),
                                                 ((35, "", "III"), "35 III"), ((400, "L", "Toe"), "400 LToe")])
def test_the_separator_is_a_hyphen_only_before_a_digit(parts, expected):
    assert number_text(*parts) == expected


@pytest.mark.parametrize(("raw", "expected"), [("J", "J."), ("jp", "J.P."), ("J P", "J.P."), ("J.P", "J.P."),
                                               ("Th.", "Th."), ("IJ.", "IJ.")])
def test_initials_are_normalised(raw, expected):
    assert normalise_initials(raw) == expected
