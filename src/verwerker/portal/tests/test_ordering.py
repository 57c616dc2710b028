"""Ordering, approval and production of portal orders (issue 20: ordering, approval, production)."""

from __future__ import annotations

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from verwerker.audit.actors import Actor
from verwerker.audit.events import EventType
from verwerker.audit.models import AuditEvent
from verwerker.lib.testing import pdf_text
from verwerker.portal import actions, pod
from verwerker.portal.models import Order, OrderState, Product
from verwerker.portal.queries import open_line_values
from verwerker.portal.tasks import release_order
from verwerker.portal.tests.conftest import CARD_VALUES, card_line, place
from verwerker.vault.actions import read_blob_bytes
from verwerker.vault.models import ReadPurpose

pytestmark = pytest.mark.django_db

DISPLAY = (
    "output intent profile is a display profile; PDF/X-4 wants the output device profile of the printing condition"
)


def test_an_order_over_budget_waits_for_approval_and_cannot_be_produced_before_it(portal):
    order = place(portal, [card_line(portal)])
    assert order.state == OrderState.AWAITING_APPROVAL and order.approval_reason == "budget"
    assert order.total_cents == 6000 > portal.orderer.budget_cents
    with pytest.raises(actions.NotReleasable):
        actions.do_release_order(order, actor=Actor.system("test"))
    with pytest.raises(actions.NotReleasable):
        release_order.call(order.pk)
    order.refresh_from_db()
    assert order.state == OrderState.AWAITING_APPROVAL and order.released_at is None
    assert not order.lines.filter(pdf_blob__isnull=False).exists()
    # Not even a direct write can put it in production without a release.
    with pytest.raises(IntegrityError), transaction.atomic():
        Order.objects.filter(pk=order.pk).update(state=OrderState.IN_PRODUCTION)
    # The approver was told by e-mail; the approval queue shows it to them only.
    assert [m.to for m in mail.outbox] == [[portal.manager.user.email]]


def test_an_order_within_budget_goes_straight_to_production(portal):
    order = place(portal, [card_line(portal, quantity=100)])
    assert order.state == OrderState.APPROVED
    release_order.call(order.pk)
    order.refresh_from_db()
    assert order.state == OrderState.IN_PRODUCTION


def test_a_product_marked_for_approval_waits_whatever_the_amount(portal):
    Product.objects.filter(pk=portal.stock.pk).update(needs_approval=True)
    order = place(portal, [actions.CartLine(portal.stock.pk, 1)])
    assert order.state == OrderState.AWAITING_APPROVAL and order.approval_reason == "product"


def test_an_approval_by_someone_without_the_right_is_refused_and_audited(portal):
    order = place(portal, [card_line(portal)])
    actor = Actor.system("test")
    # no approve permission; the orderer themselves; another client's user who may approve everything
    for who in (portal.bare, portal.colleague, portal.orderer, portal.orderer_b, None):
        with pytest.raises(actions.ApprovalRefused):
            actions.do_decide_order(order, who, approve=True, actor=actor)
    order.refresh_from_db()
    assert order.state == OrderState.AWAITING_APPROVAL and not order.approvals.exists()
    assert AuditEvent.objects.filter(action=EventType.PORTAL_APPROVAL_REFUSED, object_id=str(order.pk)).count() == 5
    actions.do_decide_order(order, portal.manager, approve=True, actor=actor)
    order.refresh_from_db()
    assert order.state == OrderState.APPROVED


def test_two_levels_need_two_different_people(portal, system_actor):
    from verwerker.portal.tests.conftest import member

    second = member(portal.shop, "directeur-a", system_actor, perms={"may_approve": True})
    actions.do_change_member(
        portal.orderer,
        perms={"may_order": True},
        budget_cents=5000,
        approver=portal.manager,
        second_approver=second,
        actor=system_actor,
    )
    order = place(portal, [card_line(portal)])
    assert order.approvals_needed == 2
    with pytest.raises(actions.ApprovalRefused):  # level 1 is the manager's
        actions.do_decide_order(order, second, approve=True, actor=system_actor)
    actions.do_decide_order(order, portal.manager, approve=True, actor=system_actor)
    order.refresh_from_db()
    assert order.state == OrderState.AWAITING_APPROVAL
    with pytest.raises(actions.ApprovalRefused):  # the same person cannot give level 2
        actions.do_decide_order(order, portal.manager, approve=True, actor=system_actor)
    actions.do_decide_order(order, second, approve=True, actor=system_actor)
    order.refresh_from_db()
    assert order.state == OrderState.APPROVED


