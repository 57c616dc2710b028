"""Reads of the clients app, and the one place that answers "may this client send us files?" (P09)."""

from __future__ import annotations

import datetime as dt

from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone

from verwerker.clients.models import Agreement, AgreementStatus, Client


def agreements_in_force(on: dt.date | None = None) -> QuerySet[Agreement]:
    on = on or timezone.localdate()
    return Agreement.objects.filter(status=AgreementStatus.ACTIVE, starts_on__lte=on).filter(
        Q(ends_on__isnull=True) | Q(ends_on__gte=on)
    )


def get_active_agreement(client: Client | int, on: dt.date | None = None) -> Agreement | None:
    """The client's agreement in force on ``on`` (today by default), or None.

    This is the one query that decides whether a file may be accepted or processed for a client (P09);
    intake, profiling and production all ask it. With several in force, the most recently started wins.
    """
    client_id = client.pk if isinstance(client, Client) else client
    return agreements_in_force(on).filter(client_id=client_id).order_by("-starts_on", "-pk").first()


def list_agreements_for_client(client: Client) -> QuerySet[Agreement]:
    return Agreement.objects.filter(client=client).order_by("-starts_on")


def list_clients() -> QuerySet[Client]:
    return Client.objects.order_by("name")


def access_client_for(user, client_id: int) -> Client:
    """The client with ``client_id`` if ``user`` may see it; the same 404 for missing and not-yours."""
    clients = Client.objects.all()
    if user.is_client_user:
        clients = clients.filter(pk=user.client_id)
    elif not user.has_perm("clients.view_client"):
        raise Http404("no such client")
    try:
        return clients.get(pk=client_id)
    except Client.DoesNotExist:
        raise Http404("no such client") from None


def access_agreement_for(user, agreement_id: int) -> Agreement:
    """An agreement ``user`` may see: a client user only their own client's; staff with view rights."""
    agreements = Agreement.objects.select_related("client")
    if user.is_client_user:
        agreements = agreements.filter(client_id=user.client_id)
    elif not user.has_perm("clients.view_agreement"):
        raise Http404("no such agreement")
    try:
        return agreements.get(pk=agreement_id)
    except Agreement.DoesNotExist:
        raise Http404("no such agreement") from None
