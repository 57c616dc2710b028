"""Writes of the portal app: shops, members, products, the address book, orders, approval, production.

Every action is atomic and writes its audit event; details hold ids, counts and amounts, never the
orderer's data. Orderer data is sealed (sealed.py) before it reaches a row.
"""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import EmailMessage
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from verwerker.accounts.actions import do_create_client_user
from verwerker.audit.actions import do_record_event
from verwerker.audit.actors import Actor
from verwerker.audit.events import EventType, Outcome
from verwerker.clients.models import Client
from verwerker.portal import pod
from verwerker.portal.models import (
    PERMISSION_FIELDS,
    AddressEntry,
    Approval,
    ApprovalDecision,
    Member,
    Order,
    OrderLine,
    OrderState,
    PaymentState,
    Product,
    ProductKind,
    Shop,
    StockNotice,
)
from verwerker.portal.sealed import SEALING
from verwerker.vault.models import BlobPurpose, DeletionReason

ADDRESS_FIELDS = ("recipient", "street", "postcode", "city", "country")


class ApprovalRefused(PermissionDenied):
    """The person may not decide on this order (no right, not theirs to approve, or their own order)."""


# -- shops and members ------------------------------------------------------------------------------


@transaction.atomic
def do_set_up_shop(
    client: Client,
    *,
    slug: str,
    title: str,
    colour_primary: str = "#0b5cad",
    colour_accent: str = "#1d2733",
    history_days: int = 730,
    actor: Actor,
) -> Shop:
    """Open a portal for ``client`` (P05: on the client's request). Raises ValidationError for a bad or
    taken address or colour, or when the client has a portal already."""
    if Shop.objects.filter(client=client).exists():
        raise ValidationError(_("This client has a portal already."))
    shop = Shop(
        client=client,
        slug=slug,
        title=title,
        colour_primary=colour_primary,
        colour_accent=colour_accent,
        history_days=history_days,
    )
    shop.full_clean()
    shop.save()
    do_record_event(EventType.PORTAL_SHOP_SET_UP, actor=actor, client_id=client.pk, obj=shop, details={"slug": slug})
    return shop


@transaction.atomic
def do_change_shop(shop: Shop, *, actor: Actor, **changes) -> Shop:
    """Change the title, colours, history period, payment or open state. Raises ValidationError."""
    allowed = {"title", "colour_primary", "colour_accent", "history_days", "payment_provider", "active"}
    if set(changes) - allowed:
        raise ValidationError(
            _lazy("cannot change %(fields)s"),
            params={"fields": ", ".join(sorted(set(changes) - allowed))},
        )
    for name, value in changes.items():
        setattr(shop, name, value)
    shop.full_clean()
    shop.save()
    do_record_event(
        EventType.PORTAL_SHOP_CHANGED,
        actor=actor,
        client_id=shop.client_id,
        obj=shop,
        details={"changed": sorted(changes)},
    )
    return shop


def check_logo(data: bytes) -> None:
    """A logo is a PNG of at most 200 kB and 2000 px. Raises ValidationError."""
    from PIL import Image  # deferred: a heavy import

    if len(data) > 200_000 or not data.startswith(b"\x89PNG\r\n\x1a\n"):
        raise ValidationError(_("The logo must be a PNG file of at most 200 kB."))
    try:
        with Image.open(io.BytesIO(data)) as image:
            image.verify()
            if max(image.size) > 2000:
                raise ValidationError(_("The logo must be a PNG file of at most 200 kB."))
    except (OSError, SyntaxError):
        raise ValidationError(_("The logo must be a PNG file of at most 200 kB.")) from None


@transaction.atomic
def do_set_logo(shop: Shop, data: bytes, *, actor: Actor) -> None:
    """Store the client's logo (a PNG; the brand, not personal data). Raises ValidationError."""
    check_logo(data)
    shop.logo_png = data
    shop.save(update_fields=["logo_png"])
    do_record_event(
        EventType.PORTAL_SHOP_CHANGED,
        actor=actor,
        client_id=shop.client_id,
        obj=shop,
        details={"changed": ["logo"], "bytes": len(data)},
    )


