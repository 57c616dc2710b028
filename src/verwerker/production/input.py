"""ADAPTER — reading a client's data file for `verwerker merge`, through the datafiles package.

The datafiles package (reading CSV/TSV/XLSX/ODS and detecting column kinds) is built on its own
branch; this module is the one place the production engine touches it, imported lazily so the
engine itself never depends on it. Replace nothing here when datafiles lands: its interface is
``read_table(data, *, name, sheet=None) -> Table`` (``Table.frame`` all Utf8) and
``detect_columns(frame) -> list[ColumnGuess]`` (``.name``, ``.kind``).
"""

from __future__ import annotations

import polars as pl


class InputUnavailable(RuntimeError):
    """The datafiles package is not installed in this build."""


def read_client_table(data: bytes, *, name: str, sheet: str | None = None) -> tuple[pl.DataFrame, dict[str, str]]:
    """The file's table (all strings) and the detected mapping ``{column: kind}``.

    Raises InputUnavailable when verwerker.datafiles is missing; the reader's own errors pass through.
    """
    try:
        from verwerker.datafiles.detect import detect_columns
        from verwerker.datafiles.read import read_table
    except ImportError:
        raise InputUnavailable(
            "reading data files needs verwerker.datafiles, which is not installed in this build"
        ) from None
    table = read_table(data, name=name, sheet=sheet)
    frame = table.frame
    mapping = {guess.name: str(getattr(guess.kind, "value", guess.kind)) for guess in detect_columns(frame)}
    return frame, mapping
