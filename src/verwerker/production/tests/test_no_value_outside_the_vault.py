"""No value outside the vault (P14, P16): a full cycle leaves no trace of a file's values anywhere else.

The file has no header row: its first line is a record (it holds a postcode and a house number), so its
values must never become column names. After upload, profile, job, production, delivery, confirmation and
the purge, the whole database (every page of it, on SQLite; a pg_dump on PostgreSQL) and every file
under the data directory and the hot folder are searched for every marker value: none may be found.
"""

import shutil
import subprocess
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from verwerker.audit.actors import Actor
from verwerker.datafiles.actions import do_override_column_kind
from verwerker.lib.testing import require_tool
from verwerker.production.actions import do_confirm_printed, do_deliver_job, do_release_job
from verwerker.production.tests.conftest import produce
from verwerker.production.workflow import JobState
from verwerker.retention.purge import run_purge
from verwerker.testing import receive_file

pytestmark = pytest.mark.django_db(transaction=True)

FIRST_LINE = ["Q.", "Qzxkopnaam", "Qzxkopstraat", "12", "1234 AB", "Qzxkopplaats"]
RECORDS = [
    ["A.", f"Qzxrec{i}naam", f"Qzxrec{i}straat", str(10 + i), f"{2345 + i} CD", f"Qzxrec{i}plaats"] for i in range(5)
]
MARKERS = [v for row in [FIRST_LINE, *RECORDS] for v in row if v.startswith("Qzx")]
KINDS = ["initials", "last_name", "street", "house_number", "postcode", "city"]
FILE_NAME = "leden-qzxbestand.csv"  # the name is not a value: the searches must find it (they work)


def _database_image() -> bytes:
    """Everything the database holds, free pages included where the engine allows."""
    if connection.vendor == "sqlite":
        connection.ensure_connection()
        return connection.connection.serialize()
    require_tool("pg_dump")
    db = connection.settings_dict
    env = {"PGPASSWORD": db.get("PASSWORD") or ""}
    command = ["pg_dump", "--no-owner", "-h", db.get("HOST") or "localhost", "-p", str(db.get("PORT") or 5432),
               "-U", db.get("USER") or "postgres", db["NAME"]]
    return subprocess.run(command, env={**env, "PATH": "/usr/bin:/bin"}, capture_output=True, check=True).stdout


def _files_under(*roots: Path) -> dict[Path, bytes]:
    return {p: p.read_bytes() for root in roots if root.exists() for p in root.rglob("*") if p.is_file()}


def _hits(images: dict, words: list[str]) -> list[tuple[str, str]]:
    return [(str(where), word) for where, data in images.items() for word in words
            if word.lower().encode() in data.lower()]


def test_a_full_cycle_leaves_no_marker_value_in_the_database_or_the_data_directory(
    client_a, draft, staff, station, tmp_path
):
    """GIVEN a file whose first line and records hold marker values
    WHEN it goes through upload, profile, the database department's kinds, job, production, delivery,
    confirmation and the retention purge
    THEN no marker is in the database or in any file under the data directory or the hot folder."""
    require_tool("pdftotext")
    body = "".join(";".join(row) + "\r\n" for row in [FIRST_LINE, *RECORDS]).encode("utf-8")
    data_file = receive_file(client_a, FILE_NAME, body)
    assert data_file.state == "profiled" and data_file.profile["header"] == {"positional": True, "holds": "postcode"}
    assert sorted(data_file.column_kinds) == [f"kolom {i}" for i in range(1, 7)]
    actor = Actor.for_user(staff.drafter)
    for i, kind in enumerate(KINDS, start=1):
        data_file = do_override_column_kind(data_file, f"kolom {i}", kind, actor=actor)
    assert data_file.risk == "standard" and data_file.record_count == 6

    job = produce(do_release_job(draft(data_file), user=staff.drafter, actor=actor))
    assert job.state == JobState.PRODUCED and job.records_out == 6, job.error
    job = do_deliver_job(job, actor=Actor.system("test"))
    printed = subprocess.run(
        ["pdftotext", job.delivered_files[0], "-"], capture_output=True, check=True
    ).stdout.decode()
    assert all(m.lower() in printed.lower() for m in MARKERS)  # the markers really went through production
    job = do_confirm_printed(job, user=staff.printer, actor=Actor.for_user(staff.printer))
    assert job.state == JobState.CERTIFIED
    run_purge(actor=Actor.system("test"))

    data_file.refresh_from_db()
    job.refresh_from_db()
    assert data_file.is_purged and data_file.profile["reduced"] is True
    assert sorted(job.mapping) == [f"kolom {i}" for i in range(1, 7)]
    images = {"database": _database_image(), **_files_under(Path(settings.DATA_DIR), Path(station.hot_folder))}
    if connection.vendor == "sqlite":
        for extra in ("-wal", "-journal"):  # the installation's own database file, if a test wrote to it
            path = Path(str(settings.DATABASES["default"]["NAME"]) + extra)
            if path.exists():
                images[path] = path.read_bytes()
    assert _hits({"database": images["database"]}, ["qzxbestand"])  # the search finds what is there
    assert _hits(images, MARKERS) == []
    # Print files are compressed PDFs, where a byte search finds nothing: none may be left to search.
    assert [p for p in Path(station.hot_folder).rglob("*") if p.is_file()] == []
    shutil.rmtree(station.hot_folder, ignore_errors=True)


def test_a_purge_reduces_the_profile_kinds_and_every_jobs_mapping_to_what_holds_no_values(client_a, draft, staff):
    """A header can be data that passed for names: after the purge no column name, masked example or
    reason of the file is kept, on the file or on its jobs."""
    from verwerker.datafiles.synthetic import address_csv
    from verwerker.production.actions import do_cancel_job

    body = address_csv(6, seed=5).replace(b"Achternaam", b"Qzxachternaamkop", 1)
    data_file = receive_file(client_a, "leden.csv", body)
    data_file = do_override_column_kind(data_file, "Qzxachternaamkop", "last_name", actor=Actor.system("test"))
    job = draft(data_file)
    assert "Qzxachternaamkop" in job.mapping and data_file.profile["columns"][0]["examples"]
    do_cancel_job(job, actor=Actor.system("test"))  # closing the job shreds the file and reduces it

    data_file.refresh_from_db()
    job.refresh_from_db()
    stored = repr((data_file.profile, data_file.column_kinds, data_file.overrides, job.mapping, job.dropped_columns))
    assert "qzx" not in stored.lower() and "*" not in stored  # no name, no masked example
    assert sorted(data_file.column_kinds) == sorted(f"kolom {i}" for i in range(1, 9))
    assert job.mapping["kolom 3"] == "last_name" and data_file.overrides == {"kolom 3": "last_name"}
    assert data_file.profile["rows"] == 6 and data_file.profile["risk"] == "standard"
    assert [c["kind"] for c in data_file.profile["columns"]][2] == "last_name"
