"""Reads of the clients app, and the one place that answers "may this client send us files?" (P09)."""

from __future__ import annotations

import datetime as dt

from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from verwerker.accounts.scoping import access
from verwerker.clients.models import Agreement, AgreementStatus, Client, Contact


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


def list_agreements_for_client(client: Client) -> list[Agreement]:
    """Every version of the client's agreements, newest start first, each with where it stands now."""
    agreements = list(Agreement.objects.filter(client=client).order_by("-starts_on", "-version", "-pk"))
    for agreement in agreements:
        agreement.standing = agreement_standing(agreement)  # type: ignore[attr-defined]
        agreement.standing_label = STANDING_LABELS[agreement.standing]  # type: ignore[attr-defined]
    return agreements


def list_clients() -> QuerySet[Client]:
    return Client.objects.order_by("name")


def find_client(ref: str) -> Client | None:
    """The client a command names by its id or its exact name (case aside); None when there is none."""
    client = Client.objects.filter(pk=int(ref)).first() if ref.isdigit() else None
    return client or Client.objects.filter(name__iexact=ref).first()


def access_client_for(user, client_id: int) -> Client:
    """The client with ``client_id`` if ``user`` may see it; the same 404 for missing and not-yours."""
    return access(Client.objects.all(), user, "clients.view_client", client_id, client_field="pk", what="client")


def access_agreement_for(user, agreement_id: int) -> Agreement:
    """An agreement ``user`` may see: a client user only their own client's; staff with view rights."""
    return access(Agreement.objects.select_related("client"), user, "clients.view_agreement", agreement_id,
                  what="agreement")


def access_contact_for(user, contact_id: int) -> Contact:
    """A contact of a client, for staff with view rights; the same 404 for missing and not allowed."""
    return access(Contact.objects.select_related("client"), user, "clients.view_contact", contact_id,
                  client_field=None, what="contact")


STANDING_LABELS = {
    "draft": _("draft"),
    "awaiting_approval": _("awaiting the privacy officer's approval"),
    "in_force": _("in force"),
    "scheduled": _("active from its start date"),
    "superseded": _("superseded"),
    "ended": _("ended"),
}


def agreement_standing(agreement: Agreement, on: dt.date | None = None) -> str:
    """Where a version stands: draft, awaiting approval, in force, scheduled, superseded or ended."""
    on = on or timezone.localdate()
    if agreement.status == AgreementStatus.DRAFT:
        return "awaiting_approval" if agreement.needs_approval else "draft"
    if agreement.is_in_force(on):
        return "in_force"
    if agreement.status == AgreementStatus.ACTIVE and agreement.starts_on > on:
        return "scheduled"
    if agreement.amendments.filter(status__in=[AgreementStatus.ACTIVE, AgreementStatus.ENDED]).exists():
        return "superseded"
    return "ended"


def agreements_ending(*, within_days: int = 60) -> QuerySet[Agreement]:
    """Agreements in force that end within ``within_days`` and have no newer version yet, soonest first."""
    today = timezone.localdate()
    until = today + dt.timedelta(days=within_days)
    return (agreements_in_force(today).filter(ends_on__isnull=False, ends_on__lte=until)
            .filter(amendments__isnull=True).select_related("client").order_by("ends_on"))
