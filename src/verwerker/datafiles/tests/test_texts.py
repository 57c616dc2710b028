"""What is stored in English about a data file reads in the reader's language (datafiles/texts.py), for
profiles and reasons stored before and after the risks were kept as codes."""

import datetime

from django.utils import translation

from verwerker.datafiles.profile import profile_table, reduced_profile
from verwerker.datafiles.read import read_table
from verwerker.datafiles.texts import risk_reason_texts, unreadable_text


def _high_profile(samples_dir) -> dict:
    name = "high_utf8_comma.csv"
    table = read_table((samples_dir / name).read_bytes(), name=name)
    return profile_table(table, name=name, today=datetime.date(2025, 6, 1)).to_json()


def test_risk_reasons_read_in_dutch_from_codes_and_from_the_english_lines_of_older_profiles(samples_dir):
    profile = _high_profile(samples_dir)
    assert {"code": "special", "column": "Diagnose", "category": "health"} in profile["risks"]
    older = {k: v for k, v in profile.items() if k != "risks"}  # stored before the codes were kept
    with translation.override("nl"):
        shown = risk_reason_texts(profile)
        assert risk_reason_texts(older) == shown
        assert "Veld7 (IBAN): geen naam- en adresgegevens" in shown
        assert "Diagnose: de kolomnaam wijst op bijzondere persoonsgegevens (gezondheidsgegevens)" in shown
        # a line no code wrote is shown as it is
        assert risk_reason_texts({"risk_reasons": ["handmatig: hoog"]}) == ["handmatig: hoog"]
    with translation.override("en"):
        assert "Veld7 (IBAN): not name and address data" in risk_reason_texts(profile)


def test_a_reduced_profile_names_its_risks_by_position_in_dutch(samples_dir):
    profile = _high_profile(samples_dir)
    reduced = reduced_profile(profile, {c["name"]: f"kolom {i}" for i, c in enumerate(profile["columns"], 1)})
    assert len(reduced["risks"]) == len(profile["risks"]) and len(reduced["risk_reasons"]) == len(reduced["risks"])
    with translation.override("nl"):
        shown = risk_reason_texts(reduced)
    assert not any("Veld7" in line or "Diagnose" in line for line in shown)
    assert any(line.endswith("(IBAN): geen naam- en adresgegevens") and line.startswith("kolom ") for line in shown)


def test_an_unreadable_files_reason_reads_in_dutch_with_the_names_as_they_are():
    with translation.override("nl"):
        assert unreadable_text("scan.csv: a PDF document, not a table") == "scan.csv: een PDF-document, geen tabel"
        # a ZIP member's name follows the ZIP's; a sheet's name is kept as it is
        assert (unreadable_text("post: mei.zip/lijst.xlsx: sheet 'Blad: 1' cannot be read (ValueError)")
                == "post: mei.zip/lijst.xlsx: werkblad 'Blad: 1' kan niet worden gelezen (ValueError)")
        assert unreadable_text("a.csv: cannot be profiled (KeyError)") == (
            "a.csv: kan niet worden geprofileerd (KeyError)")
        # cut off at the field's length, or not a reader's: as it is
        assert unreadable_text("a.csv: a damaged archive mem") == "a.csv: a damaged archive mem"
