"""`verwerker merge` end to end on a file. Reading files needs verwerker.datafiles (its own branch)."""

import importlib.util
import io
import shutil
import subprocess

import pikepdf
import pytest
from django.core.management import call_command

from verwerker.production.render import EXAMPLES
from verwerker.production.tests.synthetic import people

HAS_DATAFILES = importlib.util.find_spec("verwerker.datafiles") is not None


@pytest.mark.skipif(HAS_DATAFILES, reason="datafiles is installed")
def test_without_datafiles_merge_says_so_in_one_line(tmp_path, capsys):
    data = tmp_path / "adressen.csv"
    people(3).write_csv(data, separator=";")
    with pytest.raises(SystemExit) as exit_info:
        call_command("merge", str(data), "--template", str(EXAMPLES / "letter.typ"), "-o", str(tmp_path / "out.pdf"))
    assert exit_info.value.code == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "verwerker.datafiles" in err[0]
    assert not (tmp_path / "out.pdf").exists()


def test_merge_reads_a_file_and_writes_pdf_manifest_and_rejects(tmp_path, capsys):
    pytest.importorskip("verwerker.datafiles.read")
    if shutil.which("pdftotext") is None:
        pytest.skip("needs pdftotext")
    frame = people(25, seed=2)
    frame = frame.vstack(frame.slice(0, 2))  # two exact duplicates
    data = tmp_path / "adressen.csv"
    frame.write_csv(data, separator=";")
    out, manifest, rejects = tmp_path / "out.pdf", tmp_path / "m.csv", tmp_path / "r.csv"
    call_command("merge", str(data), "--template", str(EXAMPLES / "letter.typ"), "-o", str(out),
                 "--manifest", str(manifest), "--rejects", str(rejects), "--workers", "1", "--json")
    summary = capsys.readouterr().out
    assert '"records_out": 25' in summary
    pdf = pikepdf.open(io.BytesIO(out.read_bytes()))
    assert len(pdf.pages) == 25 and "/DPartRoot" in pdf.Root
    assert len(manifest.read_text(encoding="utf-8-sig").splitlines()) == 26
    assert rejects.read_text(encoding="utf-8-sig").count(";removed;duplicate person") == 2
    text = subprocess.run(["pdftotext", str(out), "-"], capture_output=True, check=True).stdout.decode()
    assert frame["Kenmerk"][0] in text
