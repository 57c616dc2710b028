import json
import sys
from pathlib import Path

import pytest

SAMPLES = Path(__file__).resolve().parents[4] / "tests" / "samples"
sys.path.insert(0, str(SAMPLES))


@pytest.fixture(scope="session")
def expected() -> dict:
    return json.loads((SAMPLES / "expected.json").read_text())


@pytest.fixture(scope="session")
def samples_dir() -> Path:
    return SAMPLES
