"""Portal personas: a shop for client A with one product of each kind and four members (an orderer with a
budget and a named approver, a manager who approves, a member with no permissions, and a second orderer),
and a shop for client B with its own orderer. All data is synthetic."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from verwerker.portal import actions, pod
from verwerker.portal.models import ProductKind

CARD_VALUES = {
    "name": "Mirjam Oosterhuis",
    "function": "Wijkbeheerder",
    "phone": "06 12345678",
    "email": "m.oosterhuis@aland.example",
}
ADDRESS = {
    "recipient": "Afdeling Wonen",
    "street": "Dorpsstraat 12",
    "postcode": "1234 AB",
    "city": "Aland",
    "country": "NL",
}


def make_shop(client, slug: str, actor, *, prefix: str):
    shop = actions.do_set_up_shop(client, slug=slug, title=f"Bestelportaal {client.name}", actor=actor)
    card = actions.do_save_product(
        shop,
        actor=actor,
        kind=ProductKind.PRINT_ON_DEMAND,
        code=f"{prefix}-VK",
        name=f"Visitekaartje {prefix}",
        price_cents=12,
        template_source=pod.business_card_template(client.name, "#0b5cad"),
        fields=pod.BUSINESS_CARD_FIELDS,
    )
    flyer = actions.do_save_product(
        shop,
        actor=actor,
        kind=ProductKind.PRINT,
        code=f"{prefix}-FL",
        name=f"Folder {prefix}",
        price_table=[
            {"quantity": 500, "paper": "mc 135", "finishing": "", "price_cents": 8900},
            {"quantity": 1000, "paper": "mc 135", "finishing": "", "price_cents": 12900},
        ],
    )
    stock = actions.do_save_product(
        shop,
        actor=actor,
        kind=ProductKind.STOCK,
        code=f"{prefix}-ENV",
        name=f"Envelop {prefix}",
        price_cents=5,
        reorder_point=20,
    )
    actions.do_set_stock(stock, 100, actor=actor)
    stock.refresh_from_db()
    return shop, card, flyer, stock


def member(shop, username: str, actor, **kwargs):
    m, _password = actions.do_add_member(
        shop, username, email=f"{username}@example.test", actor=actor, request_reference="VERZOEK-1", **kwargs
    )
    m.user.must_change_password = False
    m.user.save(update_fields=["must_change_password"])
    return m


ALL = {
    "may_order": True,
    "may_approve": True,
    "sees_organisation": True,
    "manages_addresses": True,
    "manages_users": True,
}
NONE = {
    "may_order": False,
    "may_approve": False,
    "sees_organisation": False,
    "manages_addresses": False,
    "manages_users": False,
}


@pytest.fixture
def portal(client_a, client_b, system_actor, settings):
    settings.CLIENT_IDLE_MINUTES = 60
    shop_a, card, flyer, stock = make_shop(client_a, "aland", system_actor, prefix="A")
    shop_b, card_b, flyer_b, stock_b = make_shop(client_b, "beeland", system_actor, prefix="B")
    manager = member(shop_a, "manager-a", system_actor, perms=ALL)
    orderer = member(
        shop_a, "besteller-a", system_actor, perms={"may_order": True}, budget_cents=5000, approver=manager
    )
    colleague = member(shop_a, "collega-a", system_actor, perms={"may_order": True})
    bare = member(shop_a, "kaal-a", system_actor, perms=NONE)
    orderer_b = member(shop_b, "besteller-b", system_actor, perms=ALL)
    return SimpleNamespace(
        shop=shop_a,
        card=card,
        flyer=flyer,
        stock=stock,
        manager=manager,
        orderer=orderer,
        colleague=colleague,
        bare=bare,
        shop_b=shop_b,
        card_b=card_b,
        stock_b=stock_b,
        orderer_b=orderer_b,
        actor=system_actor,
    )


def card_line(portal, quantity: int = 500, values: dict | None = None) -> actions.CartLine:
    return actions.CartLine(portal.card.pk, quantity, values=dict(values or CARD_VALUES))


def place(portal, lines, member=None):
    """Place an order as ``member`` (the orderer), running what it leaves for after the commit (e-mails,
    the release task's enqueueing) as a real commit would."""
    from django.test import TestCase

    from verwerker.audit.actors import Actor

    member = member or portal.orderer
    with TestCase.captureOnCommitCallbacks(execute=True):
        return actions.do_place_order(
            member, lines, address=ADDRESS, cost_centre="KP-100", reference="REF-1", actor=Actor.for_user(member.user)
        )
