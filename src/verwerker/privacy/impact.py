"""Impact analysis of a breach: what was exposed, from the system's own metadata and audit log.

Sources are plain functions, one per kind of record the house keeps, listed in privacy/sources.py
(IMPACT_SOURCES); the caller passes them. Each yields Exposure rows for a time window and,
optionally, the systems and accounts involved. Rows describe files and records; they never contain the
records' contents.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field, fields


@dataclass(frozen=True)
class Exposure:
    client_id: int
    source: str  # which register found it
    object_type: str
    object_id: str
    name: str = ""  # display name, no personal data
    records: int | None = None
    kinds: tuple[str, ...] = ()  # column kinds (data categories)
    risk: str = ""  # standard / high
    state: str = ""  # e.g. stored, shredded


@dataclass(frozen=True)
class Window:
    start: dt.datetime
    end: dt.datetime
    systems: tuple[str, ...] = ()
    accounts: tuple[str, ...] = ()


Source = Callable[[Window], Iterable[Exposure]]


@dataclass
class ClientImpact:
    client_id: int
    exposures: list[Exposure] = field(default_factory=list)

    @property
    def records(self) -> int:
        return sum(e.records or 0 for e in self.exposures)

    @property
    def kinds(self) -> list[str]:
        return sorted({k for e in self.exposures for k in e.kinds})

    @property
    def risks(self) -> list[str]:
        return sorted({e.risk for e in self.exposures if e.risk})

    def to_json(self) -> dict:
        return {
            "client_id": self.client_id,
            "records": self.records,
            "kinds": self.kinds,
            "risks": self.risks,
            "exposures": [asdict(e) for e in self.exposures],
        }


def _merge(old: Exposure, new: Exposure) -> Exposure:
    """One object found by several sources: keep what each knows (the vault knows the name, the data
    files app the record count, the audit log that it was touched)."""
    merged = {}
    for f in fields(Exposure):
        a, b = getattr(old, f.name), getattr(new, f.name)
        merged[f.name] = a if a not in (None, "", ()) else b
    sources = old.source.split(", ")
    merged["source"] = ", ".join(sources + ([new.source] if new.source not in sources else []))
    return Exposure(**merged)


def analyse(window: Window, sources: Iterable[Source]) -> dict[int, ClientImpact]:
    """Every client with something exposed in the window, with what was exposed (by ``sources``)."""
    found: dict[tuple, Exposure] = {}
    for source in sources:
        for exposure in source(window):
            key = (exposure.client_id, exposure.object_type, exposure.object_id)
            found[key] = _merge(found[key], exposure) if key in found else exposure
    impacts: dict[int, ClientImpact] = {}
    for (client_id, _type, _id), exposure in found.items():
        impacts.setdefault(client_id, ClientImpact(client_id)).exposures.append(exposure)
    return impacts
