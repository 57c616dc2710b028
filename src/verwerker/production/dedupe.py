"""Deduplication and suppression on normalised records (see records.normalise_records).

Exact duplicates after normalisation are always removed: the same address block (``none``), the
same delivery point and person (``person``), or the same delivery point (``address``: one letter per
household). Near duplicates (same delivery point, similar name by rapidfuzz) are only reported for
review, never dropped. Every removed record names the row it duplicates or the list it matched.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable

import polars as pl
from rapidfuzz import fuzz

from verwerker.production.records import ROW, Reject, columns

FUZZY_THRESHOLD = 85.0


class DedupeMode(str, enum.Enum):
    PERSON = "person"
    ADDRESS = "address"
    NONE = "none"


def _key(frame: pl.DataFrame, mode: DedupeMode) -> pl.Series:
    if mode is DedupeMode.ADDRESS:
        return frame.get_column("_addr_key")
    if mode is DedupeMode.PERSON:
        return frame.get_column("_person_key")
    return frame.get_column("_lines").str.to_lowercase()


def remove_duplicates(
    frame: pl.DataFrame, mode: DedupeMode | str = DedupeMode.PERSON
) -> tuple[pl.DataFrame, list[Reject]]:
    """Keep the first record (lowest row) of each duplicate group; reject the others naming that row."""
    rejects = duplicates(frame, mode)
    if not rejects:
        return frame, rejects
    return frame.filter(~pl.col(ROW).is_in([r.row for r in rejects])), rejects


def duplicates(frame: pl.DataFrame, mode: DedupeMode | str = DedupeMode.PERSON) -> list[Reject]:
    """remove_duplicates' rejects alone, without copying the records that stay (a million records
    copied is memory a merge does not need: it copies them once, in postal order)."""
    mode = DedupeMode(mode)
    # Only records whose key's 64-bit hash repeats can be duplicates: a hash per record is far lighter
    # than grouping a million strings. Those few are then grouped on the key itself (sorted by key and
    # row), so a hash collision never removes a record; each names the first row of its group.
    keys = _key(frame, mode)
    repeats = keys.hash(seed=0).is_duplicated()
    key, first = pl.col("_key"), pl.col("_first")
    dupes = (
        pl.DataFrame([frame.get_column(ROW), keys.alias("_key")])
        .filter(repeats)
        .sort("_key", ROW)
        .with_columns(pl.when((key != key.shift(1)).fill_null(True)).then(pl.col(ROW)).forward_fill().alias("_first"))
        .filter(pl.col(ROW) != first)
        .select(ROW, "_first")
        .sort(ROW)
    )
    reason = {DedupeMode.PERSON: "duplicate person at the same address", DedupeMode.ADDRESS:
              "another letter goes to the same address", DedupeMode.NONE: "identical address block"}[mode]
    return [Reject(row=r, reason=reason, related_row=f) for r, f in dupes.iter_rows()]


def find_near_duplicates(frame: pl.DataFrame, *, threshold: float = FUZZY_THRESHOLD) -> list[Reject]:
    """Pairs at the same delivery point whose names are similar but not equal, for a person to review.

    Blocks by delivery point, so the pairwise comparison stays within a handful of records.
    """
    multi = (
        columns(frame, ROW, "_addr_key", "_name_key")
        .filter(pl.len().over("_addr_key") > 1)
        .group_by("_addr_key", maintain_order=True)
        .agg(pl.col(ROW), pl.col("_name_key"))
    )
    found: list[Reject] = []
    for _key, rows, names in multi.iter_rows():
        for i in range(len(rows)):
            for j in range(i):
                if names[i] == names[j]:
                    continue
                score = fuzz.ratio(names[i], names[j])
                if score >= threshold:
                    found.append(Reject(row=rows[i], reason=f"possibly the same person (similarity {score:.0f})",
                                        action="review", related_row=rows[j]))
                    break
    return found


def suppress(frame: pl.DataFrame, lists: Iterable[tuple[str, pl.DataFrame]]) -> tuple[pl.DataFrame, list[Reject]]:
    """Remove records matching a suppression list (normalised the same way).

    A list row with a name suppresses that person at that address; a list row without a name
    suppresses the whole delivery point; an e-mail address suppresses records with the same e-mail.
    """
    rejects: list[Reject] = []
    for name, listed in lists:
        person_keys = (
            set(listed.filter(pl.col("_name_key").str.len_chars() > 1)["_person_key"].to_list())
            if "_person_key" in listed.columns
            else set()
        )
        addr_keys = (
            set(listed.filter(pl.col("_name_key").str.len_chars() <= 1)["_addr_key"].to_list())
            if "_addr_key" in listed.columns
            else set()
        )
        emails = set()
        if "email" in listed.columns:
            emails = {e.strip().lower() for e in listed["email"].drop_nulls().to_list() if e and e.strip()}
        hit = pl.col("_person_key").is_in(list(person_keys)) | pl.col("_addr_key").is_in(list(addr_keys))
        if emails and "email" in frame.columns:
            hit = hit | pl.col("email").str.strip_chars().str.to_lowercase().is_in(list(emails)).fill_null(False)
        matched = frame.filter(hit)
        rejects.extend(Reject(row=r, reason="on a suppression list", related=name) for r in matched[ROW].to_list())
        frame = frame.filter(~hit)
    return frame, rejects
