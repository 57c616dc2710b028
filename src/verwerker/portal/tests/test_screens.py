"""The portal's screens: the live proof endpoint, the Dutch catalogue of the app, the theme, re-order."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from django.test import Client

from verwerker.portal.tests.conftest import CARD_VALUES, card_line, place

PO = Path(__file__).resolve().parents[1] / "locale" / "nl" / "LC_MESSAGES" / "django.po"


def test_every_message_of_the_portal_has_a_dutch_translation():
    entries = PO.read_text(encoding="utf-8").split("\n\n")[1:]
    untranslated = [
        e for e in entries if re.search(r'^msgstr ""\n?$', e, re.M) or re.search(r'^msgstr\[\d\] ""$', e, re.M)
    ]
    assert entries and untranslated == []


@pytest.mark.django_db
def test_the_live_proof_is_a_png_rendered_from_the_posted_fields_and_never_a_get(portal):
    web = Client()
    web.force_login(portal.orderer.user)
    url = f"/portal/aland/producten/{portal.card.pk}/voorbeeld.png"
    response = web.post(url, CARD_VALUES)
    assert response.status_code == 200 and response["Content-Type"] == "image/png"
    assert response.content.startswith(b"\x89PNG") and response["Cache-Control"] == "no-store"
    other = web.post(url, {**CARD_VALUES, "name": "Een heel andere naam"})
    assert other.content != response.content
    assert web.get(url).status_code == 405  # the fields never travel in a URL
    proof = web.post(f"/portal/aland/producten/{portal.card.pk}/proef.pdf", CARD_VALUES)
    assert proof.content.startswith(b"%PDF")
    assert web.post(f"/portal/aland/producten/{portal.card.pk}/proef.pdf", {"name": ""}).status_code == 422


@pytest.mark.django_db
def test_pages_are_dutch_and_themed_in_the_clients_colours(portal):
    web = Client()
    web.force_login(portal.manager.user)
    page = web.get("/portal/aland/").content.decode()
    assert "Producten" in page and "Winkelwagen" in page and "/portal/aland/thema.css" in page
    assert ">Bestellen<" in page and "vanaf" in page
    css = web.get("/portal/aland/thema.css")
    assert css["Content-Type"] == "text/css" and portal.shop.colour_primary in css.content.decode()


@pytest.mark.django_db
def test_reorder_puts_the_products_and_fields_back_in_the_cart(portal):
    order = place(portal, [card_line(portal, quantity=100)])
    web = Client()
    web.force_login(portal.orderer.user)
    web.post(f"/portal/aland/bestellingen/{order.number}/opnieuw/")
    cart = web.get("/portal/aland/winkelwagen/").content.decode()
    assert "Mirjam Oosterhuis" in cart and portal.card.name in cart
    # The cart is in the session, sealed: the session row holds no name.
    from django.contrib.sessions.models import Session

    decoded = [str(s.get_decoded()) for s in Session.objects.all()]
    assert decoded and any("portal_cart" in d for d in decoded) and not any("Oosterhuis" in d for d in decoded)


@pytest.mark.django_db
def test_a_member_who_manages_users_changes_a_permission_set_and_it_is_audited(portal):
    from verwerker.audit.events import EventType
    from verwerker.audit.models import AuditEvent

    web = Client()
    web.force_login(portal.manager.user)
    response = web.post(
        f"/portal/aland/gebruikers/{portal.colleague.pk}/",
        {"may_order": "on", "sees_organisation": "on", "budget_euros": "75"},
    )
    assert response.status_code == 302
    portal.colleague.refresh_from_db()
    assert portal.colleague.sees_organisation and portal.colleague.budget_cents == 7500
    assert not portal.colleague.may_approve
    event = (
        AuditEvent.objects.filter(action=EventType.PORTAL_MEMBER_SET, object_id=str(portal.colleague.pk))
        .order_by("seq")
        .last()
    )
    details = event.details if isinstance(event.details, dict) else json.loads(event.details)
    assert details["perms"]["sees_organisation"] is True
    # A member of client B cannot reach it, even with every permission in its own portal.
    other = Client()
    other.force_login(portal.orderer_b.user)
    assert other.post(f"/portal/aland/gebruikers/{portal.colleague.pk}/", {"may_approve": "on"}).status_code == 404
    assert other.post(f"/portal/beeland/gebruikers/{portal.colleague.pk}/", {"may_approve": "on"}).status_code == 404
