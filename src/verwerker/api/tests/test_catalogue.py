"""The API app keeps its own Dutch catalogue: every entry translated, and what the API says in Dutch."""

import re
from pathlib import Path

from django.utils import translation

PO = Path(__file__).resolve().parents[1] / "locale" / "nl" / "LC_MESSAGES" / "django.po"


def test_every_message_of_the_api_has_a_dutch_translation():
    entries = PO.read_text(encoding="utf-8").split("\n\n")[1:]
    untranslated = [e for e in entries if re.search(r'^msgstr ""\n?$', e, re.M)]
    assert entries and untranslated == []


def test_the_api_speaks_dutch_from_its_catalogue():
    from django.utils.translation import gettext

    with translation.override("nl"):
        assert gettext("The token has expired.") == "Het token is verlopen."
        assert gettext("This job has no proof (yet).") == "Deze opdracht heeft (nog) geen proef."
