"""P05 and P06 on the compliance dashboard from live data, order statistics only when the client
switched them on, and orderer data anonymised after the portal's history period (retention)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone, translation

from verwerker.audit.actors import Actor
from verwerker.portal import actions, house_urls
from verwerker.portal.models import Member, Order, OrderState, Shop
from verwerker.portal.tests.conftest import card_line, place
from verwerker.privacy.compliance import CHECKS, State
from verwerker.retention.purge import run_purge
from verwerker.vault.models import Blob, BlobState

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]  # evidence read in English


def test_p05_on_the_dashboard_follows_the_portal_users(portal):
    finding = CHECKS["P05"]()
    assert finding.state == State.OK and "2 client portals, 5 portal users" in finding.evidence
    Member.objects.filter(pk=portal.bare.pk).update(agreed_reference="")
    finding = CHECKS["P05"]()
    assert finding.state == State.ATTENTION and "1 without the client's request on record" in finding.evidence


def test_statistics_only_when_the_client_switches_them_on_and_the_dashboard_shows_it(portal):
    place(portal, [card_line(portal, quantity=100)])
    web = Client()
    web.force_login(portal.manager.user)
    assert "Bestelstatistieken" in web.get("/portal/aland/instellingen/").content.decode()
    assert "1 bestellingen" not in web.get("/portal/aland/instellingen/").content.decode()
    with translation.override("en"):  # a request above activated its own language in this thread
        finding = CHECKS["P06"]()
    assert finding.state == State.OK and "switched on by the client: none" in finding.evidence
    web.post("/portal/aland/instellingen/", {"analytics": "on"})
    assert "1 bestellingen" in web.get("/portal/aland/instellingen/").content.decode()
    finding = CHECKS["P06"]()
    assert finding.state == State.OK and portal.shop.title in finding.evidence
    # Switched on behind the audited action's back: the dashboard says so.
    Shop.objects.filter(pk=portal.shop_b.pk).update(analytics_enabled=True)
    with translation.override("en"):
        finding = CHECKS["P06"]()
    assert finding.state == State.FAILING and "without an audited switch" in finding.evidence
    # The house's staff never see a client's statistics: there is no house screen of them at all.
    assert not [p.name for p in house_urls.urlpatterns if "statist" in p.name]


def test_orderer_data_is_anonymised_after_the_portals_history_period(portal):
    order = place(portal, [card_line(portal, quantity=100)])
    actions.do_release_order(order, actor=Actor.system("test"))
    actions.do_ship_order(order, track_and_trace="3S1", actor=Actor.system("test"))
    actions.do_mark_delivered(order, actor=Actor.system("test"))
    blob = order.lines.get().pdf_blob_id
    actions.do_change_shop(portal.shop, history_days=30, actor=Actor.system("test"))
    Order.objects.filter(pk=order.pk).update(placed_at=timezone.now() - dt.timedelta(days=31))
    waiting = place(portal, [card_line(portal)])  # awaiting approval: still the house's work, never anonymised
    Order.objects.filter(pk=waiting.pk).update(placed_at=timezone.now() - dt.timedelta(days=400))
    assert (
        CHECKS["P06"]().state == State.ATTENTION and "1 past their portal's history period" in CHECKS["P06"]().evidence
    )
    report = run_purge(actor=Actor.system("test"))
    assert {c["record_class"]: c["purged"] for c in report["classes"]}["portal_orders"] == 1
    order.refresh_from_db()
    assert order.anonymised_at and order.sealed_data is None and order.placed_by is None
    assert order.lines.get().sealed_data is None and order.total_cents == 1200 and order.state == OrderState.DELIVERED
    assert Blob.objects.get(pk=blob).state != BlobState.STORED
    waiting.refresh_from_db()
    assert waiting.anonymised_at is None and waiting.sealed_data is not None
    assert CHECKS["P06"]().state == State.OK


def test_the_vault_rotate_key_command_rewraps_sealed_orderer_data_so_it_reads_after_rotation(
        portal, settings, tmp_path):
    """GIVEN an order whose delivery address and card fields are sealed under the embedded key file
    WHEN `verwerker vault rotate-key` installs a new master key (and is run a second time, as after an
    interruption)
    THEN the sealed values read under the new key, and the rerun finds nothing left to re-wrap."""
    import base64
    import io
    import os

    from django.core.management import call_command

    from verwerker.portal.queries import open_delivery, open_line_values
    from verwerker.portal.tests.conftest import ADDRESS, CARD_VALUES

    key_file, old = tmp_path / "master-key", tmp_path / "old-key"
    old.write_text(base64.b64encode(os.urandom(32)).decode() + "\n")
    key_file.write_text(old.read_text())
    settings.MASTER_KEY, settings.MASTER_KEY_FILE = "", key_file
    order = place(portal, [card_line(portal)])
    new = tmp_path / "new-key"
    new.write_text(base64.b64encode(os.urandom(32)).decode())
    out = io.StringIO()
    call_command("vault", "rotate-key", "--new-key-file", str(new), stdout=out)
    assert "re-wrapped 2 sealed keys of verwerker.portal (0 under another key)" in out.getvalue()
    order = Order.objects.get(pk=order.pk)
    reader = Actor.system("test")
    assert open_delivery(order, actor=reader, purpose="delivery")["street"] == ADDRESS["street"]
    assert open_line_values(order.lines.get(), actor=reader, purpose="production")["name"] == CARD_VALUES["name"]
    out = io.StringIO()
    call_command("vault", "rotate-key", "--new-key-file", str(new), "--old-key-file", str(old), stdout=out)
    assert "re-wrapped 0 sealed keys of verwerker.portal (0 under another key)" in out.getvalue()