@transaction.atomic
def do_switch_analytics(shop: Shop, enabled: bool, *, actor: Actor) -> None:
    """The client switches order statistics on or off (P06: no analyses without its permission)."""
    if shop.analytics_enabled != enabled:
        shop.analytics_enabled = enabled
        shop.save(update_fields=["analytics_enabled"])
        do_record_event(
            EventType.PORTAL_ANALYTICS_SWITCHED,
            actor=actor,
            client_id=shop.client_id,
            obj=shop,
            details={"enabled": enabled},
        )


def _member_perms(
    member: Member, perms: dict, budget_cents: int | None, approver: Member | None, second_approver: Member | None
) -> None:
    for name in PERMISSION_FIELDS:
        if name in perms:
            setattr(member, name, bool(perms[name]))
    member.budget_cents = budget_cents
    for other in (approver, second_approver):
        if other is not None and (other.shop_id != member.shop_id or not other.may_approve or other.pk == member.pk):
            raise ValidationError(_("An approver must be another user of this portal who may approve."))
    member.approver = approver
    member.second_approver = second_approver


@transaction.atomic
def do_add_member(
    shop: Shop,
    username: str,
    *,
    email: str,
    perms: dict,
    budget_cents: int | None = None,
    approver: Member | None = None,
    second_approver: Member | None = None,
    request_reference: str = "",
    actor: Actor,
) -> tuple[Member, str]:
    """Create a client user for the shop with the permission set the client agreed (P05); returns the
    member and the one-time password. Raises ValidationError (bad username, bad approver)."""
    user, password = do_create_client_user(
        shop.client, username, email=email, actor=actor, request_reference=request_reference
    )
    member = Member(shop=shop, user=user, agreed_reference=request_reference[:100])
    _member_perms(member, perms, budget_cents, approver, second_approver)
    member.save()
    do_record_event(
        EventType.PORTAL_MEMBER_SET,
        actor=actor,
        client_id=shop.client_id,
        obj=member,
        details={
            "perms": member.permission_set(),
            "budget_cents": budget_cents,
            "approver": approver.pk if approver else None,
            "new": True,
        },
    )
    return member, password


@transaction.atomic
def do_change_member(
    member: Member,
    *,
    perms: dict,
    budget_cents: int | None,
    approver: Member | None,
    second_approver: Member | None = None,
    actor: Actor,
) -> Member:
    """Change a member's permission set, budget and approvers. Raises ValidationError."""
    _member_perms(member, perms, budget_cents, approver, second_approver)
    member.save()
    do_record_event(
        EventType.PORTAL_MEMBER_SET,
        actor=actor,
        client_id=member.shop.client_id,
        obj=member,
        details={
            "perms": member.permission_set(),
            "budget_cents": budget_cents,
            "approver": approver.pk if approver else None,
        },
    )
    return member


# -- products -----------------------------------------------------------------------------------------


@transaction.atomic
def do_save_product(shop: Shop, *, actor: Actor, product: Product | None = None, **values) -> Product:
    """Add or change a product. A print-on-demand template must compile with its fields; a price table
    row needs a quantity and a price. Raises ValidationError."""
    product = product or Product(shop=shop)
    if product.shop_id != shop.pk:
        raise ValidationError(_lazy("product of another shop"))
    for name, value in values.items():
        setattr(product, name, value)
    if product.kind == ProductKind.PRINT_ON_DEMAND:
        if not product.template_source.strip() or not product.fields:
            raise ValidationError(_("A print-on-demand product needs a template and fields."))
        try:
            pod.check_template(product.template_source, product.fields)
        except pod.TemplateError as exc:
            raise ValidationError(_("The template does not compile: %(error)s") % {"error": exc}) from None
    for row in product.price_table:
        if int(row.get("quantity") or 0) < 1 or int(row.get("price_cents") or -1) < 0:
            raise ValidationError(_("Every row of the price table needs a quantity and a price."))
    product.full_clean(exclude=["file_blob"])
    product.save()
    do_record_event(
        EventType.PORTAL_PRODUCT_SAVED,
        actor=actor,
        client_id=shop.client_id,
        obj=product,
        details={"kind": product.kind, "code": product.code},
    )
    return product


