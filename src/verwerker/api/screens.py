"""The API's screens: the relation manager issues and revokes a client's token (on the client's page),
and staff see the tokens and the webhook deliveries with their last responses."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from verwerker.api.actions import do_create_api_token, do_revoke_api_token
from verwerker.api.models import ApiToken
from verwerker.api.queries import list_subscriptions, list_tokens, recent_deliveries
from verwerker.audit.actors import Actor


def _require(request, perm: str) -> None:
    if not request.user.is_staff or not request.user.has_perm(perm):
        raise PermissionDenied


@login_required
def overview(request):
    """Every token (never the token itself) and the webhook endpoints with their recent deliveries."""
    _require(request, "api.view_apitoken")
    return render(
        request,
        "api/overview.html",
        {
            "tokens": list_tokens()[:500],
            "subscriptions": list_subscriptions()[:200],
            "deliveries": recent_deliveries(),
        },
    )


@login_required
@require_POST
def issue(request, client_id: int):
    """Issue a client token at the client's request: shown once, in this answer."""
    from verwerker.clients.models import Contact  # local: same layer or upward, a cycle at the top
    from verwerker.clients.queries import access_client_for  # local: same layer or upward, a cycle at the top

    _require(request, "api.add_apitoken")
    client = access_client_for(request.user, client_id)
    contact_id = request.POST.get("contact", "")
    contact = Contact.objects.filter(pk=int(contact_id), client=client).first() if contact_id.isdigit() else None
    days = request.POST.get("days", "90")
    try:
        token, secret = do_create_api_token(
            client=client,
            contact=contact,
            expires_days=int(days) if days.isdigit() else 0,
            networks=request.POST.get("networks", ""),
            label=request.POST.get("label", ""),
            actor=Actor.from_request(request),
        )
    except ValidationError as exc:
        messages.error(request, "; ".join(exc.messages))
        return redirect(f"/klanten/{client.pk}/#api")
    response = render(request, "api/token_once.html", {"client": client, "token": token, "secret": secret})
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_POST
def revoke(request, token_id: int):
    _require(request, "api.change_apitoken")
    token = get_object_or_404(ApiToken, pk=token_id)
    if token.client_id is None:
        raise PermissionDenied  # staff tokens are revoked with `verwerker api-token revoke`
    if do_revoke_api_token(token, actor=Actor.from_request(request)):
        messages.success(request, _("The token was revoked."))
    return redirect(f"/klanten/{token.client_id}/#api")
