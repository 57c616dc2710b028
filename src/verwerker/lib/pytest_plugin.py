"""Loaded with `-p` before pytest-django reads the settings: each test run gets its own data directory,
so keys and files of a test run never land in ./var."""

import os
import tempfile

os.environ.setdefault("VERWERKER_DATA_DIR", tempfile.mkdtemp(prefix="verwerker-test-"))
