"""Isolation proven, not assumed (issue 20; P05, P06): every portal URL, requested by a user of another
client, by a user of the same client without the permission, by house staff without the right, and
anonymously, is refused with the same 404 as a shop that does not exist, and the body holds none of
the shop's data. A URL added to the portal without an entry here fails the first test."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import URLPattern, reverse

from verwerker.audit.actors import Actor
from verwerker.portal import actions, house_urls, urls
from verwerker.portal.tests.conftest import card_line, place

pytestmark = pytest.mark.django_db

# URL name -> the member permission it needs (None: any member of the shop). Client side.
CLIENT_URLS = {
    "shop": None,
    "theme": None,
    "logo": None,
    "orders": None,
    "product": "may_order",
    "preview": "may_order",
    "proof": "may_order",
    "cart": "may_order",
    "checkout": "may_order",
    "reorder": "may_order",
    "order": "own",
    "decide": "may_approve",
    "approvals": "may_approve",
    "addresses": "manages_addresses",
    "users": "manages_users",
    "settings": "manages_users",
    "user_edit": "manages_users",
}
# House side: the staff permission each needs. The payment webhook is public by design (a provider
# calls it); it answers only to a valid signature (test_payment.py) and shows nothing.
HOUSE_URLS = {
    "shops": "manage_shop",
    "shop_new": "manage_shop",
    "shop": "manage_shop",
    "product_new": "manage_shop",
    "product": "manage_shop",
    "member_new": "manage_shop",
    "member_edit": "manage_shop",
    "work": "handle_portal_work",
    "work_order": "handle_portal_work",
    "print_file": "handle_portal_work",
}
PUBLIC = {"payment_webhook"}


def logo_png() -> bytes:
    import io

    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (120, 40), (11, 92, 173)).save(out, format="PNG")
    return out.getvalue()


def _names(module) -> set[str]:
    return {p.name for p in module.urlpatterns if isinstance(p, URLPattern)}


def test_every_portal_url_is_in_the_isolation_table():
    assert _names(urls) == set(CLIENT_URLS)
    assert _names(house_urls) == set(HOUSE_URLS) | PUBLIC


@pytest.fixture
def world(portal):
    """Shop A with an order waiting for approval and one released (a print file, a picking line)."""
    actions.do_set_logo(portal.shop, logo_png(), actor=Actor.system("test"))
    waiting = place(portal, [card_line(portal)])
    released = place(portal, [card_line(portal, quantity=100), actions.CartLine(portal.stock.pk, 5)])
    actions.do_release_order(released, actor=Actor.system("test"))
    line = released.lines.get(product=portal.card)
    client_kwargs = {
        "shop": {},
        "theme": {},
        "logo": {},
        "orders": {},
        "product": {"product_id": portal.card.pk},
        "preview": {"product_id": portal.card.pk},
        "proof": {"product_id": portal.card.pk},
        "cart": {},
        "checkout": {},
        "reorder": {"number": waiting.number},
        "order": {"number": waiting.number},
        "decide": {"number": waiting.number},
        "approvals": {},
        "addresses": {},
        "users": {},
        "settings": {},
        "user_edit": {"member_id": portal.orderer.pk},
    }
    house_kwargs = {
        "shops": {},
        "shop_new": {},
        "shop": {"shop_id": portal.shop.pk},
        "product_new": {"shop_id": portal.shop.pk},
        "product": {"shop_id": portal.shop.pk, "product_id": portal.card.pk},
        "member_new": {"shop_id": portal.shop.pk},
        "member_edit": {"shop_id": portal.shop.pk, "member_id": portal.orderer.pk},
        "work": {},
        "work_order": {"order_id": released.pk},
        "print_file": {"order_id": released.pk, "line_id": line.pk},
    }
    client_urls = {
        name: reverse(f"portal:{name}", kwargs={"slug": "aland", **kw}) for name, kw in client_kwargs.items()
    }
    house = {name: reverse(f"portal_house:{name}", kwargs=kw) for name, kw in house_kwargs.items()}
    secrets = [
        portal.shop.title,
        waiting.number,
        released.number,
        portal.card.name,
        portal.stock.name,
        "Mirjam",
        "Oosterhuis",
        "Dorpsstraat",
        portal.manager.user.username,
        portal.orderer.user.username,
    ]
    return portal, client_urls, house, secrets


def _as(user) -> Client:
    web = Client()
    if user is not None:
        web.force_login(user)
        if user.is_staff:
            from django_otp.plugins.otp_totp.models import TOTPDevice

            device = TOTPDevice.objects.create(user=user, name="t", confirmed=True)
            session = web.session
            session["otp_device_id"] = device.persistent_id
            session.save()
    return web


def _same_page(content: bytes) -> bytes:
    """The page without what differs on every response of the same page (the masked CSRF token of the
    header's forms, the language switch's way back to the address asked for), so two 404s compare equal
    when they say the same."""
    content = re.sub(rb'name="csrfmiddlewaretoken" value="[^"]*"', b'name="csrfmiddlewaretoken"', content)
    return re.sub(rb'name="next" type="hidden" value="[^"]*"', b'name="next"', content)


def _refused(web: Client, url: str, secrets: list[str], not_found: bytes) -> list[str]:
    problems = []
    for method in ("get", "post"):
        response = getattr(web, method)(url, {"name": "x", "quantity": "1", "decision": "approve"})
        # What the page says, without the asker's own name in the header and the address they typed.
        body = _same_page(response.content).decode(errors="replace")
        if response.wsgi_request.user.is_authenticated:
            body = body.replace(response.wsgi_request.user.get_username(), "")
        if response.status_code != 404:
            problems.append(f"{method.upper()} {url}: {response.status_code}")
        elif _same_page(response.content) != _same_page(not_found):
            problems.append(f"{method.upper()} {url}: a 404 unlike the one of a shop that does not exist")
        problems += [f"{method.upper()} {url}: shows {s!r}" for s in secrets if s in body]
    return problems


def test_every_url_refuses_another_clients_user_anonymous_and_staff_alike(world, make_staff):
    portal, client_urls, house, secrets = world
    strangers = {
        "user of client B (may do everything in its own shop)": portal.orderer_b.user,
        "anonymous": None,
        "relation manager (the house, not the client's shop)": make_staff("relation"),
        "print operator": make_staff("print"),
    }
    for label, user in strangers.items():
        web = _as(user)
        not_found = web.get(reverse("portal:shop", kwargs={"slug": "bestaat-niet"})).content
        problems = []
        for url in client_urls.values():
            problems += _refused(web, url, secrets, not_found)
        assert problems == [], label


def test_every_house_url_refuses_client_users_anonymous_and_staff_without_the_right(world, make_staff):
    portal, _client_urls, house, secrets = world
    people = {
        "manager of client A": portal.manager.user,
        "user of client B": portal.orderer_b.user,
        "anonymous": None,
        "database department": make_staff("database"),
        "privacy officer": make_staff("privacy"),
    }
    print_operator = make_staff("print")
    for label, user in people.items():
        web = _as(user)
        not_found = web.get(reverse("portal:shop", kwargs={"slug": "bestaat-niet"})).content
        problems = []
        for url in house.values():
            problems += _refused(web, url, secrets, not_found)
        assert problems == [], label
    # The print operator handles the work but does not set up shops.
    web = _as(print_operator)
    not_found = web.get(reverse("portal:shop", kwargs={"slug": "bestaat-niet"})).content
    problems = []
    for name, url in house.items():
        if HOUSE_URLS[name] == "manage_shop":
            problems += _refused(web, url, secrets, not_found)
    assert problems == []
    assert web.get(house["work"]).status_code == 200


def test_a_member_without_the_permission_is_refused_what_needs_it(world):
    portal, client_urls, _house, secrets = world
    web = _as(portal.bare.user)
    not_found = web.get(reverse("portal:shop", kwargs={"slug": "bestaat-niet"})).content
    own_secrets = [s for s in secrets if s not in (portal.shop.title, portal.card.name, portal.stock.name)]
    problems = []
    for name, url in client_urls.items():
        if CLIENT_URLS[name] is None:
            response = web.get(url)
            assert response.status_code == 200, name
            problems += [f"{url}: shows {s!r}" for s in own_secrets if s in response.content.decode(errors="replace")]
        else:
            problems += _refused(web, url, own_secrets, not_found)
    assert problems == []


def test_the_orderers_colleague_does_not_see_their_order_but_the_manager_does(world):
    portal, client_urls, _house, _secrets = world
    colleague = _as(portal.colleague.user)
    assert colleague.get(client_urls["order"]).status_code == 404
    assert portal.orderer.user.username not in colleague.get(client_urls["orders"]).content.decode()
    manager = _as(portal.manager.user)
    page = manager.get(client_urls["order"]).content.decode()
    assert "Dorpsstraat" in page and "Mirjam Oosterhuis" in page


def test_a_member_who_may_approve_but_is_not_the_named_approver_gets_403(world, system_actor):
    from verwerker.portal.models import Member

    portal, client_urls, _house, _secrets = world
    Member.objects.filter(pk=portal.colleague.pk).update(may_approve=True, sees_organisation=True)
    web = _as(portal.colleague.user)
    response = web.post(client_urls["decide"], {"decision": "approve"})
    assert response.status_code == 403 and b"Mirjam" not in response.content


def test_the_browser_run_walks_every_client_url():
    from tests.browser.test_portal import CLIENT_URL_ARGS

    assert set(CLIENT_URL_ARGS) == set(CLIENT_URLS)
