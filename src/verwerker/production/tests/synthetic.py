"""Synthetic client tables for the engine's tests and benchmark (made up people, no real data)."""

from __future__ import annotations

import random

import polars as pl

SURNAMES = ["Jansen", "de Vries", "van den Berg", "Bakker", "Visser", "Smit", "Meijer", "de Boer", "Mulder", "Bos"]
STREETS = ["Kerkstraat", "Dorpsweg", "Molenlaan", "Stationsplein", "Burgemeester Van Roijensingel Noordzijde"]
TOWNS = ["Amsterdam", "Rotterdam", "'s-Gravenhage", "Utrecht", "Zwolle"]
MAPPING = {
    "Aanhef": "salutation", "Voorletters": "initials", "Tussenvoegsel": "infix", "Achternaam": "last_name",
    "Straat": "street", "Huisnummer": "house_number", "Toevoeging": "house_number_addition",
    "Postcode": "postcode", "Plaats": "city", "Land": "country", "Kenmerk": "reference",
}


def people(n: int, *, seed: int = 7, foreign_every: int = 0, start: int = 0) -> pl.DataFrame:
    """``n`` synthetic Dutch records with the column names a client file would have."""
    rnd = random.Random(seed)
    cols: dict[str, list[str]] = {k: [] for k in MAPPING}
    for i in range(start, start + n):
        foreign = foreign_every and i % foreign_every == foreign_every - 1
        cols["Aanhef"].append(rnd.choice(["dhr", "mevr", ""]))
        cols["Voorletters"].append(rnd.choice(["J", "A.B.", "k", "P"]))
        surname = rnd.choice(SURNAMES).split(" ")
        cols["Tussenvoegsel"].append(" ".join(surname[:-1]))
        cols["Achternaam"].append(f"{surname[-1]}{i}")
        cols["Straat"].append(rnd.choice(STREETS))
        cols["Huisnummer"].append(str(rnd.randint(1, 400)))
        cols["Toevoeging"].append(rnd.choice(["", "", "", "a", "2", "III"]))
        cols["Postcode"].append("10115" if foreign else f"{rnd.randint(1000, 9999)}{rnd.choice(['AB', 'XL', 'KA'])}")
        cols["Plaats"].append("Berlin" if foreign else rnd.choice(TOWNS))
        cols["Land"].append("Duitsland" if foreign else "")
        cols["Kenmerk"].append(f"K{i:07d}")
    return pl.DataFrame(cols)


def table(rows: list[dict]) -> tuple[pl.DataFrame, dict[str, str]]:
    """A frame from kind-keyed dicts (column named after the kind), and its identity mapping."""
    kinds = sorted({k for r in rows for k in r})
    frame = pl.DataFrame({k: [r.get(k, "") for r in rows] for k in kinds}, schema={k: pl.Utf8 for k in kinds})
    return frame, {k: k for k in kinds}
