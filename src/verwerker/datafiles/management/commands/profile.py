"""`verwerker profile FILE [--json] [--today D] [--sheet S] [--set COLUMN=KIND]`: profile a file without storing it.

Errors (unreadable, empty, hostile file) are one line on stderr naming the file and the reason, and
exit status 2; never a traceback. The output never holds a value from the file, only masked examples.
"""

from __future__ import annotations

import datetime
import json
import os
import sys

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser
from django.utils import translation

from verwerker.datafiles.kinds import Kind
from verwerker.datafiles.profile import Profile, profile_table
from verwerker.datafiles.read import UnreadableFile, read_table
from verwerker.datafiles.texts import risk_reason_texts

EXIT_UNREADABLE = 2

_TEXT = {
    "en": {
        "file": "File",
        "rows": "rows",
        "columns": "Columns",
        "risk": "Risk class",
        "standard": "standard (NAW only)",
        "high": "HIGH",
        "why": "Why",
        "special": "Special data",
        "minors": "Minors (under 16)",
        "invalid_postcodes": "Invalid postcodes",
        "missing_house_numbers": "Missing house numbers",
        "foreign": "Foreign addresses",
        "duplicates": "Duplicates",
        "empty_rows": "Empty rows",
        "invalid": "invalid",
        "none": "none",
        "positional": "The first line holds data ({}), not column names: the columns are numbered",
    },
    "nl": {
        "file": "Bestand",
        "rows": "regels",
        "columns": "Kolommen",
        "risk": "Risicoklasse",
        "standard": "standaard (alleen NAW)",
        "high": "HOOG",
        "why": "Waarom",
        "special": "Bijzondere gegevens",
        "minors": "Minderjarigen (onder 16)",
        "invalid_postcodes": "Ongeldige postcodes",
        "missing_house_numbers": "Ontbrekende huisnummers",
        "foreign": "Buitenlandse adressen",
        "duplicates": "Dubbele records",
        "empty_rows": "Lege regels",
        "invalid": "ongeldig",
        "none": "geen",
        "positional": "De eerste regel bevat gegevens ({}), geen kolomnamen: de kolommen zijn genummerd",
    },
}


class Command(BaseCommand):
    help = "Profile a client file (CSV/TSV/XLSX/ODS/ZIP): column kinds, risk class, minors, validation counts."
    requires_system_checks: list = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file")
        parser.add_argument("--json", action="store_true", help="print the profile as one JSON object")
        parser.add_argument("--today", type=_date, default=None, help="reference date YYYY-MM-DD for minors")
        parser.add_argument("--sheet", default=None, help="sheet name or 0-based number (XLSX/ODS)")
        parser.add_argument(
            "--set", dest="overrides", action="append", default=[], metavar="COLUMN=KIND",
            help="override the detected kind of a column (repeatable)",
        )
        parser.add_argument("--lang", choices=sorted(_TEXT), default=None, help="language of the report")

    def handle(self, *args, file: str, **options) -> None:
        try:
            overrides = _overrides(options["overrides"])
            with open(file, "rb") as stream:
                table = read_table(stream, name=file, sheet=options["sheet"])
            today = options["today"] or datetime.date.today()
            profile = profile_table(table, name=os.path.basename(file), today=today, overrides=overrides)
        except UnreadableFile as exc:
            self._fail(str(exc))
        except (OSError, ValueError) as exc:
            self._fail(f"{file}: {getattr(exc, 'strerror', None) or exc}")
        except MemoryError:
            self._fail(f"{file}: too large to profile in the memory available")
        except Exception as exc:  # a hostile file must never produce a traceback
            self._fail(f"{file}: cannot be profiled ({type(exc).__name__})")
        if options["json"]:
            self.stdout.write(json.dumps(profile.to_json(), ensure_ascii=False))
        else:
            lang = options["lang"] or ("nl" if settings.LANGUAGE_CODE.startswith("nl") else "en")
            self.stdout.write(render_report(profile, lang))

    def _fail(self, line: str) -> None:
        self.stderr.write(" ".join(line.split()))
        sys.exit(EXIT_UNREADABLE)


def _date(text: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(text)
    except ValueError:
        import argparse

        raise argparse.ArgumentTypeError(f"not a date YYYY-MM-DD: {text!r}") from None


def _overrides(items: list[str]) -> dict[str, Kind]:
    result = {}
    for item in items:
        column, sep, kind = item.rpartition("=")
        if not sep or kind not in Kind._value2member_map_:
            raise ValueError(
                f"--set {item!r}: expected COLUMN=KIND with KIND one of {', '.join(k.value for k in Kind)}"
            )
        result[column] = Kind(kind)
    return result


def render_report(profile: Profile, lang: str) -> str:
    """The short human report: counts and kinds, never values beyond masked examples."""
    t = _TEXT[lang]
    where = profile.format + (f", {profile.encoding}" if profile.encoding else "")
    where += (
        f", '{profile.delimiter}'"
        if profile.delimiter and profile.delimiter != "\t"
        else (", tab" if profile.delimiter else "")
    )
    where += f", sheet {profile.sheet!r}" if profile.sheet else ""
    lines = [f"{t['file']}: {profile.file} ({where}), {profile.rows} {t['rows']}"]
    if profile.header_holds:
        lines.append(t["positional"].format(profile.header_holds))
    lines.append(f"{t['columns']}:")
    for c in profile.columns:
        invalid = f", {c.invalid} {t['invalid']}" if c.invalid else ""
        lines.append(f"  {c.name:<24} {c.kind.value:<22} {c.filled}{invalid}  {' '.join(c.examples)}")
    lines.append(f"{t['risk']}: {t[profile.risk]}")
    with translation.override(lang):  # the reasons in the report's language, as the screens show them
        reasons = risk_reason_texts({"risks": profile.risks})
    for reason in reasons:
        lines.append(f"  {t['why']}: {reason}")
    lines.append(f"{t['special']}: {', '.join(profile.special) or t['none']}")
    for key in ("minors", "invalid_postcodes", "missing_house_numbers", "foreign", "duplicates", "empty_rows"):
        lines.append(f"{t[key]}: {getattr(profile, key)}")
    return "\n".join(lines)
