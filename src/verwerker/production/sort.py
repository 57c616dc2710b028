"""Postal sort: Dutch addresses by postcode, number, letter, addition; foreign after, by country.

Adds ``_seq`` (1..n), ``_bundle`` (breaks at ``bundle_size`` records and at every change of postal
region, the first ``region_digits`` digits of the postcode; the country for foreign mail) and
``_bundle_end`` (the last record of a bundle, as Sandd marked it).
"""

from __future__ import annotations

from collections.abc import Collection

import polars as pl

from verwerker.production.records import ROW, columns

DEFAULT_BUNDLE_SIZE = 100
DEFAULT_REGION_DIGITS = 2


def postal_sort(
    frame: pl.DataFrame, *, bundle_size: int = DEFAULT_BUNDLE_SIZE, region_digits: int = DEFAULT_REGION_DIGITS,
    drop: Collection[int] = (),
) -> pl.DataFrame:
    """The records in postal order with sequence and bundle columns (see module docstring), without the
    records whose source row is in ``drop``."""
    ordered = move_in_order(frame.clone(), postal_order(frame, drop=drop))  # the clone shares the columns
    return number_and_bundle(ordered, bundle_size=bundle_size, region_digits=region_digits)


def move_in_order(frame: pl.DataFrame, at: pl.Series) -> pl.DataFrame:
    """``frame``'s rows at positions ``at``, copied column by column while each old column is let go, so a
    million records are never held twice. ``frame`` is left empty."""
    moved = []
    for name in list(frame.columns):
        moved.append(frame.get_column(name).gather(at))
        frame.drop_in_place(name)
    return pl.DataFrame(moved)


def postal_order(frame: pl.DataFrame, *, drop: Collection[int] = ()) -> pl.Series:
    """Positions of the records in postal order, leaving out those whose source row is in ``drop``.

    Found on the sort keys alone, so the records themselves are copied once, in that order.
    """
    foreign = pl.col("_country") != "NL"
    country_name = pl.col("_lines").str.extract(r"([^\n]*)$")
    keys = columns(frame, "_country", "_lines", "_postcode", "_number", "_letter", "_addition", ROW).select(
        pl.int_range(0, pl.len(), dtype=pl.UInt32).alias("_at"), foreign.alias("_k0"),
        pl.when(foreign).then(country_name).otherwise(pl.lit("")).alias("_k1"),
        "_postcode", "_number", "_letter", "_addition", ROW,
    )
    if drop:
        keys = keys.filter(~pl.col(ROW).is_in(list(drop)))
    return keys.sort(["_k0", "_k1", "_postcode", "_number", "_letter", "_addition", ROW], nulls_last=True).get_column(
        "_at"
    )


def number_and_bundle(
    ordered: pl.DataFrame, *, bundle_size: int = DEFAULT_BUNDLE_SIZE, region_digits: int = DEFAULT_REGION_DIGITS
) -> pl.DataFrame:
    """Sequence numbers and bundles for records already in postal order."""
    if bundle_size < 1:
        raise ValueError("bundle size must be at least 1")
    foreign = pl.col("_country") != "NL"
    region = pl.when(foreign).then(pl.col("_country")).otherwise(pl.col("_postcode").str.slice(0, region_digits))
    ordered = ordered.with_columns(region.alias("_region"), pl.int_range(1, pl.len() + 1, dtype=pl.Int64).alias("_seq"))
    group = (pl.col("_region") != pl.col("_region").shift(1)).fill_null(True).cum_sum()
    ordered = ordered.with_columns(group.alias("_group"))
    within = pl.int_range(0, pl.len(), dtype=pl.Int64).over("_group") // bundle_size
    ordered = ordered.with_columns(within.alias("_sub"))
    change = ((pl.col("_group") != pl.col("_group").shift(1)) | (pl.col("_sub") != pl.col("_sub").shift(1))).fill_null(
        True
    )
    ordered = ordered.with_columns(change.cum_sum().cast(pl.Int64).alias("_bundle"))
    ordered = ordered.with_columns(
        (pl.col("_bundle") != pl.col("_bundle").shift(-1)).fill_null(True).alias("_bundle_end")
    )
    return ordered.drop("_group", "_sub")
