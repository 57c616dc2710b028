"""Typed readers for VERWERKER_* environment variables.

Every reader records the name it was asked for in ``READ``, so a test can check that each variable the
settings read is documented in ``docs/configuration.md``. Secrets may come from ``NAME_FILE`` (the path
of a file holding the value) so they need not sit in the process environment.
"""

from __future__ import annotations

import os
from pathlib import Path

PREFIX = "VERWERKER_"
READ: set[str] = set()


class ConfigError(ValueError):
    """A VERWERKER_* variable holds a value that cannot be used."""


def _raw(name: str) -> str | None:
    if not name.startswith(PREFIX):
        raise ValueError(f"{name} is not a {PREFIX}* variable")
    READ.add(name)
    return os.environ.get(name)


def env_str(name: str, default: str = "") -> str:
    value = _raw(name)
    return default if value is None or value == "" else value


def env_secret(name: str, default: str = "") -> str:
    """Read NAME, or the contents of the file named by NAME_FILE."""
    value = _raw(name)
    file_name = _raw(name + "_FILE")
    if value and file_name:
        raise ConfigError(f"set {name} or {name}_FILE, not both")
    if file_name:
        try:
            return Path(file_name).read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise ConfigError(f"{name}_FILE: cannot read {file_name}: {exc.strerror}") from None
    return value or default


def env_bool(name: str, default: bool) -> bool:
    """Only the words true and false are accepted; anything else is an error, not a guess."""
    value = _raw(name)
    if value is None or value == "":
        return default
    if value.lower() == "true":
        return True
    if value.lower() == "false":
        return False
    raise ConfigError(f"{name} must be true or false, not {value!r}")


def env_int(name: str, default: int, *, minimum: int | None = None) -> int:
    value = _raw(name)
    if value is None or value == "":
        return default
    try:
        number = int(value)
    except ValueError:
        raise ConfigError(f"{name} must be a whole number, not {value!r}") from None
    if minimum is not None and number < minimum:
        raise ConfigError(f"{name} must be at least {minimum}, not {number}")
    return number


def env_list(name: str, default: list[str] | None = None) -> list[str]:
    value = _raw(name)
    if value is None or value.strip() == "":
        return list(default or [])
    return [item.strip() for item in value.split(",") if item.strip()]


def env_path(name: str, default: str) -> Path:
    return Path(env_str(name, default)).expanduser().resolve()
