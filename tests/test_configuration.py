"""Every VERWERKER_* variable the settings read is documented, and production settings pass the deploy check."""

import re
from pathlib import Path

import pytest

from verwerker.lib.env import READ, ConfigError, env_bool
from verwerker.lib.testing import verwerker

DOC = Path(__file__).resolve().parents[1] / "docs" / "configuration.md"


def test_every_variable_read_by_the_settings_is_documented(settings):
    documented = set(re.findall(r"`(VERWERKER_[A-Z_]+)`", DOC.read_text()))
    # A secret read as NAME or NAME_FILE is documented as NAME; a path read only as NAME_FILE, as itself.
    read = {name.removesuffix("_FILE") if name.removesuffix("_FILE") in READ else name for name in READ}
    assert read, "settings were loaded, so variables were read"
    assert read - documented == set()


def test_booleans_accept_only_true_or_false(monkeypatch):
    monkeypatch.setenv("VERWERKER_DEBUG", "yes")
    with pytest.raises(ConfigError, match="true or false"):
        env_bool("VERWERKER_DEBUG", False)


@pytest.mark.slow
def test_production_settings_pass_the_deploy_check(tmp_path):
    env = {
        "PATH": "/usr/bin:/bin",
        "VERWERKER_DATA_DIR": str(tmp_path),
        "VERWERKER_HTTPS": "true",
        "VERWERKER_SECRET_KEY": "p" * 20 + "-production-key-that-is-long-and-random-0123456789",
        "VERWERKER_ALLOWED_HOSTS": "verwerker.example.nl",
    }
    result = verwerker(env, "check", "--deploy", "--fail-level", "WARNING", check=False)
    assert result.returncode == 0, result.stderr + result.stdout


@pytest.mark.slow
def test_the_deploy_check_refuses_debug(tmp_path):
    env = {"PATH": "/usr/bin:/bin", "VERWERKER_DATA_DIR": str(tmp_path), "VERWERKER_DEBUG": "true"}
    result = verwerker(env, "check", "--deploy", "--fail-level", "WARNING", check=False)
    assert result.returncode != 0 and "DEBUG" in result.stderr


@pytest.mark.slow
def test_the_sqlite_database_and_its_wal_are_private_to_the_owner(tmp_path):
    """GIVEN a fresh embedded install (umask 022) WHEN a process opens and writes the database THEN the
    database file and the WAL beside it are mode 0600: they hold password hashes and TOTP seeds."""
    import os
    import subprocess
    import sys

    data = tmp_path / "data"
    script = (
        "import os, django; django.setup()\n"
        "from django.db import connection\n"
        "with connection.cursor() as c: c.execute('CREATE TABLE probe (x int)'); c.execute('INSERT INTO probe VALUES (1)')\n"  # noqa: E501
        f"db = {str(data / 'verwerker.sqlite3')!r}\n"
        "print(' '.join(oct(os.stat(p).st_mode & 0o777) for p in (db, db + '-wal')))\n"
    )
    env = {k: v for k, v in os.environ.items() if k != "VERWERKER_DATABASE_URL"}
    env.update(VERWERKER_DATA_DIR=str(data), DJANGO_SETTINGS_MODULE="verwerker.settings")
    result = subprocess.run(
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=60,
        preexec_fn=lambda: os.umask(0o022),
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["0o600", "0o600"]
