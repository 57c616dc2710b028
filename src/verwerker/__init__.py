"""Verwerker: a print-and-mail house's system for processing client personal data."""

import os

__version__ = "0.1.0"

# polars allocates with jemalloc, which by default keeps freed pages for several seconds before giving
# them back; a merge or profile of a million records then holds every intermediate frame it ever made
# (1.3 GiB instead of 1.1 at the peak of preparing a merge). Returning pages at once cost no measurable
# time (bench merge --sort-rows). Set before polars loads, which only Verwerker's own modules import;
# an operator's own setting wins.
os.environ.setdefault("_RJEM_MALLOC_CONF", "dirty_decay_ms:0,muzzy_decay_ms:0")
