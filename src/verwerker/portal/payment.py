"""Payment behind one interface (P06: payment data only to settle the payment, never stored).

A ``PaymentProvider`` creates a checkout for an order and verifies the provider's webhook. The orderer
pays on the provider's hosted page: card or bank details go to the provider, never to this system,
and the order keeps only the provider's reference and the state. Shipped: ``invoice`` (on account, no
checkout at all) and ``test``, which speaks to the loopback hosted checkout in testpay.py to show the
flow end to end. A real provider is one more class here with the same two methods.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import urllib.request
from dataclasses import dataclass
from typing import Protocol
from urllib.parse import urlsplit

from django.conf import settings

from verwerker.portal.models import Order, PaymentState


class WebhookInvalid(ValueError):
    """The webhook is not signed by the provider, or not understood."""


@dataclass(frozen=True)
class Checkout:
    reference: str
    state: str
    redirect_url: str = ""  # the provider's hosted page; empty when nothing is to be paid now


@dataclass(frozen=True)
class WebhookEvent:
    reference: str
    state: str


class PaymentProvider(Protocol):
    name: str

    def create_checkout(self, order: Order) -> Checkout: ...

    def verify_webhook(self, body: bytes, headers: dict[str, str]) -> WebhookEvent: ...

    def pay_url(self, reference: str) -> str: ...


class InvoiceProvider:
    """On account: the house invoices the client; nothing is paid in the portal."""

    name = "invoice"

    def create_checkout(self, order: Order) -> Checkout:
        return Checkout(reference=f"OPREKENING-{order.number}", state=PaymentState.ON_ACCOUNT)

    def verify_webhook(self, body: bytes, headers: dict[str, str]) -> WebhookEvent:
        raise WebhookInvalid("the invoice provider sends no webhooks")

    def pay_url(self, reference: str) -> str:
        return ""


def _loopback(url: str) -> str:
    host = urlsplit(url).hostname or ""
    if host not in ("127.0.0.1", "localhost", "::1"):
        raise ValueError(f"the test payment provider runs on loopback only, not on {host!r}")
    return url.rstrip("/")


def sign(secret: str, body: bytes) -> str:
    return hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


class LoopbackTestProvider:
    """The test provider: a hosted checkout on loopback (testpay.py) with HMAC-signed webhooks."""

    name = "test"

    def __init__(self, base_url: str | None = None, secret: str | None = None):
        self.base_url = _loopback(base_url or settings.PORTAL_TEST_PAYMENT_URL)
        self.secret = secret or settings.PORTAL_TEST_PAYMENT_SECRET

    def create_checkout(self, order: Order) -> Checkout:
        # Only the amount, the order number and where to report back: nothing about the orderer.
        public = settings.PORTAL_PUBLIC_URL.rstrip("/")
        body = json.dumps(
            {
                "amount_cents": order.total_cents,
                "description": order.number,
                "webhook_url": f"{public}/portaalbeheer/betaling/test/webhook/",
                "return_url": f"{public}/portal/{order.shop.slug}/bestellingen/{order.number}/",
            }
        ).encode()
        request = urllib.request.Request(
            f"{self.base_url}/checkouts", data=body, method="POST", headers={"Content-Type": "application/json"}
        )
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 - loopback only (checked)
            answer = json.loads(response.read())
        return Checkout(
            reference=str(answer["id"])[:80], state=PaymentState.PENDING, redirect_url=self.pay_url(str(answer["id"]))
        )

    def pay_url(self, reference: str) -> str:
        return f"{self.base_url}/pay/{reference}"

    def verify_webhook(self, body: bytes, headers: dict[str, str]) -> WebhookEvent:
        given = headers.get("X-Signature", "")
        if not given or not hmac.compare_digest(given, sign(self.secret, body)):
            raise WebhookInvalid("bad signature")
        try:
            data = json.loads(body)
            state = {"paid": PaymentState.PAID, "failed": PaymentState.FAILED}[data["status"]]
            return WebhookEvent(reference=str(data["id"]), state=state)
        except (ValueError, KeyError, TypeError):
            raise WebhookInvalid("not understood") from None


PROVIDERS = {"invoice": InvoiceProvider, "test": LoopbackTestProvider}


def provider_for(name: str) -> PaymentProvider:
    """The provider called ``name``. Raises KeyError for an unknown one."""
    return PROVIDERS[name]()
