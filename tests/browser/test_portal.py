"""Issue 20 done: a client portal end to end in Chromium.

The relation manager sets up a shop for client A with one product of each kind and two users on the
client's request; a client user orders a business card with their details (the live proof follows the
typing) and a stock item; the order waits for their manager's approval; the manager approves; the
house sees the print job and the picking list and ships; the user sees the order shipped; a user of
another client sees none of it. Queued tasks run in this process as `verwerker worker --batch` would
(see test_job_flow.py). Screenshots go to docs/screenshots/portal-*.png.
"""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from tests.browser.test_job_flow import SCREENSHOTS, _log_in_on_the_form, _run_queued_tasks

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

# Every client-side portal URL with the arguments it takes (test_isolation.py proves the table complete).
CLIENT_URL_ARGS = {
    "shop": (),
    "theme": (),
    "logo": (),
    "orders": (),
    "product": ("product_id",),
    "preview": ("product_id",),
    "proof": ("product_id",),
    "cart": (),
    "checkout": (),
    "reorder": ("number",),
    "order": ("number",),
    "decide": ("number",),
    "approvals": (),
    "addresses": (),
    "users": (),
    "settings": (),
    "user_edit": ("member_id",),
}

CARD = {
    "name": "Mirjam Oosterhuis",
    "function": "Wijkbeheerder",
    "phone": "06 12345678",
    "email": "m.oosterhuis@aland.example",
}


def _screenshot(page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"portal-{name}.png"), full_page=True)


def _wait_until(page, condition, seconds: float = 15) -> None:
    """Poll ``condition`` (the Content-Security-Policy forbids the string evaluation wait_for_function uses)."""
    for _ in range(int(seconds * 10)):
        if condition():
            return
        page.wait_for_timeout(100)
    raise AssertionError("condition not met in time")


def _print_file() -> bytes:
    import typst

    return typst.compile(b'#set page(paper: "a5")\n#text(size: 24pt)[Open dag Aland]')


def _add_user(page, shop_url: str, username: str, *, approve: bool, budget: str = "", approver: str = "") -> str:
    page.goto(shop_url)
    page.get_by_role("link", name="Gebruiker toevoegen op verzoek van de klant").click()
    page.fill("#id_username", username)
    page.fill("#id_email", f"{username}@aland.example")
    page.fill("#id_request_reference", "Brief 2026-14")
    if approve:
        page.check("#id_may_approve")
        page.check("#id_sees_organisation")
    if budget:
        page.fill("#id_budget_euros", budget)
    if approver:
        page.select_option("#id_approver", label=approver)
    page.locator("main form button[type=submit]").click()
    return page.locator("[data-password]").text_content().strip()


