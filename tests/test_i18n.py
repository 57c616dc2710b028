"""The interface speaks Dutch by default and English on request; every Dutch string is translated."""

import re
from pathlib import Path

import pytest
from django.urls import reverse

PO = Path(__file__).resolve().parents[1] / "src" / "verwerker" / "locale" / "nl" / "LC_MESSAGES" / "django.po"


@pytest.mark.django_db
def test_dutch_by_default_and_english_when_chosen(client):
    page = client.get(reverse("accounts:login")).content.decode()
    assert "Aanmelden" in page and "Wachtwoord" in page
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    page = client.get(reverse("accounts:login")).content.decode()
    assert "Log in" in page and "Aanmelden" not in page


def test_every_message_has_a_dutch_translation():
    entries = PO.read_text(encoding="utf-8").split("\n\n")[1:]
    untranslated = [e for e in entries if re.search(r'^msgstr ""\n?$', e, re.M) and "#~" not in e]
    assert untranslated == []
