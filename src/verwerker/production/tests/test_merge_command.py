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

def test_merge_reads_a_file_and_writes_pdf_manifest_and_rejects(tmp_path, capsys):
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
