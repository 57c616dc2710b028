"""P06: orderer data of portal orders is kept for the order history the client chose (its portal's
``history_days``, at most the house's schedule for record class ``portal_orders``), then anonymised:
the sealed delivery and fields are erased and the print files shredded; products and amounts stay.
Orders still in the house's hands (not delivered, not rejected) are never anonymised."""

from __future__ import annotations

from django.utils import timezone

from verwerker.portal.models import Order, OrderState, Shop
from verwerker.retention.purge import Purger
from verwerker.retention.queries import get_keep_days, held_ids
from verwerker.retention.rules import RecordClass

FINISHED = (OrderState.DELIVERED, OrderState.REJECTED, OrderState.CANCELLED)


def expired_orders(now=None) -> tuple[list[int], int]:
    """(ids of finished orders past their shop's history period and not held, number held back)."""
    from verwerker.portal.actions import history_cutoff  # local: same layer or upward, a cycle at the top

    now = now or timezone.now()
    house_max = get_keep_days(RecordClass.PORTAL_ORDERS)
    held = set(held_ids("portal.order"))
    held_clients = {int(i) for i in held_ids("clients.client") if i.isdigit()}
    ids, held_back = [], 0
    for shop in Shop.objects.all():
        cutoff = history_cutoff(shop, now, house_max)
        for pk in (
            Order.objects.filter(shop=shop, anonymised_at__isnull=True, state__in=FINISHED, placed_at__lt=cutoff)
            .order_by("placed_at")
            .values_list("pk", flat=True)
        ):
            if str(pk) in held or shop.client_id in held_clients:
                held_back += 1
            else:
                ids.append(pk)
    return ids, held_back


class PortalOrderPurger(Purger):
    record_class = RecordClass.PORTAL_ORDERS

    def expired(self, now):
        return expired_orders(now)

    def purge_chunk(self, ids, *, actor):
        from verwerker.portal.actions import do_anonymise_orders  # local: same layer or upward, a cycle at the top

        return do_anonymise_orders(ids, actor=actor)
