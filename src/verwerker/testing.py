"""Test-only helpers that use the database or the apps (imported by tests only, never by the system):
a fresh installation for subprocesses, and a file taken in as intake takes it. Framework-free helpers
are in lib/testing.py."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import psycopg
from django.conf import settings

from verwerker.audit.actors import Actor
from verwerker.datafiles.models import DataFile
from verwerker.datafiles.tasks import profile_data_file
from verwerker.intake.actions import do_complete_upload, do_receive_upload, do_register_upload
from verwerker.intake.models import UploadChannel
from verwerker.vault.actions import open_blob_writer
from verwerker.vault.models import BlobPurpose


@contextmanager
def fresh_install(tmp_path: Path) -> Iterator[dict]:
    """An environment for subprocesses with its own data directory and its own empty database.

    On SQLite the database is a file in the data directory; on PostgreSQL (when the suite runs there)
    a database of its own is created and dropped afterwards. Yields the environment dict.
    """
    env = {**os.environ, "VERWERKER_DATA_DIR": str(tmp_path / "data")}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    db = settings.DATABASES["default"]
    pg_name = None
    if db["ENGINE"].endswith("postgresql"):
        pg_name = f"verwerker_t_{uuid.uuid4().hex[:12]}"
        dsn: dict[str, Any] = dict(host=db["HOST"] or "127.0.0.1", port=db["PORT"] or 5432, user=db["USER"],
                                   dbname="postgres")
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


def receive_file(client, name: str, data: bytes, *, profile: bool = True) -> DataFile:
    """Take a file in as intake does (upload -> vault -> received -> data file) and profile it.

    Returns the DataFile. Runs the tasks' bodies in-process, as a worker would.
    """
    actor = Actor.system("test")
    upload = do_register_upload(client, channel=UploadChannel.WEB, name=name, actor=actor)
    writer = open_blob_writer(client=client, purpose=BlobPurpose.UPLOAD, name=name, actor=actor)
    writer.write(data)
    do_complete_upload(upload, writer, actor=actor)
    data_file = do_receive_upload(upload.pk, actor=actor)
    assert data_file is not None, f"{name}: refused (no agreement in force?)"
    if profile:
        profile_data_file.call(data_file.pk)
        data_file.refresh_from_db()
    return data_file
