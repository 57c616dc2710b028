"""From a client's table to address-ready records: kind-named columns, address blocks, reject rows.

Works on a polars DataFrame whose columns are all strings plus a mapping ``{column: kind}`` (kinds as
``verwerker.datafiles.kinds.Kind`` values, and ``kix`` for a PostNL-supplied KIX column). The
datafiles package is not imported here: the engine only needs the kind names.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from verwerker.production.address import DEFAULT_LINE_LENGTH, Unaddressable, build_address_block, delivery_point_key

# Kinds that may be mapped more than once; their columns become address_line, address_line_2, ...
MULTI_KINDS = {"address_line"}
# Computed columns start with "_" so they never clash with a kind name.
ROW = "_row"


@dataclass(frozen=True, slots=True)
class Reject:
    """One record left out of the production, for the reject report (reason names no personal data)."""

    row: int
    reason: str
    action: str = "removed"  # "removed", or "review" for a kept record that may be a duplicate
    related_row: int | None = None
    related: str = ""  # the list name a suppression matched, or the duplicate's key kind


class MappingError(ValueError):
    """The column mapping does not fit the table."""


def apply_mapping(frame: pl.DataFrame, mapping: dict[str, str]) -> pl.DataFrame:
    """Rename mapped columns to their kinds, keep a 1-based ``_row`` (data row number) and drop the rest.

    Raises MappingError when a mapped column is missing or a single-valued kind is mapped twice.
    """
    missing = [c for c in mapping if c not in frame.columns]
    if missing:
        raise MappingError(f"mapped column {missing[0]!r} is not in the file")
    seen: dict[str, int] = {}
    exprs = [pl.int_range(1, pl.len() + 1, dtype=pl.Int64).alias(ROW)]
    for column, kind in mapping.items():
        kind = str(getattr(kind, "value", kind))
        if kind in {"", "ignore"}:
            continue
        if kind == "other":
            # Unclassified columns stay available to templates by their own name.
            exprs.append(pl.col(column).cast(pl.Utf8).alias(f"field:{column}"))
            continue
        count = seen.get(kind, 0) + 1
        seen[kind] = count
        if count > 1 and kind not in MULTI_KINDS:
            raise MappingError(f"kind {kind!r} is mapped to more than one column")
        name = kind if count == 1 else f"{kind}_{count}"
        exprs.append(pl.col(column).cast(pl.Utf8).alias(name))
    return frame.select(exprs)


# Rows per batch when building address blocks: bounds the Python objects alive at once.
BATCH_ROWS = 50_000


def columns(frame: pl.DataFrame, *names: str) -> pl.DataFrame:
    """A frame of some of ``frame``'s columns, taken as they are (a select on a frame whose columns are
    chunked differently first copies all of them into one chunking)."""
    return pl.DataFrame([frame.get_column(name) for name in names])


def normalise_records(
    frame: pl.DataFrame, *, line_length: int = DEFAULT_LINE_LENGTH, require_name: bool = True
) -> tuple[pl.DataFrame, list[Reject]]:
    """Build each record's address block; return the addressable records and the unaddressable ones.

    Adds ``_lines`` (the block's lines joined by newlines), ``_kix``, ``_country``, ``_postcode``, ``_number``, ``_letter``,
    ``_addition``, ``_name_key``, ``_greeting``, ``_addr_key`` and ``_person_key``. Works in batches
    so a million rows never become a million live Python dicts.
    """  # noqa: E501
    rejects: list[Reject] = []
    parts = []
    for start in range(0, max(frame.height, 1), BATCH_ROWS):
        batch = frame.slice(start, BATCH_ROWS)
        parts.append(_normalise_batch(batch, line_length, require_name, rejects))
    # The file's columns stay views of the file's frame (no copy), so they are chunked as read and the
    # computed ones per batch. Polars copies every column of such a frame to align the chunks for any
    # select on it: take what you need with columns() instead.
    out = pl.concat(parts, rechunk=False) if len(parts) > 1 else parts[0]
    return out, rejects


def _normalise_batch(frame: pl.DataFrame, line_length: int, require_name: bool, rejects: list[Reject]) -> pl.DataFrame:
    keep_rows: list[int] = []
    cols: dict[str, list] = {k: [] for k in ("_lines", "_kix", "_country", "_postcode", "_number", "_letter",
                                             "_addition", "_name_key", "_greeting", "_addr_key")}
    for record in frame.iter_rows(named=True):
        try:
            block = build_address_block(record, line_length=line_length, require_name=require_name)
        except Unaddressable as exc:
            rejects.append(Reject(row=record[ROW], reason=f"unaddressable: {exc.reason}"))
            continue
        keep_rows.append(record[ROW])
        cols["_lines"].append("\n".join(block.lines))
        cols["_kix"].append(block.kix)
        cols["_country"].append(block.country_code)
        cols["_postcode"].append(block.postcode)
        cols["_number"].append(block.number)
        cols["_letter"].append(block.letter.upper())
        cols["_addition"].append(block.addition.upper())
        cols["_name_key"].append(block.name_key)
        cols["_greeting"].append(block.greeting)
        if block.domestic:
            addr_key = (f"NL|{block.postcode}|{block.number}|{block.letter.upper()}|{block.addition.upper()}"
                        f"|{block.indication}")
        else:
            addr_key = f"{block.country_code}|{block.postcode.upper()}|{block.extra.get('street_key', '')}"
        cols["_addr_key"].append(addr_key)
    computed = pl.DataFrame(
        {ROW: keep_rows, **cols},
        schema={ROW: pl.Int64, "_lines": pl.Utf8, "_kix": pl.Utf8, "_country": pl.Utf8,
                "_postcode": pl.Utf8, "_number": pl.Int64, "_letter": pl.Utf8, "_addition": pl.Utf8,
                "_name_key": pl.Utf8, "_greeting": pl.Utf8, "_addr_key": pl.Utf8},
    )
    # Lines stay one string (a list column of a million rows costs more memory and time than it
    # saves); kept rows are in the batch's order, so the columns are stacked, not joined.
    kept = frame.filter(pl.col(ROW).is_in(keep_rows)) if len(keep_rows) != frame.height else frame
    out = kept.hstack(computed.drop(ROW))
    return out.with_columns((pl.col("_addr_key") + "|" + pl.col("_name_key")).alias("_person_key"))


def normalise_suppression_list(listed: pl.DataFrame, mapping: dict[str, str]) -> pl.DataFrame:
    """A suppression list's rows, keyed for dedupe.suppress: the one way production and the CRM read one.

    A row needs no name (then it suppresses the whole delivery point), and a Dutch row needs only its
    postcode and house number: the Postfilter register names delivery points that way, without street or
    town, which the address rules would otherwise refuse. Rows that name no address at all still count
    by their e-mail address (dedupe.suppress). ``mapping`` is column -> kind, as for a data file.
    """
    mapped = apply_mapping(listed, mapping)
    normalised, unusable = normalise_records(mapped, line_length=10_000, require_name=False)
    if not unusable:
        return normalised
    points = {"addr": [], "name": [], "email": []}  # type: ignore[var-annotated]
    rows = [r.row for r in unusable]
    for record in mapped.filter(pl.col(ROW).is_in(rows)).iter_rows(named=True):
        key = delivery_point_key(record)
        email = record.get("email")
        if key is None and not email:
            continue
        addr, name = key if key is not None else ("", "")
        points["addr"].append(addr or f"-|{record[ROW]}")  # a row with only an e-mail matches no address
        points["name"].append(name)
        points["email"].append(email)
    if not points["addr"]:
        return normalised
    extra = pl.DataFrame({"_addr_key": points["addr"], "_name_key": points["name"], "email": points["email"]},
                         schema={"_addr_key": pl.Utf8, "_name_key": pl.Utf8, "email": pl.Utf8})
    extra = extra.with_columns((pl.col("_addr_key") + "|" + pl.col("_name_key")).alias("_person_key"))
    wanted = ["_addr_key", "_name_key", "_person_key", "email"]
    base = normalised.select([c if c in normalised.columns else pl.lit(None, pl.Utf8).alias(c) for c in wanted])
    return pl.concat([base, extra.select(wanted)], how="vertical_relaxed")
