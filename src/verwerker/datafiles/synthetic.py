"""Synthetic Dutch address files for the demo and tests: made-up people, never real ones.

Deterministic for a given seed. BSNs pass the eleven-test and postcodes have the Dutch shape, so the
profiler detects them as a real file's would be.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import random

FIRST = ["Jan", "Anna", "Sanne", "Daan", "Lotte", "Emma", "Noah", "Bram", "Fleur", "Sem", "Julia", "Ruben"]
LAST = [("", "Jansen"), ("de", "Vries"), ("van den", "Berg"), ("", "Bakker"), ("", "Visser"), ("van", "Dijk"),
        ("", "Smit"), ("de", "Jong"), ("", "Meijer"), ("ter", "Horst")]
STREETS = ["Kerkstraat", "Dorpsstraat", "Molenweg", "Stationsweg", "Julianalaan", "Schoolstraat"]
CITIES = [("AMSTERDAM", 1011), ("ROTTERDAM", 3011), ("UTRECHT", 3511), ("ZWOLLE", 8011), ("GRONINGEN", 9711)]


def bsn(rng: random.Random) -> str:
    """A nine-digit number that passes the BSN eleven-test (made up, not issued to anyone)."""
    while True:
        first = [rng.randrange(10) for _ in range(8)]
        if first[0] == 0 and first[1] == 0:
            continue
        last = sum((9 - i) * d for i, d in enumerate(first)) % 11
        if last < 10:
            return "".join(map(str, first)) + str(last)


def address_rows(
    n: int, *, seed: int = 1, minors: int = 0, with_bsn: bool = False, with_birth_date: bool = False,
    today: dt.date | None = None,
) -> tuple[list[str], list[list[str]]]:
    """``n`` records: header and rows. ``minors`` of them are younger than 16 (adds a birth-date column)."""
    rng = random.Random(seed)
    today = today or dt.date.today()
    header = ["Voorletters", "Tussenvoegsel", "Achternaam", "Straat", "Huisnummer", "Postcode", "Plaats", "Kenmerk"]
    birth = with_birth_date or minors > 0
    if birth:
        header.append("Geboortedatum")
    if with_bsn:
        header.append("BSN")
    rows = []
    for i in range(n):
        infix, last = rng.choice(LAST)
        city, base = rng.choice(CITIES)
        letters = rng.choice("ABCDEGHJKLMNPRTVWXZ") + rng.choice("ABCDEGHJKLMNPRTVWXZ")
        row = [
            rng.choice(FIRST)[0] + ".", infix, f"{last}", rng.choice(STREETS), str(rng.randint(1, 250)),
            f"{base + rng.randrange(0, 80)} {letters}", city, f"K{seed:02d}{i:06d}",
        ]
        if birth:
            years = rng.randint(3, 15) if i < minors else rng.randint(20, 90)
            born = today - dt.timedelta(days=years * 365 + rng.randint(10, 300))
            row.append(born.strftime("%d-%m-%Y"))
        if with_bsn:
            row.append(bsn(rng))
        rows.append(row)
    return header, rows


def address_csv(n: int, **kwargs) -> bytes:
    """The records of ``address_rows`` as a semicolon CSV in UTF-8, as Dutch clients send them."""
    header, rows = address_rows(n, **kwargs)
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue().encode("utf-8")
