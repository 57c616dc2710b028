"""Loaded with `-p` before pytest-django reads the settings: each test run gets its own data directory,
so keys and files of a test run never land in ./var.

The directory (mode 0700) holds the run's master key beside the vault it opens, its database and
whatever the tests uploaded; all test data is generated, but nothing of a run is left behind either:
the directory goes when the run ends. A directory given in VERWERKER_DATA_DIR is the caller's and stays.
"""

import atexit
import os
import shutil
import tempfile

_CREATED = None


def _remove() -> None:
    if _CREATED is not None:
        shutil.rmtree(_CREATED, ignore_errors=True)


if "VERWERKER_DATA_DIR" not in os.environ:
    _CREATED = tempfile.mkdtemp(prefix="verwerker-test-")
    os.environ["VERWERKER_DATA_DIR"] = _CREATED
    atexit.register(_remove)  # also when pytest stops before its unconfigure hook (an error at collection)


def pytest_unconfigure(config) -> None:
    _remove()
