"""Payment through a provider's hosted checkout (issue 20, point 5; P06): the test provider's checkout
runs on loopback, the portal sends the orderer there, the provider's signed webhook settles the order.
No model column holds card or bank data."""

from __future__ import annotations

import json
import re
import urllib.parse
import urllib.request

import pytest
from django.apps import apps
from django.test import Client

from verwerker.portal import actions
from verwerker.portal.models import Order, OrderState, PaymentState, Shop
from verwerker.portal.payment import sign
from verwerker.portal.testpay import serve_in_thread
from verwerker.portal.tests.conftest import ADDRESS, card_line

SECRET = "test-secret-for-this-run"


@pytest.fixture
def provider(settings, live_server):
    server = serve_in_thread(SECRET)
    settings.PORTAL_TEST_PAYMENT_URL = server.url
    settings.PORTAL_TEST_PAYMENT_SECRET = SECRET
    settings.PORTAL_PUBLIC_URL = live_server.url
    yield server
    server.shutdown()
    server.server_close()


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def web_url(provider) -> str:
    from django.conf import settings

    return settings.PORTAL_PUBLIC_URL


@pytest.mark.django_db(transaction=True)
def test_the_hosted_checkout_flow_with_the_test_provider(portal, provider):
    Shop.objects.filter(pk=portal.shop.pk).update(payment_provider="test")
    web = Client()
    web.force_login(portal.orderer.user)
    session = web.session
    session.save()
    # A small order (within budget): it waits only for the payment.
    web.post(f"/portal/aland/producten/{portal.card.pk}/", {**dict(card_line(portal).values), "quantity": "100"})
    response = web.post("/portal/aland/afrekenen/", {**ADDRESS, "cost_centre": "KP-1"})
    order = Order.objects.get()
    assert order.state == OrderState.AWAITING_PAYMENT and order.payment_state == PaymentState.PENDING
    assert response.status_code == 302 and response["Location"] == f"{provider.url}/pay/{order.payment_reference}"
    # The provider saw the amount and the order number, nothing of the orderer.
    seen = provider.checkouts[order.payment_reference]
    assert seen["amount_cents"] == order.total_cents == 1200 and "Oosterhuis" not in json.dumps(seen)
    page = urllib.request.urlopen(response["Location"]).read().decode()
    assert "12,00" in page and not re.search(r"<input", page)  # the hosted page asks for nothing here either
    # Paying on the provider's page: it posts its signed webhook and sends the browser back.
    data = urllib.parse.urlencode({"choice": "pay"}).encode()
    opener = urllib.request.build_opener(_NoRedirect())
    with pytest.raises(urllib.error.HTTPError) as back:
        opener.open(urllib.request.Request(response["Location"], data=data))
    assert back.value.code == 303
    assert back.value.headers["Location"] == f"{web_url(provider)}/portal/aland/bestellingen/{order.number}/"
    order.refresh_from_db()
    assert order.payment_state == PaymentState.PAID and order.state == OrderState.APPROVED


@pytest.mark.django_db(transaction=True)
def test_a_webhook_without_the_providers_signature_changes_nothing(portal, provider, live_server):
    actions.do_change_shop(portal.shop, payment_provider="test", actor=portal.actor)
    from verwerker.portal.tests.conftest import place

    order = place(portal, [card_line(portal, quantity=100)])
    assert order.state == OrderState.AWAITING_PAYMENT
    body = json.dumps({"id": order.payment_reference, "status": "paid"}).encode()
    url = f"{live_server.url}/portaalbeheer/betaling/test/webhook/"
    for signature in ("", sign("another secret", body)):
        request = urllib.request.Request(url, data=body, method="POST", headers={"X-Signature": signature})
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(request)
        assert refused.value.code == 400
    order.refresh_from_db()
    assert order.payment_state == PaymentState.PENDING and order.state == OrderState.AWAITING_PAYMENT
    with pytest.raises(actions.NotReleasable):
        actions.do_release_order(order, actor=portal.actor)


@pytest.mark.django_db
def test_invoice_orders_keep_only_a_reference_and_a_state(portal):
    from verwerker.portal.tests.conftest import place

    order = place(portal, [card_line(portal, quantity=100)])
    assert order.payment_state == PaymentState.ON_ACCOUNT and order.payment_reference == f"OPREKENING-{order.number}"


CARD_OR_BANK = re.compile(r"card|\bpan\b|cvc|cvv|expiry|iban|\bbic\b|bank|account_?number|sepa|mandate", re.I)
# The one column of the kind in the whole project: the house's own relations' bank account (crm, P19),
# kept for invoicing suppliers and clients under the fiscal retention duty; no payment passes through it.
HOUSE_BOOKKEEPING = {"crm.Organisation.iban"}


def test_no_model_column_holds_card_or_bank_data():
    found = set()
    for model in apps.get_models():
        for field in model._meta.concrete_fields:
            text = f"{field.name} {field.column} {field.verbose_name}"
            if CARD_OR_BANK.search(text):
                found.add(f"{model._meta.label}.{field.name}")
    assert found == HOUSE_BOOKKEEPING
    portal_fields = {f.name for m in apps.get_app_config("portal").get_models() for f in m._meta.concrete_fields}
    assert {"payment_provider", "payment_reference", "payment_state"} <= portal_fields
