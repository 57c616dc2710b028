"""P14: no plaintext of a blob is ever written to disk, checked on a fresh installation in a subprocess."""

import os
import sys
import time
from pathlib import Path

import pytest

from verwerker.lib.testing import verwerker
from verwerker.testing import fresh_install

pytestmark = pytest.mark.slow

CYCLE = r"""
import os, sys
import django
django.setup()
from verwerker.audit.actors import Actor
from verwerker.clients.actions import do_create_client
from verwerker.vault.actions import do_store_blob, open_blob_writer, read_blob_bytes, do_shred_blob, open_blob_reader

marker = sys.argv[1].encode()
actor = Actor.system("no-plaintext test")
client = do_create_client("Marker Client", contact_email="m@example.test", actor=actor)
data = (marker + b";Kerkstraat 1;1234 AB;Amsterdam\n") * 60_000   # a few segments
blob = do_store_blob(data, client=client, purpose="upload", name="upload.csv", actor=actor)
assert read_blob_bytes(blob, actor=actor, purpose="verification") == data
with open_blob_reader(blob, actor=actor, purpose="verification") as reader:
    assert sum(len(c) for c in reader) == len(data)
kept = do_store_blob(iter([data[:500_000], data[500_000:]]), client=client, purpose="intermediate", name="kept", actor=actor)
try:
    with open_blob_writer(client=client, purpose="upload", name="aborted", actor=actor) as w:
        w.write(data[:1_500_000])
        raise RuntimeError("upload interrupted")
except RuntimeError:
    pass
do_shred_blob(blob, actor=actor, reason="other")
print("cycle done", blob.pk, kept.pk)
"""  # noqa: E501


def _files_with(root: Path, needle: bytes) -> list[str]:
    hits = []
    for path in root.rglob("*"):
        if path.is_file() and not path.is_symlink():
            try:
                if path.stat().st_size < 200 * 1024 * 1024 and needle in path.read_bytes():
                    hits.append(str(path))
            except OSError:
                pass
    return hits


def test_a_full_write_read_shred_cycle_leaves_no_plaintext_anywhere(tmp_path):
    """GIVEN a fresh installation whose temp directory is its own
    WHEN a client file with a known marker is stored, read, streamed, aborted halfway and shredded
    THEN no file under the installation, its temp directory, or /tmp holds the marker."""
    marker = "PLAINTEXT-MARKER-" + os.urandom(8).hex()
    private_tmp = tmp_path / "tmp"
    private_tmp.mkdir()
    started = time.time()
    with fresh_install(tmp_path) as env:
        env = {**env, "TMPDIR": str(private_tmp), "DJANGO_SETTINGS_MODULE": "verwerker.settings"}
        verwerker(env, "migrate")
        import subprocess

        result = subprocess.run(
            [sys.executable, "-c", CYCLE, marker], env=env, capture_output=True, text=True, timeout=120
        )
        assert result.returncode == 0, result.stderr
        assert "cycle done" in result.stdout
        assert marker not in result.stdout + result.stderr

        data_dir = Path(env["VERWERKER_DATA_DIR"])
        vault_files = [p for p in (data_dir / "vault").rglob("*") if p.is_file()]
        assert len(vault_files) >= 2  # the CACHEDIR.TAG and the kept blob: the scan looks at real ciphertext
        assert _files_with(tmp_path, marker.encode()) == []
        recent_tmp = [
            p for p in Path("/tmp").iterdir() if p.is_file() and p.stat().st_mtime >= started - 1
        ]
        assert [str(p) for p in recent_tmp if marker.encode() in p.read_bytes()] == []