def do_store_product_file(product: Product, data: bytes, name: str, *, actor: Actor) -> None:
    """Keep a print product's fixed file (the client's artwork) in the vault. Raises ValidationError for
    what is not a PDF."""
    from verwerker.vault.actions import open_blob_writer  # local: same layer or upward, a cycle at the top

    if not data.startswith(b"%PDF"):
        raise ValidationError(_("%(name)s: not a PDF file.") % {"name": name})
    writer = open_blob_writer(
        client=product.shop.client_id, purpose=BlobPurpose.OTHER, name=f"portal-{product.code}.pdf", actor=actor
    )
    writer.write(data)
    blob = writer.commit()
    with transaction.atomic():
        product.file_blob = blob
        product.save(update_fields=["file_blob"])
        do_record_event(
            EventType.PORTAL_PRODUCT_SAVED,
            actor=actor,
            client_id=product.shop.client_id,
            obj=product,
            details={"file": str(blob.pk), "bytes": len(data)},
        )


def _note_stock(product: Product, *, actor: Actor) -> None:
    """Tell the house once when a stock product falls below its reorder point (cleared when it recovers)."""
    available = product.stock_level - product.reserved
    if available < product.reorder_point and product.below_reorder_since is None:
        product.below_reorder_since = timezone.now()
        product.save(update_fields=["below_reorder_since"])
        StockNotice.objects.create(product=product, level=available)
        do_record_event(
            EventType.PORTAL_STOCK_BELOW_REORDER,
            actor=actor,
            client_id=product.shop.client_id,
            obj=product,
            details={"available": available, "reorder_point": product.reorder_point},
        )
        to = list(getattr(settings, "PORTAL_HOUSE_EMAILS", []))
        if to:
            subject = _("Stock below reorder point: %(code)s") % {"code": product.code}
            body = _("%(shop)s: %(name)s has %(n)s available, reorder point %(point)s.") % {
                "shop": product.shop.title,
                "name": product.name,
                "n": available,
                "point": product.reorder_point,
            }
            transaction.on_commit(lambda: EmailMessage(subject, body, to=to).send())
    elif available >= product.reorder_point and product.below_reorder_since is not None:
        product.below_reorder_since = None
        product.save(update_fields=["below_reorder_since"])


@transaction.atomic
def do_set_stock(product: Product, level: int, *, actor: Actor) -> None:
    """The house counts or receives stock: set the level. Raises ValidationError for a non-stock product."""
    if product.kind != ProductKind.STOCK:
        raise ValidationError(_lazy("not a stock product"))
    product = Product.objects.select_for_update().get(pk=product.pk)
    before = product.stock_level
    product.stock_level = level
    product.save(update_fields=["stock_level"])
    do_record_event(
        EventType.PORTAL_STOCK_CHANGED,
        actor=actor,
        client_id=product.shop.client_id,
        obj=product,
        details={"before": before, "after": level},
    )
    _note_stock(product, actor=actor)


# -- address book -------------------------------------------------------------------------------------


def clean_address(raw: dict) -> dict[str, str]:
    """The delivery address fields, trimmed. Raises ValidationError naming what is missing."""
    address = {name: " ".join(str(raw.get(name) or "").split())[:120] for name in ADDRESS_FIELDS}
    address["country"] = address["country"] or "NL"
    missing = [name for name in ("recipient", "street", "postcode", "city") if not address[name]]
    if missing:
        raise ValidationError(_("The delivery address is incomplete."))
    return address


