"""`python -m bench [NAME ...]`: run the named benchmarks, or all of them, each in its own process."""

import pkgutil
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
SKIP = {"common", "__main__"}


def main() -> int:
    # `python -m bench NAME [args...]` runs one with its arguments; no arguments runs all with defaults.
    if len(sys.argv) > 1:
        runs = [(sys.argv[1], sys.argv[2:])]
    else:
        runs = [(m.name, []) for m in sorted(pkgutil.iter_modules([str(HERE)]), key=lambda m: m.name) if m.name not in SKIP]
    status = 0
    for name, args in runs:
        print(f"== bench {name}", flush=True)
        status |= subprocess.run([sys.executable, "-m", f"bench.{name}", *args], cwd=HERE.parent).returncode
    return status


if __name__ == "__main__":
    sys.exit(main())
