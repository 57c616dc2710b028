import polars as pl
import pytest

from verwerker.production.dedupe import find_near_duplicates, remove_duplicates, suppress
from verwerker.production.pipeline import MergeOptions, prepare
from verwerker.production.records import MappingError, apply_mapping, normalise_records
from verwerker.production.sort import postal_sort
from verwerker.production.tests.synthetic import table


def _normalised(rows):
    frame, mapping = table(rows)
    records, rejects = normalise_records(apply_mapping(frame, mapping))
    return records, rejects


def rec(name, postcode="1234 AB", number="1", addition="", initials="J", **extra):
    return {"initials": initials, "last_name": name, "street": "Kerkstraat", "house_number": number,
            "house_number_addition": addition, "postcode": postcode, "city": "Utrecht", **extra}


def test_exact_duplicates_after_normalisation_are_removed_naming_the_row_they_duplicate():
    """GIVEN the same person written three ways WHEN deduplicating per person THEN rows 2 and 3 go, citing row 1."""
    records, _ = _normalised([rec("Jansen"), rec("JANSEN", postcode="1234ab"), rec("jansen", number="01"),
                              rec("Jansen", number="2")])
    kept, rejects = remove_duplicates(records, "person")
    assert kept["_row"].to_list() == [1, 4]
    assert [(r.row, r.related_row) for r in rejects] == [(2, 1), (3, 1)]
    assert all(r.action == "removed" for r in rejects)


def test_per_address_keeps_one_letter_per_household():
    records, _ = _normalised([rec("Jansen"), rec("de Vries"), rec("Bakker", addition="2")])
    kept, rejects = remove_duplicates(records, "address")
    assert kept["_row"].to_list() == [1, 3]
    assert rejects[0].row == 2 and rejects[0].related_row == 1


def test_a_delivery_point_by_or_opposite_a_number_is_not_that_number_s_address():
    """`bij 12` and `t/o 12` are other delivery points than number 12: one letter per address keeps all three."""
    records, _ = _normalised([rec("Jansen", number="12"), rec("Bakker", number="bij 12"), rec("Smit", number="t/o 12"),
                              rec("de Vries", number="bij 12")])
    kept, rejects = remove_duplicates(records, "address")
    assert kept["_row"].to_list() == [1, 2, 3]
    assert [(r.row, r.related_row) for r in rejects] == [(4, 2)]


def test_per_person_keeps_different_people_at_one_address():
    records, _ = _normalised([rec("Jansen"), rec("de Vries")])
    kept, rejects = remove_duplicates(records, "person")
    assert kept.height == 2 and rejects == []


def test_mode_none_still_removes_identical_address_blocks():
    records, _ = _normalised([rec("Jansen"), rec("Jansen", initials="J."), rec("Jansen", initials="K")])
    kept, rejects = remove_duplicates(records, "none")
    assert kept["_row"].to_list() == [1, 3] and rejects[0].related_row == 1


def test_similar_names_at_one_address_are_reported_for_review_not_dropped():
    records, _ = _normalised([rec("Jansen"), rec("Janssen"), rec("Pietersen")])
    kept, _ = remove_duplicates(records, "person")
    review = find_near_duplicates(kept)
    assert kept.height == 3
    assert [(r.row, r.related_row, r.action) for r in review] == [(2, 1, "review")]


def test_the_suppression_list_removes_the_person_or_the_whole_address():
    records, _ = _normalised([rec("Jansen"), rec("de Vries"), rec("Bakker", postcode="3511 AA"),
                              rec("Smit", postcode="9999 ZZ", email="Smit@Example.test")])
    frame, mapping = table([rec("JANSEN"), {"street": "Kerkstraat", "house_number": "1", "postcode": "3511AA",
                                            "city": "Utrecht"}])
    listed, unusable = normalise_records(apply_mapping(frame, mapping), require_name=False)
    assert unusable == []
    by_email = pl.DataFrame({"email": ["smit@example.test"], "_name_key": [""], "_person_key": [""], "_addr_key": [""]})
    kept, rejects = suppress(records, [("optouts.csv", listed), ("email.csv", by_email)])
    assert kept["_row"].to_list() == [2]
    assert sorted((r.row, r.related) for r in rejects) == [(1, "optouts.csv"), (3, "optouts.csv"), (4, "email.csv")]


def test_postal_sort_orders_postcode_number_letter_addition_then_foreign_by_country():
    records, _ = _normalised([
        rec("A", postcode="2000 AA", number="10"), rec("B", postcode="1000 AA", number="10", addition="b"),
        rec("C", postcode="1000 AA", number="10", addition="a"), rec("D", postcode="1000 AA", number="9"),
        {"last_name": "E", "address_line": "1 Main St", "city": "Paris", "country": "Frankrijk"},
        {"last_name": "F", "address_line": "Hauptstr 1", "city": "Berlin", "country": "DE"},
        rec("G", postcode="1000 AB", number="1"),
    ])
    ordered = postal_sort(records, bundle_size=100)
    assert ordered["_row"].to_list() == [4, 3, 2, 7, 1, 5, 6]
    assert ordered["_seq"].to_list() == list(range(1, 8))


def test_bundles_break_at_the_count_and_at_a_change_of_postal_region():
    rows = [rec(f"P{i}", postcode=f"10{i % 10}0 AA", number=str(i + 1)) for i in range(5)]
    rows += [rec(f"Q{i}", postcode="2000 AA", number=str(i + 1)) for i in range(5)]
    records, _ = _normalised(rows)
    ordered = postal_sort(records, bundle_size=3, region_digits=2)
    # region 10: five records → bundles of 3 and 2; region 20: five → 3 and 2.
    assert ordered["_bundle"].to_list() == [1, 1, 1, 2, 2, 3, 3, 3, 4, 4]
    assert ordered["_bundle_end"].to_list() == [False, False, True, False, True, False, False, True, False, True]


def test_prepare_reports_unaddressable_duplicate_and_review_rows_together():
    frame, mapping = table([rec("Jansen"), rec("Jansen"), rec("Janssen"), {"last_name": "X", "postcode": "1"}])
    records, rejects = prepare(frame, mapping, options=MergeOptions())
    assert records.height == 2
    assert [(r.row, r.action) for r in rejects] == [(2, "removed"), (3, "review"), (4, "removed")]
    assert rejects[2].reason.startswith("unaddressable")


def test_a_mapping_naming_a_missing_column_is_refused():
    frame, _ = table([rec("Jansen")])
    with pytest.raises(MappingError, match="not in the file"):
        apply_mapping(frame, {"Achternaam": "last_name"})
