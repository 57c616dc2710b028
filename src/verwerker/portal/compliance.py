"""The compliance dashboard's checks of the client portals (P05, P06), from live data.

privacy/compliance.py points at these functions; each returns (state, evidence) with the dashboard's
state names ("ok", "attention", "failing"), so this module needs nothing from privacy.
"""

from __future__ import annotations

from django.db.models import F
from django.utils.translation import gettext

from verwerker.audit.events import EventType
from verwerker.audit.models import AuditEvent
from verwerker.portal.models import Member, Order, PaymentState, Shop
from verwerker.portal.purge import expired_orders


def check_p05() -> tuple[str, str]:
    """Every portal user is a client user of that portal's client, created on the client's request, with
    a permission set of their own; no staff member is a portal user."""
    members = Member.objects.select_related("user")
    foreign = members.exclude(user__client_id=F("shop__client_id")).count()
    staff = members.filter(user__is_staff=True).count()
    unrequested = members.filter(agreed_reference="").count()
    shops = Shop.objects.count()
    state = "failing" if foreign or staff else ("attention" if unrequested else "ok")
    return state, gettext(
        "%(shops)s client portals, %(members)s portal users with their own permission sets; %(foreign)s bound to "
        "another client than the portal's, %(staff)s staff, %(unrequested)s without the client's request on record."
    ) % {"shops": shops, "members": members.count(), "foreign": foreign, "staff": staff, "unrequested": unrequested}


def check_p06() -> tuple[str, str]:
    """Orderer data is kept only for the order history (overdue anonymisations), statistics run only where
    the client switched them on (with its audited switch), and no order holds more than a provider
    reference and a state for its payment."""
    overdue, held = expired_orders()
    on = list(Shop.objects.filter(analytics_enabled=True))
    switched = set(
        AuditEvent.objects.filter(action=EventType.PORTAL_ANALYTICS_SWITCHED, object_type="portal.shop").values_list(
            "object_id", flat=True
        )
    )
    unaudited = [s.title for s in on if str(s.pk) not in switched]
    unreferenced = Order.objects.filter(
        payment_state__in=[PaymentState.PAID, PaymentState.PENDING], payment_reference=""
    ).count()
    sealed_missing = Order.objects.filter(anonymised_at__isnull=True, sealed_data__isnull=True).count()
    state = "failing" if unaudited or unreferenced or sealed_missing else ("attention" if overdue else "ok")
    statistics = ", ".join(s.title for s in on) or gettext("none")
    if unaudited:
        text = gettext("Order statistics switched on by the client: %(shops)s (without an audited switch: "
                       "%(unaudited)s).") % {"shops": statistics, "unaudited": ", ".join(unaudited)}
    else:
        text = gettext("Order statistics switched on by the client: %(shops)s.") % {"shops": statistics}
    return state, text + " " + gettext(
        "%(orders)s orders, %(anonymised)s anonymised; %(overdue)s past their portal's history period awaiting the "
        "purge, %(held)s held. Orderer data only sealed (%(sealed_missing)s live orders without it); payments: "
        "provider reference and state only (%(unreferenced)s without a reference)."
    ) % {"orders": Order.objects.count(), "anonymised": Order.objects.filter(anonymised_at__isnull=False).count(),
         "overdue": len(overdue), "held": held, "sealed_missing": sealed_missing, "unreferenced": unreferenced}
