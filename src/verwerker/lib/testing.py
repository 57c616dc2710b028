"""Helpers shared by the test suites of every app (imported by tests only)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import uuid
from contextlib import contextmanager
from pathlib import Path

from django.conf import settings


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def fresh_install(tmp_path: Path):
    """An environment for subprocesses with its own data directory and its own empty database.

    On SQLite the database is a file in the data directory; on PostgreSQL (when the suite runs there)
    a database of its own is created and dropped afterwards. Yields the environment dict.
    """
    env = {**os.environ, "VERWERKER_DATA_DIR": str(tmp_path / "data")}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    db = settings.DATABASES["default"]
    pg_name = None
    if db["ENGINE"].endswith("postgresql"):
        import psycopg

        pg_name = f"verwerker_t_{uuid.uuid4().hex[:12]}"
        dsn = dict(host=db["HOST"] or "127.0.0.1", port=db["PORT"] or 5432, user=db["USER"], dbname="postgres")
        if db.get("PASSWORD"):
            dsn["password"] = db["PASSWORD"]
        with psycopg.connect(**dsn, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{pg_name}"')
        auth = db["USER"] + (f":{db['PASSWORD']}" if db.get("PASSWORD") else "")
        env["VERWERKER_DATABASE_URL"] = f"postgres://{auth}@{dsn['host']}:{dsn['port']}/{pg_name}"
    else:
        env.pop("VERWERKER_DATABASE_URL", None)
    try:
        yield env
    finally:
        if pg_name:
            with psycopg.connect(**dsn, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{pg_name}" WITH (FORCE)')


def verwerker(env: dict, *args: str, check: bool = True, timeout: float = 120) -> subprocess.CompletedProcess:
    """Run the `verwerker` command in a subprocess, as a user would."""
    return subprocess.run(
        [sys.executable, "-m", "verwerker", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=check,
    )


def require_tool(name: str) -> str:
    """The path of a Debian tool a test needs; skip without it, but fail where CI promised it
    (VERWERKER_TEST_REQUIRE_TOOLS=true), so a missing install step cannot pass as a skip."""
    import shutil

    import pytest

    path = shutil.which(name)
    if path is None:
        if os.environ.get("VERWERKER_TEST_REQUIRE_TOOLS") == "true":
            pytest.fail(f"{name} is not installed, and this run requires it")
        pytest.skip(f"{name} is not installed")
    return path


def pdf_text(pdf: bytes) -> str:
    """The text of a PDF, extracted by poppler's pdftotext from stdin (the PDF never touches disk)."""
    tool = require_tool("pdftotext")
    return subprocess.run([tool, "-layout", "-", "-"], input=pdf, capture_output=True, check=True).stdout.decode()
def receive_file(client, name: str, data: bytes, *, profile: bool = True):
    """Take a file in as intake does (upload -> vault -> received -> data file) and profile it.

    Returns the DataFile. Runs the tasks' bodies in-process, as a worker would.
    """
    from verwerker.audit.actors import Actor
    from verwerker.datafiles.models import DataFile
    from verwerker.datafiles.tasks import profile_data_file
    from verwerker.intake.actions import do_complete_upload, do_register_upload
    from verwerker.intake.tasks import record_upload_received
    from verwerker.vault.actions import open_blob_writer

    actor = Actor.system("test")
    upload = do_register_upload(client, channel="web", name=name, actor=actor)
    writer = open_blob_writer(client=client, purpose="upload", name=name, actor=actor)
    writer.write(data)
    do_complete_upload(upload, writer, actor=actor)
    record_upload_received.call(upload.pk)
    data_file = DataFile.objects.get(upload=upload)
    if profile:
        profile_data_file.call(data_file.pk)
        data_file.refresh_from_db()
    return data_file