def test_the_print_file_is_pdfx4_checked_and_matches_the_proof(portal):
    values, errors = pod.clean_values(portal.card.fields, CARD_VALUES)
    assert errors == {}
    proof = pod.render_pdf(portal.card.template_source, values)
    order = place(portal, [card_line(portal)])
    actions.do_decide_order(order, portal.manager, approve=True, actor=Actor.system("test"))
    release_order.call(order.pk)
    order.refresh_from_db()
    assert order.state == OrderState.IN_PRODUCTION
    line = order.lines.get(product=portal.card)
    printed = read_blob_bytes(line.pdf_blob_id, actor=Actor.system("test"), purpose=ReadPurpose.PRODUCTION)
    assert pdf_text(printed) == pdf_text(proof)
    assert "Mirjam Oosterhuis" in pdf_text(printed) and "+31 6 12345678" in pdf_text(printed)
    # Checked as the letters' parts are: with the default sRGB intent only the display profile is reported.
    assert line.preflight == [DISPLAY]
    # Idempotent: releasing again renders nothing new.
    blob = line.pdf_blob_id
    actions.do_release_order(order, actor=Actor.system("test"))
    line.refresh_from_db()
    assert line.pdf_blob_id == blob


def test_orderer_data_is_sealed_in_the_database_and_reads_are_audited(portal):
    order = place(portal, [card_line(portal)])
    line = order.lines.get(product=portal.card)
    for raw in (bytes(order.sealed_data), bytes(line.sealed_data)):
        assert b"Oosterhuis" not in raw and b"Dorpsstraat" not in raw
    assert open_line_values(line, actor=Actor.system("test"), purpose="history")["name"] == "Mirjam Oosterhuis"
    assert AuditEvent.objects.filter(action=EventType.PORTAL_ORDERER_DATA_READ, object_id=str(line.pk)).exists()
    events = AuditEvent.objects.filter(action__gte=960, action__lt=1000)
    assert "Oosterhuis" not in str(list(events.values_list("details", flat=True)))


def test_fields_are_validated(portal):
    bad = {"name": "", "function": "x" * 41, "phone": "12", "email": "geen-adres"}
    _values, errors = pod.clean_values(portal.card.fields, bad)
    assert set(errors) == {"name", "function", "phone", "email"}
    with pytest.raises(ValidationError):
        place(portal, [card_line(portal, values=bad)])


def test_stock_is_reserved_on_order_and_the_house_is_told_below_the_reorder_point(portal, settings):
    settings.PORTAL_HOUSE_EMAILS = ["magazijn@huis.example"]
    order = place(portal, [actions.CartLine(portal.stock.pk, 85)], member=portal.colleague)
    portal.stock.refresh_from_db()
    assert portal.stock.reserved == 85 and portal.stock.available == 15 and portal.stock.below_reorder_since
    assert portal.stock.notices.count() == 1
    assert any(m.to == ["magazijn@huis.example"] for m in mail.outbox)
    with pytest.raises(ValidationError):  # 15 available
        place(portal, [actions.CartLine(portal.stock.pk, 16)], member=portal.colleague)
    release_order.call(order.pk)
    actions.do_ship_order(order, track_and_trace="3SABCD1234567", actor=Actor.system("test"))
    portal.stock.refresh_from_db()
    assert portal.stock.stock_level == 15 and portal.stock.reserved == 0
    order.refresh_from_db()
    assert order.state == OrderState.SHIPPED and order.lines.get().picked


def test_a_rejected_order_frees_its_reservation(portal):
    Product.objects.filter(pk=portal.stock.pk).update(needs_approval=True)
    order = place(portal, [actions.CartLine(portal.stock.pk, 30)])
    actions.do_decide_order(order, portal.manager, approve=False, actor=Actor.system("test"))
    portal.stock.refresh_from_db()
    assert portal.stock.reserved == 0
    with pytest.raises(actions.NotReleasable):
        actions.do_release_order(order, actor=Actor.system("test"))