def test_a_relation_manager_sets_up_a_shop_and_an_order_goes_through_approval_to_shipping(
    new_page, staff_page, live_server, client_a, client_b, make_staff, system_actor, tmp_path
):
    from verwerker.accounts.models import User
    from verwerker.portal.models import Order, OrderState

    # -- the relation manager sets up the shop, one product of each kind, and two users ---------------
    house = staff_page(make_staff("relation", "relatiebeheerder"))
    house.goto("/portaalbeheer/")
    house.get_by_role("link", name="Portaal inrichten").click()
    house.select_option("#id_client", label=client_a.name)
    house.fill("#id_slug", "aland")
    house.fill("#id_title", "Bestelportaal Aland")
    house.locator("main form button[type=submit]").click()
    assert "Het portaal is ingericht." in house.content()
    shop_url = house.url

    house.get_by_role("link", name="Product toevoegen").click()
    house.fill("#id_code", "VK-01")
    house.fill("#id_name", "Visitekaartje")
    house.fill("#id_price_euros", "0.12")
    _screenshot(house, "product-setup")
    house.locator("main form button[type=submit]").click()
    assert "Visitekaartje is opgeslagen." in house.content()

    house.get_by_role("link", name="Product toevoegen").click()
    house.select_option("#id_kind", "print")
    house.fill("#id_code", "FL-01")
    house.fill("#id_name", "Folder open dag")
    house.fill("#id_template_source", "")
    house.fill("#id_fields_text", "")
    house.fill("#id_price_table_text", "500|mc 135||89,00\n1000|mc 135||129,00")
    pdf = tmp_path / "folder.pdf"
    pdf.write_bytes(_print_file())
    house.set_input_files("#id_file", str(pdf))
    house.locator("main form button[type=submit]").click()
    assert "Folder open dag is opgeslagen." in house.content()

    house.get_by_role("link", name="Product toevoegen").click()
    house.select_option("#id_kind", "stock")
    house.fill("#id_code", "ENV-C5")
    house.fill("#id_name", "Envelop C5 met logo")
    house.fill("#id_price_euros", "0.05")
    house.fill("#id_template_source", "")
    house.fill("#id_fields_text", "")
    house.fill("#id_stock_level", "100")
    house.fill("#id_reorder_point", "20")
    house.locator("main form button[type=submit]").click()
    assert "Envelop C5 met logo is opgeslagen." in house.content()

    manager_password = _add_user(house, shop_url, "manager-aland", approve=True)
    orderer_password = _add_user(house, shop_url, "mirjam-aland", approve=False, budget="25", approver="manager-aland")
    house.goto(shop_url)
    _screenshot(house, "shop-setup")
    for row in ("VK-01", "FL-01", "ENV-C5"):
        assert house.locator(f"tr[data-product='{row}']").count() == 1
    # The one-time passwords were shown once; the forced change at first login is test_login.py's subject.
    User.objects.filter(username__in=["manager-aland", "mirjam-aland"]).update(must_change_password=False)

    # -- the client user orders a business card with their details and a stock item ------------------
    orderer = _log_in_on_the_form(new_page, live_server, "mirjam-aland", orderer_password)
    orderer.get_by_role("link", name="Bestelportaal", exact=True).click()
    assert orderer.url.endswith("/portal/aland/")
    _screenshot(orderer, "shop")
    orderer.locator("[data-product='VK-01'] a.button").click()
    _wait_until(orderer, lambda: orderer.locator("#pod-preview").get_attribute("data-version"))
    for name, value in CARD.items():
        orderer.fill(f"#id_{name}", value)
    # The proof is rendered again after the typing stops (debounced): a newer version replaces the first.
    version = orderer.locator("#pod-preview").get_attribute("data-version")
    _wait_until(orderer, lambda: orderer.locator("#pod-preview").get_attribute("data-version") != version)
    _wait_until(orderer, lambda: orderer.locator("#pod-preview").evaluate("img => img.naturalWidth") > 0)
    assert orderer.locator("#pod-preview").get_attribute("src").startswith("blob:")
    _screenshot(orderer, "business-card")
    orderer.fill("#id_quantity", "250")
    orderer.locator("#product-form button[type=submit]").click()
    assert "Visitekaartje ligt in uw winkelwagen." in orderer.content()

    orderer.get_by_role("link", name="Producten").click()
    orderer.locator("[data-product='ENV-C5'] a.button").click()
    orderer.fill("#id_quantity", "10")
    orderer.locator("#product-form button[type=submit]").click()
    orderer.fill("#id_recipient", "Afdeling Wonen")
    orderer.fill("#id_street", "Dorpsstraat 12")
    orderer.fill("#id_postcode", "1234 AB")
    orderer.fill("#id_city", "Aland")
    orderer.fill("#id_cost_centre", "KP-4100")
    orderer.fill("#id_reference", "Nieuwe medewerker")
    _screenshot(orderer, "cart")
    orderer.get_by_role("button", name="Bestelling plaatsen").click()
    assert "wacht op fiat" in orderer.content()
    order = Order.objects.get()
    assert order.state == OrderState.AWAITING_APPROVAL and order.total_cents == 250 * 12 + 10 * 5
    assert orderer.locator("#order-state").text_content() == "wacht op fiat"
    _screenshot(orderer, "order-waiting")
    assert _run_queued_tasks() == []  # nothing to produce before the approval

    # -- the manager approves ----------------------------------------------------------------------
    manager = _log_in_on_the_form(new_page, live_server, "manager-aland", manager_password)
    manager.goto("/portal/aland/goedkeuren/")
    assert manager.locator(f"tr[data-order='{order.number}']").count() == 1
    _screenshot(manager, "approvals")
    manager.get_by_role("link", name=order.number).click()
    assert "Mirjam Oosterhuis" in manager.content()
    _screenshot(manager, "approve")
    manager.get_by_role("button", name="Goedkeuren").click()
    assert f"Uw besluit over bestelling {order.number} is vastgelegd." in manager.content()
    assert _run_queued_tasks() == ["verwerker.portal.tasks.release_order"]

    # -- the house sees the job and the picking list, and ships ---------------------------------------
    printer = staff_page(make_staff("print", "drukker"))
    printer.goto("/portaalbeheer/werk/")
    printer.get_by_role("link", name=order.number).click()
    assert printer.locator("[data-pick='ENV-C5']").count() == 1
    assert "10" in printer.locator("[data-pick='ENV-C5']").text_content()
    assert printer.locator("[data-print-line] a").count() == 1
    assert "Afdeling Wonen" in printer.content()
    _screenshot(printer, "work-order")
    with printer.expect_download() as download:
        printer.locator("[data-print-line] a").click()
    from verwerker.lib.testing import pdf_text

    assert "Mirjam Oosterhuis" in pdf_text(open(download.value.path(), "rb").read())
    printer.fill("#id_tt", "3SAAAA1234567")
    printer.get_by_role("button", name="Verzonden").click()
    assert printer.locator("#order-state").text_content() == "verzonden"

    # -- the orderer sees the order shipped ---------------------------------------------------------
    orderer.goto(f"/portal/aland/bestellingen/{order.number}/")
    assert orderer.locator("#order-state").text_content() == "verzonden"
    assert orderer.locator("#track-and-trace").text_content() == "3SAAAA1234567"
    _screenshot(orderer, "order-shipped")

    # -- a user of another client sees none of it ---------------------------------------------------
    from verwerker.portal import actions

    shop_b = actions.do_set_up_shop(client_b, slug="beeland", title="Bestelportaal Beeland", actor=system_actor)
    _member, password_b = actions.do_add_member(
        shop_b,
        "bob-beeland",
        email="bob@beeland.example",
        perms={"may_order": True, "sees_organisation": True},
        actor=system_actor,
    )
    User.objects.filter(username="bob-beeland").update(must_change_password=False)
    stranger = _log_in_on_the_form(new_page, live_server, "bob-beeland", password_b)
    anonymous = new_page()
    line = order.lines.get(product__code="VK-01")
    product = line.product_id
    kwargs = {"product_id": product, "number": order.number, "member_id": order.placed_by.portal_member.pk}
    paths = [
        reverse(f"portal:{name}", kwargs={"slug": "aland", **{k: v for k, v in kwargs.items() if k in needs}})
        for name, needs in CLIENT_URL_ARGS.items()
    ]
    paths += [
        "/portaalbeheer/",
        "/portaalbeheer/werk/",
        f"/portaalbeheer/werk/{order.pk}/",
        f"/portaalbeheer/werk/{order.pk}/drukbestanden/{line.pk}.pdf",
        f"/portaalbeheer/{order.shop_id}/",
    ]
    for who in (stranger, anonymous):
        for path in paths:
            response = who.goto(path)
            assert response.status == 404, path
            # What the page shows, without the language switch's way back to the address the stranger typed.
            body = re.sub(r'name="next" type="hidden" value="[^"]*"', "", who.content())
            assert not re.search(r"Aland|Oosterhuis|Visitekaartje|" + order.number, body), path
    stranger.goto("/portal/beeland/bestellingen/")
    assert order.number not in stranger.content() and "Oosterhuis" not in stranger.content()
    _screenshot(stranger, "other-client")
