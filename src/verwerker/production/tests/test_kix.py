import pytest

from verwerker.production.kix import KRSET, KixError, clean_supplied_kix, kix_bars, kix_content

# Public test vectors, DOMAIN.md §2.2.
VECTORS = [
    (("1231 FZ", 13, "", "HS"), "1231FZ13XHS"),
    (("2500 GG", 30250, "", ""), "2500GG30250"),  # Postbus 30250, 's-Gravenhage
    (("1657 KA", 11, "", "1"), "1657KA11X1"),  # Kogge 11-1, Abbekerk
    (("2130 VA", 80430, "", ""), "2130VA80430"),  # Antwoordnummer 80430, Hoofddorp
    (("1234 ab", "5", "", "hs"), "1234AB5XHS"),  # Bob Brand, case-folded
]

# DOMAIN.md §2.3, the full table (bars left to right).
TABLE = """0 TTFF  1 TDAF  2 TDFA  3 DTAF  4 DTFA  5 DDAA  6 TADF  7 TFTF  8 TFDA  9 DATF
A DADA  B DFTA  C TAFD  D TFAD  E TFFT  F DAAD  G DAFT  H DFAT  I ATDF  J ADTF
K ADDA  L FTTF  M FTDA  N FDTA  O ATFD  P ADAD  Q ADFT  R FTAD  S FTFT  T FDAT
U AADD  V AFTD  W AFDT  X FATD  Y FADT  Z FFTT"""


@pytest.mark.parametrize(("parts", "expected"), VECTORS)
def test_it_builds_the_public_kix_vectors(parts, expected):
    assert kix_content(*parts) == expected


def test_every_character_matches_the_published_symbology_table():
    tokens = TABLE.split()
    table = dict(zip(tokens[::2], tokens[1::2], strict=False))
    assert set(table) == set(KRSET)
    for ch, bars in table.items():
        assert kix_bars(ch) == bars, ch


def test_it_encodes_the_worked_vectors_bar_for_bar():
    assert kix_bars("1231FZ13XHS") == "TDAF TDFA DTAF TDAF DAAD FFTT TDAF DTAF FATD DFAT FTFT".replace(" ", "")
    assert kix_bars("2500GG30250") == "TDFA DDAA TTFF TTFF DAFT DAFT DTAF TTFF TDFA DDAA TTFF".replace(" ", "")


def test_each_character_has_two_bars_up_and_two_down():
    for ch in KRSET:
        bars = kix_bars(ch)
        assert sum(b in "FA" for b in bars) == 2 and sum(b in "FD" for b in bars) == 2


def test_it_adds_no_start_stop_or_check_bars():
    assert len(kix_bars("1231FZ13XHS")) == 4 * 11


def test_letter_and_addition_follow_one_x_without_separator():
    assert kix_content("1234 AB", 400, "L", "Toe") == "1234AB400XLTOE"
    assert kix_content("1234 AB", 9, "", "2-a") == "1234AB9X2A"


@pytest.mark.parametrize("bad", [("", 1), ("1234 AB", ""), ("1234 AB", "12a")])
def test_it_refuses_content_without_postcode_or_number(bad):
    with pytest.raises(KixError):
        kix_content(*bad)


def test_it_refuses_a_kix_longer_than_eighteen_characters():
    with pytest.raises(KixError):
        kix_content("1234 AB", 99999, "A", "BCDEFGH")


def test_a_supplied_kix_is_kept_as_given_apart_from_spaces_and_case():
    assert clean_supplied_kix(" 2500gg 30250 ") == "2500GG30250"
    with pytest.raises(KixError):
        clean_supplied_kix("2500-GG")
