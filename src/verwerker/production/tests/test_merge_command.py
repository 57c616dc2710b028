"""`verwerker merge` end to end on a file."""

import io
import json
import subprocess

import pikepdf
from django.core.management import call_command

from verwerker.lib.testing import require_tool
from verwerker.production.render import EXAMPLES
from verwerker.production.tests.synthetic import people
from verwerker.production.tests.test_pdfx import DISPLAY


def test_merge_reads_a_file_and_writes_pdf_manifest_and_rejects(english, tmp_path, capsys):
    require_tool("pdftotext")
    frame = people(25, seed=2)
    frame = frame.vstack(frame.slice(0, 2))  # two exact duplicates
    data = tmp_path / "adressen.csv"
    frame.write_csv(data, separator=";")
    out, manifest, rejects = tmp_path / "out.pdf", tmp_path / "m.csv", tmp_path / "r.csv"
    call_command("merge", str(data), "--template", str(EXAMPLES / "letter.typ"), "-o", str(out),
                 "--manifest", str(manifest), "--rejects", str(rejects), "--workers", "1", "--json")
    summary = json.loads(capsys.readouterr().out)
    assert summary["records_out"] == 25
    # The preflight of the first part: without a press profile only the sRGB intent is reported.
    assert summary["pdfx_problems"] == [DISPLAY]
    pdf = pikepdf.open(io.BytesIO(out.read_bytes()))
    assert len(pdf.pages) == 25 and "/DPartRoot" in pdf.Root
    assert len(manifest.read_text(encoding="utf-8-sig").splitlines()) == 26
    assert rejects.read_text(encoding="utf-8-sig").count(";removed;duplicate person") == 2
    text = subprocess.run(["pdftotext", str(out), "-"], capture_output=True, check=True).stdout.decode()
    assert frame["Kenmerk"][0] in text


def test_profile_and_merge_agree_that_an_address_without_a_country_is_dutch(english, tmp_path, capsys):
    """GIVEN a file for a Dutch house where three addresses have no country and a five-digit postcode,
    and two have a German one with its country
    WHEN it is profiled and merged
    THEN the profile counts the three as invalid Dutch postcodes (file and column agree) and the two as
    foreign, and the merge rejects exactly the three for their postcode."""
    import datetime

    import polars as pl

    from verwerker.datafiles.profile import profile_table
    from verwerker.datafiles.read import read_table

    frame = people(12, seed=4).with_row_index("i").with_columns(
        Postcode=pl.when(pl.col("i").is_in([1, 5, 8])).then(pl.lit("12345"))
        .when(pl.col("i").is_in([3, 10])).then(pl.lit("10115")).otherwise(pl.col("Postcode")),
        Land=pl.when(pl.col("i").is_in([3, 10])).then(pl.lit("Duitsland")).otherwise(pl.lit("")),
        Plaats=pl.when(pl.col("i").is_in([3, 10])).then(pl.lit("Berlin")).otherwise(pl.col("Plaats")),
    ).drop("i")
    data = tmp_path / "adressen.csv"
    frame.write_csv(data, separator=";")
    profile = profile_table(read_table(data.read_bytes(), name="adressen.csv"), name="adressen.csv",
                            today=datetime.date(2026, 6, 1))
    postcode = next(c for c in profile.columns if c.name == "Postcode")
    assert (profile.invalid_postcodes, postcode.invalid, profile.foreign) == (3, 3, 2)

    out, rejects = tmp_path / "out.pdf", tmp_path / "r.csv"
    call_command("merge", str(data), "--template", str(EXAMPLES / "letter.typ"), "-o", str(out),
                 "--rejects", str(rejects), "--workers", "1", "--json")
    capsys.readouterr()
    lines = rejects.read_text(encoding="utf-8-sig").splitlines()
    postcode_rejects = [line for line in lines if "invalid or missing postcode" in line]
    assert len(postcode_rejects) == 3 and len(lines) == 4
