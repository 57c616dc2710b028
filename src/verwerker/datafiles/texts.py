"""What a person reads about a data file, in the active language, from what is stored in English.

A profile's risk reasons and an unreadable file's reason are stored as the code wrote them (the profile
JSON is the command line's contract, ``DataFile.reason`` the API's), in English. The screens put them
through the catalogue here: a profile's ``risks`` (codes with their column) or, for a profile stored
before those, its English lines read back; an unreadable or refused file's reason (``DataFile.reason``,
the audit log's details, a refusal's message) matched against the texts the readers and the registration
write (read.UNREADABLE_REASONS, actions.REFUSAL_REASONS). A text that matches nothing known is shown as it
is stored.
Neither holds a value from a cell: column and sheet names, sizes and exception names only.
"""

from __future__ import annotations

import functools
import re

from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from verwerker.datafiles.kinds import label, special_label
from verwerker.datafiles.read import UNREADABLE_REASONS

_NOT_NAW = gettext_noop("%(column)s (%(kind)s): not name and address data")
_NOT_NAW_NAMED = gettext_noop("%(column)s: not name and address data")  # the column is named as its kind
_SPECIAL = gettext_noop("%(column)s: the column name points at special-category data (%(category)s)")

# The English lines of profiles stored before ``risks`` (profile.risk_reason writes them still).
_STORED = (
    (re.compile(r"(?s)(?P<column>.*): (?P<kind>[a-z_]+) is not name/address data"), "not_naw"),
    (re.compile(r"(?s)(?P<column>.*): column name points at special-category data \((?P<category>[a-z_]+)\)"),
     "special"),
)


def risk_reason_texts(profile: dict) -> list[str]:
    """Why a profiled file is risk class high, one line per reason, in the active language."""
    stored = profile.get("risks")
    if isinstance(stored, list) and all(isinstance(r, dict) for r in stored):
        return [_risk_text(r) for r in stored]
    texts = []
    for line in profile.get("risk_reasons") or []:
        line = str(line)
        for pattern, code in _STORED:
            match = pattern.fullmatch(line)
            if match:
                line = _risk_text({"code": code, **match.groupdict()})
                break
        texts.append(line)
    return texts


def _risk_text(risk: dict) -> str:
    from verwerker.datafiles.profile import risk_reason  # deferred: profile imports polars

    if risk.get("code") == "not_naw" and {"column", "kind"} <= risk.keys():
        kind = label(risk["kind"])
        if str(risk["column"]).casefold() == kind.casefold():
            return _(_NOT_NAW_NAMED) % {"column": risk["column"]}
        return _(_NOT_NAW) % {"column": risk["column"], "kind": kind}
    if risk.get("code") == "special" and {"column", "category"} <= risk.keys():
        return _(_SPECIAL) % {"column": risk["column"], "category": special_label(risk["category"])}
    return risk_reason(risk)


@functools.cache
def _reason_patterns() -> list[tuple[re.Pattern, str]]:
    """Each reason a file is unreadable or refused for as a pattern, the reasons without parameters first
    (so "not a readable CSV/TSV (malformed ...)" is not read as one with an exception name)."""
    from verwerker.datafiles.actions import REFUSAL_REASONS  # deferred: actions imports the vault

    patterns = []
    for template in sorted((*UNREADABLE_REASONS, *REFUSAL_REASONS), key=lambda t: t.count("%(")):
        parts = re.split(r"%\((\w+)\)s", template)
        regex = "".join(re.escape(p) if i % 2 == 0 else f"(?P<{p}>.+?)" for i, p in enumerate(parts))
        patterns.append((re.compile(f"(?s){regex}"), template))
    return patterns


def reason_text(reason: str) -> str:
    """Why a file is unreadable or was refused (as the audit log's details hold it: the reason alone) in
    the active language; a reason no reader writes (or one cut off) as it is."""
    for pattern, template in _reason_patterns():
        match = pattern.fullmatch(reason)
        if match:
            return _(template) % match.groupdict() if match.groupdict() else _(template)
    return reason


def unreadable_text(stored: str) -> str:
    """Why a file is unreadable as ``DataFile.reason`` holds it (the file's name, a colon, the reason; a
    ZIP member's name after the ZIP's), in the active language; one not known as it is."""
    start = 0
    while (colon := stored.find(": ", start)) >= 0:
        shown = reason_text(stored[colon + 2:])
        if shown != stored[colon + 2:]:
            return f"{stored[:colon]}: {shown}"
        start = colon + 1
    return stored
