"""Reads of the API app."""

from __future__ import annotations

from django.db.models import QuerySet

from verwerker.api.models import ApiToken, WebhookDelivery, WebhookSubscription


def list_tokens(*, client_id: int | None = None) -> QuerySet[ApiToken]:
    tokens = ApiToken.objects.select_related("client", "user")
    return tokens.filter(client_id=client_id) if client_id is not None else tokens


def find_token(ref: str) -> ApiToken | None:
    """A token by its id or its prefix (``vw_abcd1234`` or ``abcd1234``)."""
    ref = ref.removeprefix("vw_").split("_")[0]
    if ref.isdigit() and len(ref) < 8:
        return ApiToken.objects.filter(pk=int(ref)).first()
    return ApiToken.objects.filter(prefix=ref).first()


def list_subscriptions(*, client_id: int | None = None) -> QuerySet[WebhookSubscription]:
    subs = WebhookSubscription.objects.select_related("client").filter(removed_at__isnull=True)
    return subs.filter(client_id=client_id) if client_id is not None else subs


def recent_deliveries(limit: int = 100) -> QuerySet[WebhookDelivery]:
    return WebhookDelivery.objects.select_related("subscription", "subscription__client").order_by("-created_at")[
        :limit
    ]