@transaction.atomic
def do_save_address(shop: Shop, label: str, raw: dict, *, actor: Actor) -> AddressEntry:
    """Add an entry to the client's address book (sealed). Raises ValidationError."""
    from verwerker.vault.storage import master_key  # local: same layer or upward, a cycle at the top

    address = clean_address(raw)
    if not label.strip():
        raise ValidationError(_("Give the address a label."))
    entry = AddressEntry(shop=shop, label=label.strip()[:80])
    entry.sealed_key, entry.sealed_data = SEALING.seal(master_key(), entry.key, address)
    entry.save()
    do_record_event(EventType.PORTAL_ADDRESS_SAVED, actor=actor, client_id=shop.client_id, obj=entry)
    return entry


# -- ordering -----------------------------------------------------------------------------------------


@dataclass
class CartLine:
    product_id: int
    quantity: int
    options: dict = field(default_factory=dict)
    values: dict = field(default_factory=dict)  # print-on-demand fields (personal data: in memory only)


def price_of(product: Product, quantity: int, options: dict) -> int:
    """Price of a line in cents: the price table's row for the options and the largest step not above the
    quantity (a print product), else the piece price times the quantity. Raises ValidationError."""
    if product.kind == ProductKind.PRINT and product.price_table:
        rows = [
            r
            for r in product.price_table
            if all(str(r.get(k, "")) == str(options.get(k, "")) for k in ("paper", "finishing"))
            and int(r["quantity"]) == quantity
        ]
        if not rows:
            raise ValidationError(
                _("%(name)s: choose a quantity and options from the price table.") % {"name": product.name}
            )
        return int(rows[0]["price_cents"])
    return product.price_cents * quantity


def _order_number() -> str:
    today = timezone.localdate().strftime("%y%m%d")
    count = Order.objects.filter(number__startswith=f"P{today}-").count()
    return f"P{today}-{count + 1:04d}"


def _approvers(order: Order, level: int) -> list[Member]:
    """Who may decide on ``level`` of ``order``: the named approver, else everyone who may approve."""
    orderer = Member.objects.filter(user_id=order.placed_by_id).first()  # type: ignore[misc]
    named = None
    if orderer is not None:
        named = orderer.approver if level == 1 else orderer.second_approver
    if named is not None:
        return [named]
    return list(
        Member.objects.filter(shop=order.shop, may_approve=True, user__is_active=True)  # type: ignore[misc]
        .exclude(user_id=order.placed_by_id)
        .select_related("user")
    )


def _mail_approvers(order: Order, level: int) -> None:
    to = [m.user.email for m in _approvers(order, level) if m.user.email]
    if to:
        subject = _("Order %(number)s waits for your approval") % {"number": order.number}
        body = _("An order in %(shop)s waits for your approval. Open the approval queue in the portal.") % {
            "shop": order.shop.title
        }
        transaction.on_commit(lambda: EmailMessage(subject, body, to=to).send())


def _mail_orderer(order: Order, subject: str, body: str) -> None:
    email = order.placed_by.email if order.placed_by else ""
    if email:
        transaction.on_commit(lambda: EmailMessage(subject, body, to=[email]).send())


