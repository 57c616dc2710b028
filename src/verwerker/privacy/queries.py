"""Reads of the privacy office."""

from __future__ import annotations

from django.db.models import Min, QuerySet
from django.db.models.functions import Coalesce
from django.utils import timezone

from verwerker.accounts.roles import is_privacy_officer  # noqa: F401  (used here and by the views)
from verwerker.accounts.scoping import access
from verwerker.privacy import clock
from verwerker.privacy.models import OPEN_BREACH_STATES, Breach, BreachClient, DataSubjectRequest, RequestStatus


def access_breach_for(user, breach_id: int) -> Breach:
    """A breach for the privacy officer; the same 404 for everyone else and for a missing one."""
    return access(Breach.objects.all(), user, is_privacy_officer, breach_id, client_field=None, what="breach")


def list_breaches() -> QuerySet[Breach]:
    return Breach.objects.annotate(next_deadline=Min("affected__deadline")).order_by("-discovered_at")


def open_notice_deadlines() -> list[dict]:
    """Every client still to be told about an open breach, nearest deadline first, with the time left."""
    now = timezone.now()
    rows = (
        BreachClient.objects.filter(notified_at__isnull=True, breach__status__in=OPEN_BREACH_STATES)
        .select_related("breach", "client")
        .order_by("deadline")
    )
    return [
        {
            "affected": a,
            "left": clock.format_left(clock.time_left(a.deadline, now)),
            "overdue": a.deadline < now,
        }
        for a in rows
    ]


def open_subject_requests() -> QuerySet:
    """Open data-subject requests, nearest deadline (an extension counts) first."""


    return (DataSubjectRequest.objects.filter(status=RequestStatus.OPEN).select_related("client")
            .annotate(due_on=Coalesce("extended_to", "deadline")).order_by("due_on", "pk"))


def breach_notices_for_client(client_id: int) -> QuerySet[BreachClient]:
    """The breach notices sent to one client, newest first: what the client's users see on their page."""
    return (BreachClient.objects.filter(client_id=client_id, notified_at__isnull=False).select_related("breach")
            .order_by("-notified_at"))


def count_open_notices() -> int:
    """How many clients still wait for a breach notice (the header's count; one query)."""
    return BreachClient.objects.filter(notified_at__isnull=True, breach__status__in=OPEN_BREACH_STATES).count()
