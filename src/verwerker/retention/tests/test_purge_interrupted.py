"""A purge killed with SIGKILL halfway leaves nothing half-deleted, and the next run finishes the job."""

import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from verwerker.lib.testing import verwerker
from verwerker.testing import fresh_install

pytestmark = pytest.mark.slow

BLOBS = 600

SETUP = r"""
import datetime as dt, os, sys
import django
django.setup()
from django.utils import timezone
from verwerker.audit.actors import Actor
from verwerker.clients.actions import do_create_client
from verwerker.vault.actions import do_store_blob
from verwerker.vault.models import Blob

actor = Actor.system("test setup")
client = do_create_client("Kill Client", contact_email="k@example.test", actor=actor)
for i in range(int(sys.argv[1])):
    do_store_blob(os.urandom(100), client=client, purpose="upload", name=f"f{i}.csv", actor=actor)
# Test setup only: age the blobs past the default 31 days.
Blob.objects.update(created_at=timezone.now() - dt.timedelta(days=40))
"""

INSPECT = r"""
import json
import django
django.setup()
from django.db.models import Count
from verwerker.audit.events import EventType
from verwerker.audit.models import AuditEvent
from verwerker.audit.queries import verify_chain
from verwerker.vault.models import Blob

events = AuditEvent.objects.filter(action=EventType.BLOB_SHREDDED).values("object_id").annotate(n=Count("pk"))
print(json.dumps({
    "states": {s: Blob.objects.filter(state=s).count() for s in ("writing", "stored", "shredding", "shredded")},
    "keyed_shredded": Blob.objects.filter(state__in=("shredding", "shredded")).exclude(wrapped_key=None).count(),
    "shred_events": events.count(),
    "max_events_per_blob": max([e["n"] for e in events] or [0]),
    "chain_ok": verify_chain().ok,
    "uncertified": Blob.objects.filter(state="shredded", certificate_item__isnull=True).count(),
}))
"""


def _python(env, code, *args):
    result = subprocess.run([sys.executable, "-c", code, *args], env=env, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    return result.stdout


def _ciphertext_files(vault: Path) -> int:
    return sum(1 for p in vault.glob("??/*") if p.is_file())


def test_a_purge_killed_mid_run_is_completed_by_the_next_run(tmp_path):
    """GIVEN 600 expired blobs and a purge that commits one blob per transaction
    WHEN the purge process is killed with SIGKILL after some blobs went
    THEN every blob is either keyed and stored or keyless (never half), and the next run shreds
    the rest, removes every leftover file, each blob has exactly one shred event and is on a certificate."""
    with fresh_install(tmp_path) as env:
        env = {**env, "DJANGO_SETTINGS_MODULE": "verwerker.settings", "VERWERKER_PURGE_CHUNK_SIZE": "1"}
        verwerker(env, "migrate")
        _python(env, SETUP, str(BLOBS))
        vault = Path(env["VERWERKER_DATA_DIR"]) / "vault"
        assert _ciphertext_files(vault) == BLOBS

        proc = subprocess.Popen(
            [sys.executable, "-m", "verwerker", "purge"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
        )
        deadline = time.monotonic() + 120
        while _ciphertext_files(vault) > BLOBS - 25 and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.002)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        assert proc.returncode == -signal.SIGKILL, "the purge finished before it could be interrupted"

        after_kill = json.loads(_python(env, INSPECT))
        assert after_kill["keyed_shredded"] == 0
        assert 0 < after_kill["states"]["stored"] < BLOBS
        assert after_kill["states"]["writing"] == 0

        second = verwerker(env, "purge", "--json")
        report = json.loads(second.stdout)
        assert report["purged"] == after_kill["states"]["stored"]

        final = json.loads(_python(env, INSPECT))
        assert final["states"] == {"writing": 0, "stored": 0, "shredding": 0, "shredded": BLOBS}
        assert final["shred_events"] == BLOBS and final["max_events_per_blob"] == 1
        assert final["chain_ok"]
        assert final["uncertified"] == 0  # the killed run's deletions are certified by the next run
        assert _ciphertext_files(vault) == 0
