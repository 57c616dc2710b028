"""Benchmarks: each module reports ratios against a baseline measured in the same run.

Run all with `make bench` (or `python -m bench`), one with `python -m bench NAME [args]`.

Verwerker is imported first, so the allocator setting it makes for polars (see verwerker/__init__.py)
holds for both sides of every comparison, as it does for the `verwerker` command.
"""

import verwerker  # noqa: F401  (before polars loads anywhere in a benchmark)