@transaction.atomic
def do_place_order(
    member: Member,
    lines: list[CartLine],
    *,
    address: dict | None = None,
    address_entry: AddressEntry | None = None,
    cost_centre: str = "",
    reference: str = "",
    actor: Actor,
) -> Order:
    """Place an order: check the lines, reserve stock, seal the delivery and the fields, and send it for
    approval when it is over the member's budget or holds a product that needs approval.

    Raises PermissionDenied when the member may not order, ValidationError naming the line or field.
    """
    from verwerker.portal.payment import provider_for  # local: same layer or upward, a cycle at the top
    from verwerker.vault.storage import master_key  # local: same layer or upward, a cycle at the top

    if not member.may_order or not member.user.is_active:
        raise PermissionDenied("may not order")
    if not lines:
        raise ValidationError(_("The cart is empty."))
    shop = member.shop
    if address_entry is not None:
        if address_entry.shop_id != shop.pk:
            raise ValidationError(_("Choose an address from the address book."))
        from verwerker.portal.queries import open_address  # local: same layer or upward, a cycle at the top

        delivery = open_address(address_entry, actor=actor, purpose="order")
    else:
        delivery = clean_address(address or {})
    key = master_key()
    order = Order(
        shop=shop,
        number=_order_number(),
        placed_by=member.user,
        state=OrderState.APPROVED,
        cost_centre=cost_centre.strip()[:40],
        reference=reference.strip()[:80],
        payment_provider=shop.payment_provider,
    )
    order.sealed_key, order.sealed_data = SEALING.seal(key, order.key, delivery)
    built: list[OrderLine] = []
    needs_approval = False
    for line in lines:
        product = Product.objects.select_for_update().filter(shop=shop, pk=line.product_id, active=True).first()
        if product is None:
            raise ValidationError(_("A product in the cart is no longer available."))
        if line.quantity < 1:
            raise ValidationError(_("%(name)s: the quantity must be at least 1.") % {"name": product.name})
        ol = OrderLine(
            product=product,
            quantity=line.quantity,
            options={k: str(v)[:40] for k, v in line.options.items() if k in ("paper", "finishing")},
        )
        ol.line_cents = price_of(product, line.quantity, ol.options)
        ol.unit_cents = ol.line_cents // line.quantity
        if product.kind == ProductKind.PRINT_ON_DEMAND:
            values, errors = pod.clean_values(product.fields, line.values)
            if errors:
                raise ValidationError(list(errors.values()))
            ol.sealed_key, ol.sealed_data = SEALING.seal(key, order.key, values)
        if product.kind == ProductKind.STOCK:
            if product.stock_level - product.reserved < line.quantity:
                raise ValidationError(
                    _("%(name)s: only %(n)s in stock.")
                    % {"name": product.name, "n": max(product.stock_level - product.reserved, 0)}
                )
            Product.objects.filter(pk=product.pk).update(reserved=F("reserved") + line.quantity)
            product.refresh_from_db()
            _note_stock(product, actor=actor)
        needs_approval |= product.needs_approval
        built.append(ol)
    order.total_cents = sum(ol.line_cents for ol in built)
    over_budget = member.budget_cents is not None and order.total_cents > member.budget_cents
    if over_budget or needs_approval:
        order.state = OrderState.AWAITING_APPROVAL
        order.approvals_needed = 2 if member.second_approver_id else 1
        order.approval_reason = "budget" if over_budget else "product"
    order.save()
    for ol in built:
        ol.order = order
    OrderLine.objects.bulk_create(built)
    checkout = provider_for(order.payment_provider).create_checkout(order)
    order.payment_reference, order.payment_state = checkout.reference, checkout.state
    if order.state == OrderState.APPROVED and checkout.state == PaymentState.PENDING:
        order.state = OrderState.AWAITING_PAYMENT
    order.save(update_fields=["payment_reference", "payment_state", "state"])
    do_record_event(
        EventType.PORTAL_ORDER_PLACED,
        actor=actor,
        client_id=shop.client_id,
        obj=order,
        details={
            "lines": len(built),
            "total_cents": order.total_cents,
            "state": order.state,
            "approval_reason": order.approval_reason,
            "payment": order.payment_provider,
        },
    )
    if order.state == OrderState.AWAITING_APPROVAL:
        _mail_approvers(order, 1)
    elif order.state == OrderState.APPROVED:
        _enqueue_release(order)
    return order


def _enqueue_release(order: Order) -> None:
    from verwerker.portal.tasks import release_order  # local: same layer or upward, a cycle at the top

    order_id = order.pk
    transaction.on_commit(lambda: release_order.enqueue(order_id))


