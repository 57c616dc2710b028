"""`verwerker audit verify` as an operator runs it, against a real installation in a subprocess."""

import sqlite3

import pytest

from verwerker.lib.testing import verwerker
from verwerker.testing import fresh_install

pytestmark = pytest.mark.slow


def _tamper(env, seq):
    """Drop the trigger and edit one row with raw SQL, as someone with database access could."""
    url = env.get("VERWERKER_DATABASE_URL")
    if url:
        import psycopg

        with psycopg.connect(url.replace("postgres://", "postgresql://"), autocommit=True) as conn:
            conn.execute("DROP TRIGGER audit_no_update_delete ON audit_auditevent")
            conn.execute("UPDATE audit_auditevent SET actor_label = 'someone else' WHERE seq = %s", [seq])
    else:
        from pathlib import Path

        conn = sqlite3.connect(Path(env["VERWERKER_DATA_DIR"]) / "verwerker.sqlite3")
        conn.execute("DROP TRIGGER audit_no_update")
        conn.execute("UPDATE audit_auditevent SET actor_label = 'someone else' WHERE seq = ?", [seq])
        conn.commit()
        conn.close()


def test_verify_exits_1_naming_the_tampered_row(tmp_path):
    with fresh_install(tmp_path) as env:
        verwerker(env, "migrate")
        for i in range(3):
            verwerker(env, "client", "add", f"Client {i}", "--contact", f"c{i}@example.test")
        ok = verwerker(env, "audit", "verify")
        assert ok.returncode == 0 and "6 events" in ok.stdout

        _tamper(env, 3)
        broken = verwerker(env, "audit", "verify", check=False)
        assert broken.returncode == 1
        assert "BROKEN at event 3" in broken.stderr
        assert "Traceback" not in broken.stderr


def test_two_processes_appending_at_once_keep_one_chain(tmp_path):
    """GIVEN a fresh installation WHEN two processes each append 150 events at the same moment
    THEN the chain has all 300 events, gap-free and intact."""
    import subprocess
    import sys

    script = (
        "import django; django.setup();"
        "from verwerker.audit.actions import do_record_event;"
        "from verwerker.audit.actors import Actor;"
        "from verwerker.audit.events import EventType;"
        "a = Actor.system('writer');"
        "[do_record_event(EventType.CLIENT_CHANGED, actor=a, details={'i': i}) for i in range(150)]"
    )
    with fresh_install(tmp_path) as env:
        env = {**env, "DJANGO_SETTINGS_MODULE": "verwerker.settings"}
        verwerker(env, "migrate")
        writers = [
            subprocess.Popen([sys.executable, "-c", script], env=env, stderr=subprocess.PIPE, text=True)
            for _ in range(2)
        ]
        for w in writers:
            _out, err = w.communicate(timeout=300)
            assert w.returncode == 0, err
        result = verwerker(env, "audit", "verify", "--json")
        assert '"ok": true' in result.stdout and '"events": 300' in result.stdout


def test_an_export_checks_offline_with_chain_py_alone_and_catches_an_edit(tmp_path):
    """GIVEN an export of one client's events WHEN checked with chain.py as a standalone script
    THEN it is intact, and editing one value in the file makes the check fail naming that event."""
    import json
    import subprocess
    import sys
    from pathlib import Path

    import verwerker.audit.chain as chain_module

    standalone = tmp_path / "chain.py"
    standalone.write_text(Path(chain_module.__file__).read_text())  # the auditor's copy, outside the project
    with fresh_install(tmp_path) as env:
        verwerker(env, "migrate")
        first = verwerker(env, "client", "add", "Export Een", "--contact", "a@example.test").stdout.strip()
        verwerker(env, "client", "add", "Export Twee", "--contact", "b@example.test")
        out = tmp_path / "audit.json"
        verwerker(env, "audit", "export", "--client", first, "--format", "json", "-o", str(out))
    document = json.loads(out.read_text())
    assert {e["values"][5] for e in document["events"]} == {int(first)}
    clean_env = {"PATH": "/usr/bin:/bin"}
    ok = subprocess.run(
        [sys.executable, "-I", str(standalone), str(out)], capture_output=True, text=True, env=clean_env
    )
    assert ok.returncode == 0 and "2 events intact" in ok.stdout, ok.stderr

    document["events"][1]["values"][4] = "someone else"
    out.write_text(json.dumps(document))
    bad = subprocess.run(
        [sys.executable, "-I", str(standalone), str(out)], capture_output=True, text=True, env=clean_env
    )
    seq = document["events"][1]["values"][0]
    assert bad.returncode == 1 and f"event {seq}: content does not match" in bad.stderr
