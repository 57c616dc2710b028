"""Client web-to-print portals (P05, P06): a closed shop per client, its members and their permission
sets, three kinds of product, orders with approval, and the house's work that follows from them.

Personal data of orderers (the name, phone and e-mail on a business card, a delivery address) exists
here only sealed (``*_sealed`` with ``key`` as associated data, see sealed.py) and is opened only
through queries that name an actor and a purpose and audit the read. No column holds card or bank
data: a payment is a provider's reference and a state (payment.py).
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

hex_colour = RegexValidator(r"^#[0-9a-fA-F]{6}$", _("Enter a colour as #rrggbb."))
slug_validator = RegexValidator(
    r"^[a-z0-9](?:[a-z0-9-]{0,38}[a-z0-9])?$", _("Lower-case letters, digits and hyphens, at most 40.")
)


class Shop(models.Model):
    """One client's portal, at /portal/<slug>/, in the client's colours. Set up by a relation manager."""

    client = models.OneToOneField(
        "clients.Client", on_delete=models.PROTECT, related_name="shop", verbose_name=_("client")
    )
    slug = models.CharField(_("web address"), max_length=40, unique=True, validators=[slug_validator])
    title = models.CharField(_("shop name"), max_length=100)
    colour_primary = models.CharField(_("main colour"), max_length=7, default="#0b5cad", validators=[hex_colour])
    colour_accent = models.CharField(_("accent colour"), max_length=7, default="#1d2733", validators=[hex_colour])
    # The logo is the client's brand, not personal data: a small PNG kept in the row and served as is.
    logo_png = models.BinaryField(null=True, blank=True, editable=False)
    # P06: no analysis of ordering behaviour unless the client switches it on (audited, on the dashboard).
    analytics_enabled = models.BooleanField(_("order statistics for the client"), default=False)
    # P06: orderer data is kept for the order history this long, then anonymised (the client's schedule,
    # capped by retention's record class "portal_orders").
    history_days = models.PositiveIntegerField(_("order history kept (days)"), default=730)
    payment_provider = models.CharField(_("payment"), max_length=20, default="invoice")
    active = models.BooleanField(_("open"), default=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["title"]
        verbose_name = _("portal")
        verbose_name_plural = _("portals")
        permissions = [
            ("manage_shop", "Set up client portals and their products"),
            ("handle_portal_work", "See and handle the work that portal orders bring"),
        ]

    def __str__(self) -> str:
        return self.title


class Member(models.Model):
    """A client user's place in the shop, with the permission set the client agreed for that person (P05).

    ``budget_cents``: an order above it waits for approval (None: no limit). ``approver``: who approves
    this person's orders (None: anyone with ``may_approve`` in the shop); ``second_approver`` adds a level.
    """

    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="members")
    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="portal_member")
    may_order = models.BooleanField(_("may order"), default=True)
    may_approve = models.BooleanField(_("may approve orders"), default=False)
    sees_organisation = models.BooleanField(_("sees the whole organisation's orders"), default=False)
    manages_addresses = models.BooleanField(_("manages the address book"), default=False)
    manages_users = models.BooleanField(_("manages users"), default=False)
    budget_cents = models.PositiveIntegerField(_("budget per order (cents)"), null=True, blank=True)
    approver = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("approver")
    )
    second_approver = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("second approver")
    )
    agreed_reference = models.CharField(_("client's request (reference)"), max_length=100, blank=True)

    class Meta:
        ordering = ["shop", "user__username"]

    def __str__(self) -> str:
        return self.user.get_username()

    def permission_set(self) -> dict[str, bool]:
        return {name: getattr(self, name) for name in PERMISSION_FIELDS}


PERMISSION_FIELDS = ("may_order", "may_approve", "sees_organisation", "manages_addresses", "manages_users")


class ProductKind(models.TextChoices):
    PRINT_ON_DEMAND = "pod", _("print on demand")
    PRINT = "print", _("print product")
    STOCK = "stock", _("stock product")


class Product(models.Model):
    """One item in a shop's catalogue.

    Print on demand: ``template_source`` (Typst) reads the orderer's fields from ``sys.inputs.fields``;
    ``fields`` describes them (see pod.FieldSpec); everything else on the page (logo, colours, address of
    the client) is in the template and locked. Print products: a fixed file in the vault and a price
    table of quantity steps and options. Stock products: a level, a reorder point and reservations.
    """

    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="products")
    kind = models.CharField(_("kind"), max_length=10, choices=ProductKind.choices)
    code = models.CharField(_("article code"), max_length=40)
    name = models.CharField(_("name"), max_length=120)
    description = models.TextField(_("description"), blank=True)
    price_cents = models.PositiveIntegerField(_("price per piece (cents)"), default=0)
    needs_approval = models.BooleanField(_("always needs approval"), default=False)
    active = models.BooleanField(_("available"), default=True)
    template_source = models.TextField(_("Typst template"), blank=True)
    fields = models.JSONField(_("fields"), default=list, blank=True)
    file_blob = models.ForeignKey("vault.Blob", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    # [{"quantity": 250, "paper": "mc 135", "finishing": "", "price_cents": 4500}, ...]
    price_table = models.JSONField(_("price table"), default=list, blank=True)
    stock_level = models.IntegerField(_("in stock"), default=0)
    reserved = models.PositiveIntegerField(_("reserved"), default=0)
    reorder_point = models.PositiveIntegerField(_("reorder point"), default=0)
    below_reorder_since = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["shop", "kind", "name"]
        constraints = [models.UniqueConstraint(fields=["shop", "code"], name="portal_product_code_per_shop")]

    def __str__(self) -> str:
        return self.name

    @property
    def available(self) -> int:
        return self.stock_level - self.reserved


class AddressEntry(models.Model):
    """An entry in the client's address book (delivery addresses); the address itself is sealed."""

    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="addresses")
    key = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    label = models.CharField(_("label"), max_length=80)
    sealed_key = models.BinaryField(editable=False)
    sealed_data = models.BinaryField(editable=False)

    class Meta:
        ordering = ["shop", "label"]

    def __str__(self) -> str:
        return self.label