def may_decide(member: Member | None, order: Order) -> bool:
    """Whether ``member`` may decide on the next approval level of ``order`` (never their own order)."""
    if member is None or not member.may_approve or member.shop_id != order.shop_id or not member.user.is_active:
        return False
    if order.state != OrderState.AWAITING_APPROVAL or order.placed_by_id == member.user_id:
        return False
    level = order.approvals.count() + 1
    if order.approvals.filter(by_id=member.user_id).exists():
        return False  # two levels are two people
    return any(m.pk == member.pk for m in _approvers(order, level))


def do_decide_order(order: Order, member: Member | None, *, approve: bool, actor: Actor) -> Order:
    """Approve or reject the next level of an order. The last approval releases it to production.

    Raises ApprovalRefused when the member has no right to decide on it; the refusal is audited (in a
    transaction of its own, so it stays when the caller's rolls back).
    """
    with transaction.atomic():
        order = Order.objects.select_for_update().get(pk=order.pk)
        if may_decide(member, order):
            assert member is not None
            return _decide(order, member, approve=approve, actor=actor)
    do_record_event(
        EventType.PORTAL_APPROVAL_REFUSED,
        actor=actor,
        client_id=order.shop.client_id,
        obj=order,
        outcome=Outcome.REFUSED,
        details={"state": order.state},
    )
    raise ApprovalRefused("no right to decide on this order")


def _decide(order: Order, member: Member, *, approve: bool, actor: Actor) -> Order:
    level = order.approvals.count() + 1
    Approval.objects.create(
        order=order,
        level=level,
        by=member.user,
        decision=ApprovalDecision.APPROVED if approve else ApprovalDecision.REJECTED,
    )
    if not approve:
        order.state = OrderState.REJECTED
        _release_reservations(order)
        do_record_event(
            EventType.PORTAL_ORDER_REJECTED,
            actor=actor,
            client_id=order.shop.client_id,
            obj=order,
            details={"level": level},
        )
        _mail_orderer(
            order,
            _("Order %(number)s was not approved") % {"number": order.number},
            _("Your order in %(shop)s was not approved.") % {"shop": order.shop.title},
        )
    elif level >= order.approvals_needed:
        order.state = (
            OrderState.AWAITING_PAYMENT if order.payment_state == PaymentState.PENDING else OrderState.APPROVED
        )
        do_record_event(
            EventType.PORTAL_ORDER_APPROVED,
            actor=actor,
            client_id=order.shop.client_id,
            obj=order,
            details={"level": level, "final": True},
        )
        _mail_orderer(
            order,
            _("Order %(number)s was approved") % {"number": order.number},
            _("Your order in %(shop)s was approved and goes to production.") % {"shop": order.shop.title},
        )
        if order.state == OrderState.APPROVED:
            _enqueue_release(order)
    else:
        do_record_event(
            EventType.PORTAL_ORDER_APPROVED,
            actor=actor,
            client_id=order.shop.client_id,
            obj=order,
            details={"level": level, "final": False},
        )
        _mail_approvers(order, level + 1)
    order.save(update_fields=["state"])
    return order


def _release_reservations(order: Order) -> None:
    for line in order.lines.select_related("product").filter(product__kind=ProductKind.STOCK):
        Product.objects.filter(pk=line.product_id).update(reserved=F("reserved") - line.quantity)


class NotReleasable(ValidationError):
    """The order is not approved (and paid where payment is due): it cannot be produced."""


