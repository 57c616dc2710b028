"""Reads of the portal app, and the one place its tenant scoping happens (P05, P06).

``access_*_for`` raise the same 404 for "missing", "another client's", "not permitted" and
"not logged in": a page never tells a stranger that a shop, an order or a product exists. House staff
reach orders only through the production screens (``access_work_for``), never a client's shop.
Opening sealed orderer data names an actor and a purpose and is audited (PORTAL_ORDERER_DATA_READ).
"""

from __future__ import annotations

from django.db.models import Count, QuerySet, Sum
from django.http import Http404

from verwerker.audit.actions import do_record_event
from verwerker.audit.actors import Actor
from verwerker.audit.events import EventType
from verwerker.portal.models import (
    AddressEntry,
    Member,
    Order,
    OrderLine,
    OrderState,
    Product,
    ProductKind,
    Shop,
    StockNotice,
)
from verwerker.portal.sealed import SEALING

NOT_FOUND = "no such page"
READ_PURPOSES = ("order", "history", "production", "delivery", "proof")


def access_member_for(user, slug: str, *, perm: str | None = None) -> Member:
    """The user's membership of the shop at ``slug``, holding ``perm`` if named; else the same 404."""
    if not (user.is_authenticated and user.is_active and getattr(user, "client_id", None)):
        raise Http404(NOT_FOUND)
    member = (
        Member.objects.select_related("shop", "user", "shop__client")
        .filter(user=user, shop__slug=slug, shop__active=True, shop__client_id=user.client_id)
        .first()
    )
    if member is None or (perm is not None and not getattr(member, perm)):
        raise Http404(NOT_FOUND)
    return member


def member_shop_slug(user) -> str | None:
    """The slug of the user's portal, for the menu; None when the user has none."""
    if not (user.is_authenticated and getattr(user, "client_id", None)):
        return None
    return Member.objects.filter(user=user, shop__active=True).values_list("shop__slug", flat=True).first()


def visible_orders(member: Member) -> QuerySet[Order]:
    """Orders the member may see: the organisation's with ``sees_organisation``, else their own."""
    orders = Order.objects.filter(shop=member.shop).select_related("placed_by")
    if not member.sees_organisation:
        orders = orders.filter(placed_by=member.user)
    return orders


def access_order_for(member: Member, number: str) -> Order:
    """An order the member may see (own, or the organisation's where permitted, or one to approve)."""
    order = visible_orders(member).filter(number=number).first()
    if order is None and member.may_approve:
        order = approval_queue(member).filter(number=number).first()
    if order is None:
        raise Http404(NOT_FOUND)
    return order


def approval_queue(member: Member) -> QuerySet[Order]:
    """Orders waiting at a level this member may decide on (their own orders never)."""
    from verwerker.portal.actions import may_decide  # local: same layer or upward, a cycle at the top

    waiting = Order.objects.filter(shop=member.shop, state=OrderState.AWAITING_APPROVAL).exclude(placed_by=member.user)
    ids = [o.pk for o in waiting if may_decide(member, o)]
    return Order.objects.filter(pk__in=ids).select_related("placed_by")


def access_product_for(member: Member, product_id: int) -> Product:
    product = Product.objects.filter(shop=member.shop, pk=product_id, active=True).first()
    if product is None:
        raise Http404(NOT_FOUND)
    return product


def list_products(shop: Shop) -> QuerySet[Product]:
    return Product.objects.filter(shop=shop, active=True)


def access_address_for(member: Member, entry_id: int) -> AddressEntry:
    entry = AddressEntry.objects.filter(shop=member.shop, pk=entry_id).first()
    if entry is None:
        raise Http404(NOT_FOUND)
    return entry


def access_shop_member_for(member: Member, member_id: int) -> Member:
    """Another member of the same shop, for a member who manages users."""
    if not member.manages_users:
        raise Http404(NOT_FOUND)
    other = Member.objects.filter(shop=member.shop, pk=member_id).select_related("user").first()
    if other is None:
        raise Http404(NOT_FOUND)
    return other


# -- the house's side ---------------------------------------------------------------------------------


def _house(user, perm: str) -> None:
    if not (user.is_authenticated and user.is_staff and user.is_active and user.has_perm(perm)):
        raise Http404(NOT_FOUND)


