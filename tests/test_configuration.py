"""Every VERWERKER_* variable the settings read is documented, and production settings pass the deploy check."""

import re
from pathlib import Path

import pytest

from verwerker.lib.env import READ, ConfigError, env_bool
from verwerker.lib.testing import verwerker

DOC = Path(__file__).resolve().parents[1] / "docs" / "configuration.md"


def test_every_variable_read_by_the_settings_is_documented(settings):
    documented = set(re.findall(r"`(VERWERKER_[A-Z_]+)`", DOC.read_text()))
    # A secret with a *_FILE variant is documented under its own name; a variable that is only ever a
    # file (the signing key and certificate) under its *_FILE name.
    read = {name if name in documented else name.removesuffix("_FILE") for name in READ}
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