def do_release_order(order: Order, *, actor: Actor) -> Order:
    """Turn an approved order into the house's work: every print-on-demand line rendered to a PDF/X-4
    print file in the vault (checked as the letters are), stock lines onto the picking list.

    Idempotent: a line that has its PDF is not rendered again, so a crash halfway is finished by running
    it again. Raises NotReleasable for an order that waits for approval or payment, or was rejected.
    """
    from verwerker.portal.queries import open_line_values  # local: same layer or upward, a cycle at the top
    from verwerker.production.pdfvt import finish_pdfx4  # local: same layer or upward, a cycle at the top
    from verwerker.production.pdfx import problems  # local: same layer or upward, a cycle at the top
    from verwerker.vault.actions import open_blob_writer  # local: same layer or upward, a cycle at the top

    order = Order.objects.select_related("shop").get(pk=order.pk)
    if order.state == OrderState.IN_PRODUCTION or order.released_at is not None:
        return order
    if order.state != OrderState.APPROVED:
        raise NotReleasable(f"order {order.number} is {order.state}: it cannot be produced")
    for line in order.lines.select_related("product").filter(
        product__kind=ProductKind.PRINT_ON_DEMAND, pdf_blob__isnull=True
    ):
        values = open_line_values(line, actor=actor, purpose="production")
        pdf = finish_pdfx4(pod.render_pdf(line.product.template_source, values), f"{order.number} {line.product.code}")
        writer = open_blob_writer(
            client=order.shop.client_id,
            purpose=BlobPurpose.PRINT_OUTPUT,
            name=f"{order.number}-{line.pk}.pdf",
            actor=actor,
        )
        writer.write(pdf)
        blob = writer.commit()
        line.pdf_blob, line.preflight = blob, problems(pdf, vt=False)
        line.save(update_fields=["pdf_blob", "preflight"])
    with transaction.atomic():
        order = Order.objects.select_for_update().get(pk=order.pk)
        if order.released_at is None:
            order.state, order.released_at = OrderState.IN_PRODUCTION, timezone.now()
            order.save(update_fields=["state", "released_at"])
            do_record_event(
                EventType.PORTAL_ORDER_RELEASED,
                actor=actor,
                client_id=order.shop.client_id,
                obj=order,
                details={
                    "print_files": order.lines.filter(pdf_blob__isnull=False).count(),
                    "picking_lines": order.lines.filter(product__kind=ProductKind.STOCK).count(),
                },
            )
    return order


@transaction.atomic
def do_ship_order(order: Order, *, track_and_trace: str, actor: Actor) -> Order:
    """The house shipped the order: stock leaves the shelf, the client sees the track-and-trace reference.
    Raises ValidationError when the order is not in production."""
    order = Order.objects.select_for_update().get(pk=order.pk)
    if order.state != OrderState.IN_PRODUCTION:
        raise ValidationError(_("Only an order in production can be shipped."))
    for line in order.lines.select_related("product").filter(product__kind=ProductKind.STOCK):
        Product.objects.filter(pk=line.product_id).update(
            stock_level=F("stock_level") - line.quantity, reserved=F("reserved") - line.quantity
        )
    order.lines.filter(product__kind=ProductKind.STOCK).update(picked=True)
    order.state, order.shipped_at = OrderState.SHIPPED, timezone.now()
    order.track_and_trace = track_and_trace.strip()[:80]
    order.save(update_fields=["state", "shipped_at", "track_and_trace"])
    do_record_event(
        EventType.PORTAL_ORDER_SHIPPED,
        actor=actor,
        client_id=order.shop.client_id,
        obj=order,
        details={"track_and_trace": bool(order.track_and_trace)},
    )
    _mail_orderer(
        order,
        _("Order %(number)s was shipped") % {"number": order.number},
        _("Your order in %(shop)s was shipped. Track and trace: %(tt)s")
        % {"shop": order.shop.title, "tt": order.track_and_trace or "-"},
    )
    return order


@transaction.atomic
def do_mark_delivered(order: Order, *, actor: Actor) -> Order:
    """The carrier delivered the order. Raises ValidationError when it was not shipped."""
    order = Order.objects.select_for_update().get(pk=order.pk)
    if order.state != OrderState.SHIPPED:
        raise ValidationError(_("Only a shipped order can be delivered."))
    order.state, order.delivered_at = OrderState.DELIVERED, timezone.now()
    order.save(update_fields=["state", "delivered_at"])
    do_record_event(EventType.PORTAL_ORDER_DELIVERED, actor=actor, client_id=order.shop.client_id, obj=order)
    return order


