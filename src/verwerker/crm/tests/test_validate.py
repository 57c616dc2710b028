"""The statement's company fields are checked with python-stdnum's rules, against stdnum's own examples."""

import doctest

import pytest
from stdnum import iban as stdnum_iban
from stdnum.eu import vat as stdnum_vat
from stdnum.nl import btw as stdnum_btw

from verwerker.crm import validate


def _vectors(module, function="validate"):
    """The (input, valid?) pairs of the module's own doctest examples for ``function``."""
    out = []
    for example in doctest.DocTestParser().get_examples(module.__doc__):
        source = example.source.strip()
        if not source.startswith(f"{function}("):
            continue
        argument = eval(source[len(function) + 1 : -1].split("#")[0].strip().rstrip(")"))  # a string literal
        out.append((argument, not example.exc_msg))
    return out


@pytest.mark.parametrize("module,cleaner", [(stdnum_iban, validate.clean_iban), (stdnum_btw, validate.clean_vat),
                                            (stdnum_vat, validate.clean_vat)])
def test_it_agrees_with_every_validate_example_of_python_stdnum(module, cleaner):
    vectors = _vectors(module)
    assert len(vectors) >= 2 and any(ok for _v, ok in vectors)
    for value, ok in vectors:
        if ok:
            assert cleaner(value), value
        else:
            with pytest.raises(validate.FieldProblem):
                cleaner(value)


def test_it_rejects_an_iban_with_a_wrong_check_digit_and_names_no_value():
    with pytest.raises(validate.FieldProblem) as exc:
        validate.clean_iban("NL92ABNA0417164300")
    assert "0417" not in str(exc.value)


def test_dutch_vat_numbers_are_read_with_or_without_the_country_prefix():
    assert validate.clean_vat("004495445B01") == validate.clean_vat("NL 0044.95.445.B01") == "NL004495445B01"
    with pytest.raises(validate.FieldProblem):
        validate.clean_vat("NL123456789B90")


@pytest.mark.parametrize("value,ok", [("12345678", True), ("1234 5678", True), ("1234567", False),
                                      ("123456789", False), ("1234567a", False)])
def test_a_kvk_number_has_exactly_eight_digits(value, ok):
    if ok:
        assert validate.clean_kvk(value) == "12345678"
    else:
        with pytest.raises(validate.FieldProblem):
            validate.clean_kvk(value)


def test_phone_numbers_are_checked_with_libphonenumber_and_stored_international():
    assert validate.clean_phone("030-1234567") == "+31301234567"
    assert validate.clean_phone("+32 2 555 12 12") == "+3225551212"
    with pytest.raises(validate.FieldProblem):
        validate.clean_phone("030-123")


def test_postcodes_follow_the_dutch_notation_and_foreign_ones_stay_as_written():
    assert validate.clean_postcode("1234ab", "NL") == "1234 AB"
    assert validate.clean_postcode("B-1000", "BE") == "B-1000"
    with pytest.raises(validate.FieldProblem):
        validate.clean_postcode("1234 SA", "NL")


def test_websites_get_a_scheme_and_e_mail_addresses_are_checked():
    assert validate.clean_website("www.example.nl") == "https://www.example.nl"
    with pytest.raises(validate.FieldProblem):
        validate.clean_email("not-an-address")
