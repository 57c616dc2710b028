"""The audit log's hash chain (P15): pure functions, no ORM.

Threat model: someone with write access to the database (an administrator, an attacker with the
database credentials, a restored tampered backup) edits, deletes or inserts audit rows to hide what
happened. Database triggers refuse UPDATE and DELETE, but whoever can drop a trigger can bypass that;
the chain makes any such change detectable afterwards.

Invariants: event n stores ``hash_n = SHA-256(hash_{n-1} || canonical(event_n))`` with hash_0 = 64
zeros; ``seq`` runs 1, 2, 3, ... without gaps. Editing a row breaks its own hash; deleting or inserting
one breaks the sequence or the next row's link. The canonical form is a JSON array of the fields in a
fixed order, so no two different events share a canonical text.

Limits: an attacker who rewrites the whole chain from some row onward, recomputing every hash, is not
detected by the chain alone; exporting the head hash elsewhere (``verwerker audit head``) anchors it.

This file needs nothing but Python's standard library, so an auditor can check an export offline with
it alone: ``python3 chain.py export.json`` (see docs/audit.md).
"""

from __future__ import annotations

import hashlib
import json
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

GENESIS = "0" * 64

# Field order of the canonical form. Never reorder; add new fields at the end only, with a version bump.
FIELDS = (
    "seq",
    "created_at",
    "actor_type",
    "actor_id",
    "actor_label",
    "client_id",
    "action",
    "object_type",
    "object_id",
    "outcome",
    "source_ip",
    "details",
)

_dumps = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), sort_keys=True).encode


def canonical_details(details: dict | None) -> str:
    """The stored form of an event's details: compact JSON with sorted keys."""
    return _dumps(details or {})


def canonical(values: Sequence) -> bytes:
    """Canonical bytes of one event, given its values in FIELDS order (created_at as ISO text)."""
    return _dumps(list(values)).encode("utf-8")


def link(prev_hash: str, values: Sequence) -> str:
    return hashlib.sha256(prev_hash.encode("ascii") + canonical(values)).hexdigest()


@dataclass(frozen=True)
class Break:
    seq: int
    reason: str


def verify(rows: Iterable[tuple], *, start_seq: int = 1, start_hash: str = GENESIS) -> tuple[int, Break | None]:
    """Check rows ``(values_in_FIELDS_order..., prev_hash, hash)`` in seq order.

    Returns the number of events checked and the first break, or None when the chain is whole.
    """
    expected_seq = start_seq
    prev = start_hash
    count = 0
    sha = hashlib.sha256
    for row in rows:
        *values, stored_prev, stored_hash = row
        seq = values[0]
        if seq != expected_seq:
            if seq > expected_seq:
                return count, Break(seq, f"events {expected_seq}..{seq - 1} are missing")
            return count, Break(seq, f"event {seq} is out of order or duplicated")
        if stored_prev != prev:
            return count, Break(seq, "its link to the previous event does not match")
        if sha(prev.encode("ascii") + _dumps(values).encode("utf-8")).hexdigest() != stored_hash:
            return count, Break(seq, "its content does not match its hash (changed after writing)")
        prev = stored_hash
        expected_seq += 1
        count += 1
    return count, None


def verify_export(document: dict) -> list[str]:
    """Check an exported selection of events (``verwerker audit export --format json``) on its own.

    Every event's hash must match its content and stated predecessor; where two exported events are
    consecutive, the later one must link to the earlier. A selection (one client, one period) has gaps
    by nature; those are reported as ranges, not as errors. Returns the problems found (empty: intact).
    """
    problems = []
    previous = None
    for event in document.get("events", []):
        values, prev_hash, stored = event["values"], event["prev_hash"], event["hash"]
        seq = values[0]
        if link(prev_hash, values) != stored:
            problems.append(f"event {seq}: content does not match its hash")
        if previous is not None and seq == previous[0] + 1 and prev_hash != previous[1]:
            problems.append(f"event {seq}: does not link to event {previous[0]}")
        previous = (seq, stored)
    head = document.get("head") or {}
    if previous is not None and head.get("seq") == previous[0] and head.get("hash") != previous[1]:
        problems.append("the last event is not the head the export names")
    return problems


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1:
        print("usage: python3 chain.py EXPORT.json", file=sys.stderr)
        return 2
    try:
        with open(args[0], encoding="utf-8") as fh:
            document = json.load(fh)
    except (OSError, ValueError) as exc:
        print(f"{args[0]}: cannot read the export: {exc}", file=sys.stderr)
        return 2
    problems = verify_export(document)
    count = len(document.get("events", []))
    if problems:
        for problem in problems:
            print(f"{args[0]}: {problem}", file=sys.stderr)
        return 1
    head = document.get("head", {})
    print(f"{args[0]}: {count} events intact; chain head at export: {head.get('seq')} {head.get('hash')}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
