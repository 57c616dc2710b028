"""Postal sort: Dutch addresses by postcode, number, letter, addition; foreign after, by country.

Adds ``_seq`` (1..n), ``_bundle`` (breaks at ``bundle_size`` records and at every change of postal
region, the first ``region_digits`` digits of the postcode; the country for foreign mail) and
``_bundle_end`` (the last record of a bundle, as Sandd marked it).
"""

from __future__ import annotations

import polars as pl

from verwerker.production.records import ROW

DEFAULT_BUNDLE_SIZE = 100
DEFAULT_REGION_DIGITS = 2


def postal_sort(
    frame: pl.DataFrame, *, bundle_size: int = DEFAULT_BUNDLE_SIZE, region_digits: int = DEFAULT_REGION_DIGITS
) -> pl.DataFrame:
    """The records in postal order with sequence and bundle columns (see module docstring)."""
    if bundle_size < 1:
        raise ValueError("bundle size must be at least 1")
    foreign = pl.col("_country") != "NL"
    country_name = pl.col("_lines").str.extract(r"([^\n]*)$")
    ordered = frame.sort(
        [foreign, pl.when(foreign).then(country_name).otherwise(pl.lit("")), pl.col("_postcode"),
         pl.col("_number"), pl.col("_letter"), pl.col("_addition"), pl.col(ROW)],
        nulls_last=True,
    )
    region = pl.when(foreign).then(pl.col("_country")).otherwise(pl.col("_postcode").str.slice(0, region_digits))
    ordered = ordered.with_columns(region.alias("_region"), pl.int_range(1, pl.len() + 1, dtype=pl.Int64).alias("_seq"))
    group = (pl.col("_region") != pl.col("_region").shift(1)).fill_null(True).cum_sum()
    ordered = ordered.with_columns(group.alias("_group"))
    within = pl.int_range(0, pl.len(), dtype=pl.Int64).over("_group") // bundle_size
    ordered = ordered.with_columns(within.alias("_sub"))
    change = ((pl.col("_group") != pl.col("_group").shift(1)) | (pl.col("_sub") != pl.col("_sub").shift(1))).fill_null(True)
    ordered = ordered.with_columns(change.cum_sum().cast(pl.Int64).alias("_bundle"))
    ordered = ordered.with_columns(
        (pl.col("_bundle") != pl.col("_bundle").shift(-1)).fill_null(True).alias("_bundle_end")
    )
    return ordered.drop("_group", "_sub")
