"""A strict Content-Security-Policy on every page, and templates that need nothing looser: no inline
scripts, no inline event handlers, no style attributes."""

import re
from pathlib import Path

from django.urls import reverse

SRC = Path(__file__).resolve().parents[1] / "src" / "verwerker"


def test_every_page_carries_a_strict_policy(client, login, make_staff):
    responses = [client.get(reverse("accounts:login"))]
    responses.append(login(make_staff("privacy")).get(reverse("intake:bans")))
    for response in responses:
        policy = dict(
            (part.split()[0], part.split()[1:]) for part in response["Content-Security-Policy"].split("; ") if part
        )
        assert policy["script-src"] == ["'self'"] and policy["style-src"] == ["'self'"]
        assert policy["object-src"] == ["'none'"] and policy["frame-ancestors"] == ["'none'"]
        assert "'unsafe-inline'" not in response["Content-Security-Policy"]


def test_no_template_holds_inline_script_event_handlers_or_style_attributes():
    offences = []
    for template in SRC.rglob("templates/**/*.html"):
        text = template.read_text(encoding="utf-8")
        for pattern in (
            r"<script(?![^>]*\bsrc=)[^>]*>",
            r"\son[a-z]+\s*=",
            r"\sstyle\s*=",
            r"<style\b",
            r"javascript:",
        ):
            offences += [f"{template.relative_to(SRC)}: {m.group(0)}" for m in re.finditer(pattern, text, re.I)]
    assert offences == []