class OrderState(models.TextChoices):
    AWAITING_APPROVAL = "awaiting_approval", _("awaiting approval")
    AWAITING_PAYMENT = "awaiting_payment", _("awaiting payment")
    APPROVED = "approved", _("approved")
    REJECTED = "rejected", _("rejected")
    IN_PRODUCTION = "in_production", _("in production")
    SHIPPED = "shipped", _("shipped")
    DELIVERED = "delivered", _("delivered")
    CANCELLED = "cancelled", _("cancelled")


class PaymentState(models.TextChoices):
    ON_ACCOUNT = "on_account", _("on account (invoice)")
    PENDING = "pending", _("payment pending")
    PAID = "paid", _("paid")
    FAILED = "failed", _("payment failed")


class Order(models.Model):
    """An order placed in a shop. Delivery details are sealed; after the shop's history period they are
    erased and the order keeps only what the client's accounts need (products, amounts, dates)."""

    shop = models.ForeignKey(Shop, on_delete=models.PROTECT, related_name="orders")
    key = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    number = models.CharField(_("order number"), max_length=20, unique=True)
    placed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    placed_at = models.DateTimeField(default=timezone.now)
    state = models.CharField(_("state"), max_length=20, choices=OrderState.choices)
    cost_centre = models.CharField(_("cost centre"), max_length=40, blank=True)
    reference = models.CharField(_("your reference"), max_length=80, blank=True)
    total_cents = models.PositiveIntegerField(_("total (cents)"), default=0)
    approvals_needed = models.PositiveSmallIntegerField(default=0)
    approval_reason = models.CharField(max_length=20, blank=True)
    # Delivery: the address and recipient, sealed (None once anonymised).
    sealed_key = models.BinaryField(null=True, editable=False)
    sealed_data = models.BinaryField(null=True, editable=False)
    payment_provider = models.CharField(max_length=20, default="invoice")
    payment_reference = models.CharField(max_length=80, blank=True)
    payment_state = models.CharField(max_length=20, choices=PaymentState.choices, default=PaymentState.ON_ACCOUNT)
    track_and_trace = models.CharField(_("track and trace"), max_length=80, blank=True)
    released_at = models.DateTimeField(null=True, blank=True)
    shipped_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    anonymised_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-placed_at", "-pk"]
        indexes = [models.Index(fields=["shop", "state"], name="portal_order_shop_state")]
        constraints = [
            models.CheckConstraint(
                condition=~Q(state__in=["in_production", "shipped", "delivered"]) | Q(released_at__isnull=False),
                name="portal_order_produced_only_after_release",
            ),
        ]

    def __str__(self) -> str:
        return self.number


class OrderLine(models.Model):
    """One product in an order. For print on demand the orderer's fields are sealed with the order's key,
    and the rendered print PDF is kept in the vault (``pdf_blob``) once the order is released."""

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="lines")
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="+")
    quantity = models.PositiveIntegerField(_("quantity"))
    options = models.JSONField(default=dict, blank=True)  # print options: never personal data
    unit_cents = models.PositiveIntegerField(default=0)
    line_cents = models.PositiveIntegerField(default=0)
    sealed_key = models.BinaryField(null=True, editable=False)
    sealed_data = models.BinaryField(null=True, editable=False)
    pdf_blob = models.ForeignKey("vault.Blob", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    preflight = models.JSONField(default=list, blank=True)  # production.pdfx problems of the print PDF
    picked = models.BooleanField(default=False)

    class Meta:
        ordering = ["order", "pk"]


class ApprovalDecision(models.TextChoices):
    APPROVED = "approved", _("approved")
    REJECTED = "rejected", _("rejected")


class Approval(models.Model):
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="approvals")
    level = models.PositiveSmallIntegerField()
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    decision = models.CharField(max_length=10, choices=ApprovalDecision.choices)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["order", "level"]
        constraints = [models.UniqueConstraint(fields=["order", "level"], name="portal_one_decision_per_level")]


class StockNotice(models.Model):
    """The house is told that a client's stock product fell below its reorder point."""

    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="notices")
    level = models.IntegerField()
    at = models.DateTimeField(default=timezone.now)
    handled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-at"]