def access_shop_admin_for(user, shop_id: int) -> Shop:
    """A shop for the relation manager who sets it up."""
    _house(user, "portal.manage_shop")
    shop = Shop.objects.select_related("client").filter(pk=shop_id).first()
    if shop is None:
        raise Http404(NOT_FOUND)
    return shop


def list_shops_for_admin(user) -> QuerySet[Shop]:
    _house(user, "portal.manage_shop")
    return Shop.objects.select_related("client").annotate(
        n_products=Count("products", distinct=True), n_members=Count("members", distinct=True)
    )


def work_queue(user) -> QuerySet[Order]:
    """Orders that are the house's work (released, not yet delivered): what production needs, no reports."""
    _house(user, "portal.handle_portal_work")
    return (
        Order.objects.filter(state__in=[OrderState.IN_PRODUCTION, OrderState.SHIPPED])
        .select_related("shop", "shop__client")
        .order_by("released_at")
    )


def access_work_for(user, order_id: int) -> Order:
    _house(user, "portal.handle_portal_work")
    order = Order.objects.select_related("shop").filter(pk=order_id, released_at__isnull=False).first()
    if order is None:
        raise Http404(NOT_FOUND)
    return order


def picking_list(order: Order) -> QuerySet[OrderLine]:
    return order.lines.select_related("product").filter(product__kind=ProductKind.STOCK)


def stock_notices(user) -> QuerySet[StockNotice]:
    _house(user, "portal.handle_portal_work")
    return StockNotice.objects.filter(handled_at__isnull=True).select_related("product", "product__shop")


# -- sealed orderer data ------------------------------------------------------------------------------


def _read(obj, row_key, wrapped, data, *, actor: Actor, purpose: str, client_id: int) -> dict:
    from verwerker.vault.storage import master_key  # local: same layer or upward, a cycle at the top

    if purpose not in READ_PURPOSES:
        raise ValueError(f"unknown purpose {purpose!r}")
    if wrapped is None or data is None:
        return {}
    values = SEALING.unseal(master_key(), row_key, wrapped, data)
    do_record_event(
        EventType.PORTAL_ORDERER_DATA_READ, actor=actor, client_id=client_id, obj=obj, details={"purpose": purpose}
    )
    return values


def open_address(entry: AddressEntry, *, actor: Actor, purpose: str) -> dict:
    return _read(
        entry,
        entry.key,
        entry.sealed_key,
        entry.sealed_data,
        actor=actor,
        purpose=purpose,
        client_id=entry.shop.client_id,
    )


def open_delivery(order: Order, *, actor: Actor, purpose: str) -> dict:
    """The order's delivery address (empty once anonymised); audited."""
    return _read(
        order,
        order.key,
        order.sealed_key,
        order.sealed_data,
        actor=actor,
        purpose=purpose,
        client_id=order.shop.client_id,
    )


def open_line_values(line: OrderLine, *, actor: Actor, purpose: str) -> dict:
    """The print-on-demand fields of a line (empty once anonymised); audited."""
    return _read(
        line,
        line.order.key,
        line.sealed_key,
        line.sealed_data,
        actor=actor,
        purpose=purpose,
        client_id=line.order.shop.client_id,
    )


# -- the client's statistics (P06: only when it switched them on) -------------------------------------


def order_statistics(member: Member) -> dict | None:
    """Orders and amounts per product and cost centre, for the client only and only when it switched the
    statistics on; None otherwise."""
    if not member.shop.analytics_enabled or not member.sees_organisation:
        return None
    orders = Order.objects.filter(shop=member.shop).exclude(state__in=[OrderState.REJECTED, OrderState.CANCELLED])
    return {
        "orders": orders.count(),
        "total_cents": orders.aggregate(t=Sum("total_cents"))["t"] or 0,
        "by_cost_centre": list(
            orders.values("cost_centre").annotate(n=Count("pk"), t=Sum("total_cents")).order_by("cost_centre")
        ),
        "by_product": list(
            OrderLine.objects.filter(order__in=orders)
            .values("product__name")
            .annotate(n=Sum("quantity"))
            .order_by("product__name")
        ),
    }


def shops_with_analytics() -> list[str]:
    return list(Shop.objects.filter(analytics_enabled=True).values_list("title", flat=True))
