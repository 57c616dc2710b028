"""The test run's own data directory (verwerker.lib.pytest_plugin) is removed when the run ends."""

import os
import subprocess
import sys
from pathlib import Path


def _run(tmp_path: Path, env: dict) -> Path:
    (tmp_path / "test_inner.py").write_text(
        "import os, pathlib\n"
        "def test_writes():\n"
        "    d = pathlib.Path(os.environ['VERWERKER_DATA_DIR'])\n"
        "    (d / 'vault').mkdir(exist_ok=True)\n"
        "    (d / 'vault' / 'blob').write_bytes(b'x')\n"
        "    pathlib.Path(os.environ['SEEN']).write_text(str(d))\n"
    )
    (tmp_path / "pytest.ini").write_text("[pytest]\n")
    seen = tmp_path / "seen"
    subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:django", "-p", "no:cacheprovider",
         "-p", "verwerker.lib.pytest_plugin", "-c", str(tmp_path / "pytest.ini"), str(tmp_path / "test_inner.py")],
        env={**env, "SEEN": str(seen)}, cwd=tmp_path, check=True, capture_output=True,
    )
    return Path(seen.read_text())


def test_the_run_s_data_directory_goes_with_the_run(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "VERWERKER_DATA_DIR"}
    used = _run(tmp_path, env)
    assert used.name.startswith("verwerker-test-")
    assert not used.exists()


def test_a_data_directory_the_caller_gave_stays(tmp_path):
    given = tmp_path / "given"
    given.mkdir()
    used = _run(tmp_path, {**os.environ, "VERWERKER_DATA_DIR": str(given)})
    assert used == given
    assert (given / "vault" / "blob").exists()
