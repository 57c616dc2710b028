"""CSV that people open in a spreadsheet: cells the spreadsheet would run as a formula are neutralised.

Every CSV the system writes for a person (audit exports, the processor's register, reject reports,
manifests, a data subject's records) goes through ``csv_writer``. A text cell that starts with ``=``,
``+``, ``-``, ``@``, a tab or a carriage return gets a leading apostrophe (OWASP, "CSV injection"):
Excel and LibreOffice then show it as text instead of evaluating ``=HYPERLINK(...)`` typed into a
username field. Numbers are written as they are: a negative number is not a formula.

Not for data files that go on to be processed (a rectified upload): there the bytes must stay the
client's.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(value) -> str | int | float:
    """``value`` as a cell a spreadsheet shows as written: text with a formula prefix gets an apostrophe."""
    if value is None:
        return ""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return value
    text = str(value)
    return "'" + text if text.startswith(FORMULA_PREFIXES) else text


class SafeWriter:
    """``csv.writer`` whose every cell passes ``spreadsheet_safe``."""

    def __init__(self, out, **fmtparams):
        self._writer = csv.writer(out, **fmtparams)

    def writerow(self, row: Iterable):
        return self._writer.writerow([spreadsheet_safe(v) for v in row])

    def writerows(self, rows: Iterable[Iterable]) -> None:
        for row in rows:
            self.writerow(row)


def csv_writer(out, **fmtparams) -> SafeWriter:
    """A CSV writer for files people open in a spreadsheet (takes ``csv.writer``'s format parameters)."""
    return SafeWriter(out, **fmtparams)
