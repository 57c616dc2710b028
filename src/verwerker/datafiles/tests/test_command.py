"""`verwerker profile` as a user runs it: a real subprocess on real files, hostile ones included."""

import io
import json
import zipfile

import pytest

from verwerker.lib.testing import verwerker

pytestmark = pytest.mark.slow


@pytest.fixture
def env(tmp_path):
    import os

    environment = {**os.environ, "VERWERKER_DATA_DIR": str(tmp_path / "data")}
    environment.pop("DJANGO_SETTINGS_MODULE", None)
    return environment


def test_json_output_follows_the_contract(env, samples_dir, expected):
    result = verwerker(
        env, "profile", str(samples_dir / "high_cp1252_semicolon.csv"), "--json", "--today", "2025-06-01"
    )
    data = json.loads(result.stdout)
    facts = expected["high_cp1252_semicolon.csv"]
    assert data["file"] == "high_cp1252_semicolon.csv"
    assert (data["format"], data["encoding"], data["delimiter"]) == ("csv", "cp1252", ";")
    for key in ("rows", "minors", "duplicates", "foreign", "invalid_postcodes", "risk"):
        assert data[key] == facts[key], key
    assert "bsn" in data["special"] and data["risk_reasons"]


def test_the_human_report_and_a_chosen_sheet(env, samples_dir):
    result = verwerker(env, "profile", str(samples_dir / "high_titled.xlsx"), "--sheet", "Codes", "--lang", "en")
    assert "sheet 'Codes'" in result.stdout and "2 rows" in result.stdout and "Risk class" in result.stdout


def _bomb() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        z.writestr("xl/workbook.xml", b"<workbook/>")
        with z.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as handle:
            for _ in range(300):
                handle.write(bytes(1024 * 1024))
    return out.getvalue()


HOSTILE = {
    "empty.csv": lambda s: b"",
    "garbage.csv": lambda s: bytes(range(256)) * 256,
    "truncated.xlsx": lambda s: (s / "high_titled.xlsx").read_bytes()[:4000],
    "bomb.xlsx": lambda s: _bomb(),
    "invalid-utf8.csv": lambda s: b"\xef\xbb\xbfNaam;Plaats\n\xc3\x28;\xa0\xa1\n",
    "nested.zip": lambda s: _nested(),
}


def _nested() -> bytes:
    inner = io.BytesIO()
    with zipfile.ZipFile(inner, "w") as z:
        z.writestr("a.csv", "a;b\n1;2\n")
    outer = io.BytesIO()
    with zipfile.ZipFile(outer, "w") as z:
        z.writestr("inner.zip", inner.getvalue())
    return outer.getvalue()


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_hostile_files_exit_2_with_one_line_naming_the_file(name, env, samples_dir, tmp_path):
    path = tmp_path / name
    path.write_bytes(HOSTILE[name](samples_dir))
    result = verwerker(env, "profile", str(path), "--json", check=False)
    assert result.returncode == 2
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(str(path)), result.stderr
    assert "Traceback" not in result.stderr


def test_a_10_mib_single_line_and_a_missing_file_exit_2_with_one_line(env, tmp_path):
    path = tmp_path / "lang.csv"
    path.write_bytes(b"Naam;Opmerking" + b"z" * (10 * 1024 * 1024) + b"\n")
    refused = verwerker(env, "profile", str(path), "--json", check=False)
    assert refused.returncode == 2 and refused.stdout == ""
    assert refused.stderr.strip() == f"{path}: its header line is longer than 64 KiB; refused"
    missing = verwerker(env, "profile", str(tmp_path / "nope.csv"), check=False)
    assert missing.returncode == 2 and "nope.csv" in missing.stderr and "Traceback" not in missing.stderr


def test_a_file_with_too_many_columns_exits_2_naming_the_limit_which_the_environment_sets(env, tmp_path):
    path = tmp_path / "breed.csv"
    path.write_bytes(",".join(f"k{i}" for i in range(600)).encode() + b"\n")
    refused = verwerker(env, "profile", str(path), check=False)
    assert refused.returncode == 2
    assert refused.stderr.strip() == f"{path}: has 600 columns, more than 500 (VERWERKER_MAX_COLUMNS); refused"
    assert verwerker({**env, "VERWERKER_MAX_COLUMNS": "600"}, "profile", str(path), check=False).returncode == 0


def test_a_file_without_a_header_row_is_profiled_with_numbered_columns_saying_why(env, tmp_path):
    path = tmp_path / "zonder-kop.csv"
    path.write_text("Qwertyjansen;Dorpsstraat;12;1234 AB;Utrecht\nBakker;Kerkweg;3;2345 CD;Zwolle\n")
    data = json.loads(verwerker(env, "profile", str(path), "--json").stdout)
    assert [c["name"] for c in data["columns"]] == [f"kolom {i}" for i in range(1, 6)]
    assert data["rows"] == 2 and data["header"] == {"positional": True, "holds": "postcode"}
    assert "Qwertyjansen" not in json.dumps(data)
