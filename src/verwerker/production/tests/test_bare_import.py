"""The engine imports without Django's settings: the benchmarks (bench/merge.py, bench/stages.py) run it bare."""

import os
import subprocess
import sys


def test_the_engine_imports_without_settings():
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    done = subprocess.run(
        [sys.executable, "-c", "import verwerker.production.pipeline, verwerker.production.engine"],
        env=env, capture_output=True, text=True, timeout=120,
    )
    assert done.returncode == 0, done.stderr[-2000:]
