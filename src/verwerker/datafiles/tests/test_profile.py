"""Profiles of the generated samples match what the generator put in them; the JSON holds no values."""

import datetime
import json

import polars as pl
import pytest

from verwerker.datafiles.kinds import Kind
from verwerker.datafiles.profile import profile_table
from verwerker.datafiles.read import Table, read_table

TODAY = datetime.date(2025, 6, 1)
CONTRACT = ["file", "format", "encoding", "delimiter", "rows", "columns", "risk", "risk_reasons", "special", "minors",
            "invalid_postcodes", "duplicates", "foreign"]
COUNTS = ["rows", "minors", "duplicates", "foreign", "invalid_postcodes", "missing_house_numbers", "empty_rows", "risk"]


def _profile(samples_dir, name, **kwargs):
    table = read_table((samples_dir / name).read_bytes(), name=name)
    return profile_table(table, name=name, today=TODAY, **kwargs)


@pytest.mark.parametrize("name", sorted(json.loads(
    (__import__("pathlib").Path(__file__).resolve().parents[4] / "tests" / "samples" / "expected.json").read_text())))
def test_each_sample_profiles_to_what_the_generator_put_in_it(name, samples_dir, expected):
    data = _profile(samples_dir, name).to_json()
    assert {k: data[k] for k in COUNTS} == {k: expected[name][k] for k in COUNTS}
    assert all(k in data for k in CONTRACT)
    assert all(set(c) >= {"name", "kind", "filled", "invalid"} for c in data["columns"])


def test_the_high_sample_names_its_reasons_and_special_data(samples_dir):
    data = _profile(samples_dir, "high_utf8_comma.csv").to_json()
    kinds = {c["name"]: c["kind"] for c in data["columns"]}
    assert kinds["Veld7"] == "iban" and kinds["Sofinummer"] == "bsn" and kinds["Geb.datum"] == "birth_date"
    assert data["risk"] == "high" and data["special"] == ["bsn", "health"]
    assert any(r.startswith("Veld7:") for r in data["risk_reasons"])
    assert any("Diagnose" in r and "health" in r for r in data["risk_reasons"])


def test_a_profile_never_contains_a_value_from_the_file(samples_dir):
    name = "high_utf8_comma.csv"
    table = read_table((samples_dir / name).read_bytes(), name=name)
    dumped = json.dumps(profile_table(table, name=name, today=TODAY).to_json(), ensure_ascii=False)
    values = {
        v for col in table.frame.columns for v in table.frame.get_column(col).drop_nulls().to_list() if len(v) > 3
    }
    headers = " ".join(table.frame.columns)  # a surname `Veld` is also part of the header `Veld7`
    leaked = [v for v in values if v in dumped and v not in headers]
    assert len(values) > 500 and not leaked


def test_overrides_change_the_kind_and_the_risk_and_are_kept(samples_dir):
    table = Table(frame=pl.DataFrame({"Naam": ["Jan Jansen"] * 3, "Veld9": ["x1", "x2", "x3"]}), format="csv",
                  encoding="utf-8", delimiter=";", sheet=None)
    assert profile_table(table, name="t.csv", today=TODAY).risk == "high"
    overridden = profile_table(table, name="t.csv", today=TODAY, overrides={"Veld9": Kind.REFERENCE})
    assert overridden.risk == "standard" and overridden.to_json()["overrides"] == {"Veld9": "reference"}


def test_minors_are_counted_on_the_reference_date():
    table = Table(frame=pl.DataFrame({"Geboortedatum": ["01-06-2009", "02-06-2009", "2015-01-01", None, "onbekend"]}),
                  format="csv", encoding="utf-8", delimiter=";", sheet=None)
    assert profile_table(table, name="t.csv", today=TODAY).minors == 2
    assert profile_table(table, name="t.csv", today=datetime.date(2031, 1, 1)).minors == 0


def test_an_empty_column_does_not_raise_the_risk():
    table = Table(frame=pl.DataFrame({"Naam": ["A. Bakker"], "Veld2": pl.Series([None], dtype=pl.String)}),
                  format="csv", encoding="utf-8", delimiter=";", sheet=None)
    assert profile_table(table, name="t.csv", today=TODAY).risk == "standard"
