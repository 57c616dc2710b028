"""Reading a client's data file for the engine: the datafiles package reads, detects and maps."""

from __future__ import annotations

import polars as pl

from verwerker.datafiles.detect import detect_columns
from verwerker.datafiles.read import read_table


def read_client_table(data: bytes, *, name: str, sheet: str | None = None) -> tuple[pl.DataFrame, dict[str, str]]:
    """The file's table (all strings) and the detected mapping ``{column: kind}``.

    The reader's own errors (UnreadableFile, a ValueError with one line naming the file) pass through.
    """
    frame = read_table(data, name=name, sheet=sheet).frame
    mapping = {guess.name: guess.kind.value for guess in detect_columns(frame)}
    return frame, mapping
