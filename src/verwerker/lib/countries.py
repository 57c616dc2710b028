"""One notion of an address's country, shared by the profile (datafiles) and production (merge).

A file comes to a Dutch house: an address whose country is empty is Dutch, and so is one whose country
says the Netherlands in any of the usual ways. Every other filled country is foreign (recognised or
not: production refuses an unrecognised one). Nothing else makes an address foreign; a five-digit
postcode without a country is an invalid Dutch postcode, not a German one.
"""

from __future__ import annotations

import re

import polars as pl

DOMESTIC = {"", "nl", "nld", "nederland", "netherlands", "the netherlands", "holland", "nl-nl", "528", "nederland (nl)"}
# Country names in English capitals (PostNL: "in het Engels"), keyed by ISO code and common Dutch/English names.
COUNTRIES = {
    "BE": ("BELGIUM", "belgië", "belgie", "belgium", "belgique", "bel"),
    "DE": ("GERMANY", "duitsland", "germany", "deutschland", "deu", "bundesrepublik deutschland"),
    "FR": ("FRANCE", "frankrijk", "france", "fra"),
    "LU": ("LUXEMBOURG", "luxemburg", "luxembourg", "lux"),
    "GB": (
        "UNITED KINGDOM",
        "verenigd koninkrijk",
        "united kingdom",
        "uk",
        "engeland",
        "england",
        "great britain",
        "gbr",
    ),
    "IE": ("IRELAND", "ierland", "ireland", "irl"),
    "ES": ("SPAIN", "spanje", "spain", "españa", "espana", "esp"),
    "PT": ("PORTUGAL", "portugal", "prt"),
    "IT": ("ITALY", "italië", "italie", "italy", "italia", "ita"),
    "AT": ("AUSTRIA", "oostenrijk", "austria", "österreich", "aut"),
    "CH": ("SWITZERLAND", "zwitserland", "switzerland", "schweiz", "suisse", "che"),
    "DK": ("DENMARK", "denemarken", "denmark", "danmark", "dnk"),
    "SE": ("SWEDEN", "zweden", "sweden", "sverige", "swe"),
    "NO": ("NORWAY", "noorwegen", "norway", "norge", "nor"),
    "FI": ("FINLAND", "finland", "suomi", "fin"),
    "PL": ("POLAND", "polen", "poland", "polska", "pol"),
    "CZ": ("CZECHIA", "tsjechië", "tsjechie", "czech republic", "czechia", "cze"),
    "GR": ("GREECE", "griekenland", "greece", "grc"),
    "TR": ("TURKEY", "turkije", "turkey", "türkiye", "turkiye", "tur"),
    "MA": ("MOROCCO", "marokko", "morocco", "mar"),
    "US": ("UNITED STATES OF AMERICA", "verenigde staten", "united states", "usa", "united states of america"),
    "CA": ("CANADA", "canada", "can"),
    "AU": ("AUSTRALIA", "australië", "australie", "australia", "aus"),
    "SR": ("SURINAME", "suriname", "sur"),
    "CW": ("CURAÇAO", "curaçao", "curacao", "cuw"),
    "AW": ("ARUBA", "aruba", "abw"),
    "SX": ("SINT MAARTEN", "sint maarten", "sxm"),
    "HU": ("HUNGARY", "hongarije", "hungary", "hun"),
    "RO": ("ROMANIA", "roemenië", "roemenie", "romania", "rou"),
    "BG": ("BULGARIA", "bulgarije", "bulgaria", "bgr"),
    "HR": ("CROATIA", "kroatië", "kroatie", "croatia", "hrv"),
    "SK": ("SLOVAKIA", "slowakije", "slovakia", "svk"),
    "SI": ("SLOVENIA", "slovenië", "slovenie", "slovenia", "svn"),
    "EE": ("ESTONIA", "estland", "estonia", "est"),
    "LV": ("LATVIA", "letland", "latvia", "lva"),
    "LT": ("LITHUANIA", "litouwen", "lithuania", "ltu"),
    "IS": ("ICELAND", "ijsland", "iceland", "isl"),
    "MT": ("MALTA", "malta", "mlt"),
    "CY": ("CYPRUS", "cyprus", "cyp"),
    "ZA": ("SOUTH AFRICA", "zuid-afrika", "south africa", "zaf"),
    "ID": ("INDONESIA", "indonesië", "indonesie", "indonesia", "idn"),
    "CN": ("CHINA", "china", "chn"),
    "JP": ("JAPAN", "japan", "jpn"),
    "NZ": ("NEW ZEALAND", "nieuw-zeeland", "new zealand", "nzl"),
    "BR": ("BRAZIL", "brazilië", "brazilie", "brazil", "bra"),
}
_LOOKUP: dict[str, tuple[str, str]] = {}
for _code, (_english, *_names) in COUNTRIES.items():
    for _name in (_code.lower(), *_names):
        _LOOKUP[_name] = (_code, _english)

_WS = re.compile(r"\s+")


def country_key(value: str | None) -> str:
    """The form a country is looked up by: trimmed, lowercase, single spaces, no surrounding dots."""
    return _WS.sub(" ", (value or "").strip().lower().strip("."))


def country_of(value: str | None) -> tuple[str, str] | None:
    """(ISO code, English name in capitals); ("NL", "") for the Netherlands (empty included); None when
    not recognised."""
    key = country_key(value)
    if key in DOMESTIC:
        return ("NL", "")
    return _LOOKUP.get(key)


def is_domestic(values: pl.Expr) -> pl.Expr:
    """country_of(value)[0] == "NL" as an expression (null and empty are domestic)."""
    key = values.str.strip_chars().str.to_lowercase().str.strip_chars(".").str.replace_all(r"\s+", " ")
    return key.is_in(sorted(DOMESTIC)).fill_null(True)