@transaction.atomic
def do_update_payment(reference: str, state: str, *, actor: Actor) -> Order | None:
    """A verified provider webhook: set the payment state of the order with that reference; a paid and
    approved order goes to production. Returns None for an unknown reference."""
    order = Order.objects.select_for_update().filter(payment_reference=reference).first()
    if order is None or state not in PaymentState.values:
        return None
    order.payment_state = state
    if state == PaymentState.PAID and order.state == OrderState.AWAITING_PAYMENT:
        order.state = OrderState.APPROVED
        _enqueue_release(order)
    order.save(update_fields=["payment_state", "state"])
    do_record_event(
        EventType.PORTAL_PAYMENT_UPDATED,
        actor=actor,
        client_id=order.shop.client_id,
        obj=order,
        details={"payment_state": state},
    )
    return order


def do_anonymise_orders(order_ids: list[int], *, actor: Actor) -> int:
    """P06: after the shop's history period, erase the orderer data of these orders (sealed delivery and
    fields, the link to the person) and shred their print files; products and amounts stay."""
    from verwerker.vault.actions import do_shred_blobs  # local: same layer or upward, a cycle at the top

    with transaction.atomic():
        orders = list(Order.objects.select_for_update().filter(pk__in=order_ids, anonymised_at__isnull=True))
        blobs = list(
            OrderLine.objects.filter(order__in=orders, pdf_blob__isnull=False).values_list("pdf_blob_id", flat=True)
        )
        OrderLine.objects.filter(order__in=orders).update(sealed_key=None, sealed_data=None)
        now = timezone.now()
        for order in orders:
            order.sealed_key = order.sealed_data = None
            order.placed_by = None
            order.reference = ""
            order.anonymised_at = now
            order.save(update_fields=["sealed_key", "sealed_data", "placed_by", "reference", "anonymised_at"])
        if orders:
            do_record_event(
                EventType.PORTAL_ORDERS_ANONYMISED,
                actor=actor,
                details={"orders": [o.pk for o in orders], "print_files": len(blobs)},
            )
    if blobs:
        do_shred_blobs(blobs, actor=actor, reason=DeletionReason.RETENTION_EXPIRED)
    return len(orders)


def history_cutoff(shop: Shop, now: dt.datetime, house_max_days: int | None) -> dt.datetime:
    days = shop.history_days if house_max_days is None else min(shop.history_days, house_max_days)
    return now - dt.timedelta(days=days)


def do_rewrap_sealed_keys(old_key: bytes, new_key: bytes, *, actor: Actor) -> dict:
    """During a master-key rotation (``verwerker vault rotate-key``): re-wrap the data key of every sealed
    orderer value (address book, orders, order lines) under the new master key, a row per transaction, so
    a rerun after an interruption finds the rows done (they open with the new key) and skips them.
    Returns {"rewrapped", "other"} ("other": rows neither key opens) and records one event."""
    from verwerker.vault import crypto  # local: same layer or upward, a cycle at the top

    done = other = 0
    for model, row_key in ((AddressEntry, lambda r: r.key), (Order, lambda r: r.key),
                           (OrderLine, lambda r: r.order.key)):
        rows = model.objects.filter(sealed_key__isnull=False)
        if model is OrderLine:
            rows = rows.select_related("order")  # type: ignore[misc]
        for pk in rows.values_list("pk", flat=True):
            with transaction.atomic():
                row = rows.select_for_update(of=("self",)).get(pk=pk)
                try:
                    wrapped = SEALING.rewrap(old_key, new_key, row_key(row), row.sealed_key)  # type: ignore[arg-type]
                except crypto.WrongKeyError:
                    other += 1
                    continue
                if wrapped is not None:
                    row.sealed_key = wrapped
                    row.save(update_fields=["sealed_key"])
                    done += 1
    result = {"rewrapped": done, "other": other}
    if done:
        do_record_event(EventType.PORTAL_SEALED_KEYS_REWRAPPED, actor=actor,
                        details={"old_key_id": crypto.key_id(old_key), "new_key_id": crypto.key_id(new_key), **result})
    return result
