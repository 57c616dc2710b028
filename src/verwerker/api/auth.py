"""Bearer tokens for DRF: authentication, the permissions of client and staff tokens, and the rate limit.

A token that is malformed or unknown gets 401 without a database write (no amplification); a known one
that is revoked, expired or used from outside its networks gets 401 and an audit event.
"""

from __future__ import annotations

from django.conf import settings
from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import exceptions, permissions, throttling
from rest_framework.authentication import BaseAuthentication, get_authorization_header

from verwerker.api import tokens as tokenlib
from verwerker.api.actions import do_record_token_refused, do_touch_token
from verwerker.api.models import ApiToken
from verwerker.api.principal import ApiPrincipal
from verwerker.audit.actors import client_ip


class TokenAuthentication(BaseAuthentication):
    keyword = "Bearer"

    def authenticate(self, request):
        header = get_authorization_header(request).split()
        if not header:
            return None
        if header[0].lower() != b"bearer" or len(header) != 2:
            raise exceptions.AuthenticationFailed(_("Send the token as: Authorization: Bearer <token>."))
        try:
            raw = header[1].decode("ascii")
        except UnicodeDecodeError:
            raise exceptions.AuthenticationFailed(_("The token is not valid.")) from None
        prefix = tokenlib.parse_token(raw)
        token = ApiToken.objects.select_related("client", "user").filter(prefix=prefix).first() if prefix else None
        if token is None or not tokenlib.token_matches(raw, token.token_hash):
            raise exceptions.AuthenticationFailed(_("The token is not valid."))
        ip = client_ip(request._request)
        if token.revoked_at is not None:
            do_record_token_refused(token, reason="revoked", ip=ip)
            raise exceptions.AuthenticationFailed(_("The token was revoked."))
        if not token.is_live():
            do_record_token_refused(token, reason="expired", ip=ip)
            raise exceptions.AuthenticationFailed(_("The token has expired."))
        if not tokenlib.address_allowed(ip, token.allowed_networks):
            do_record_token_refused(token, reason="network", ip=ip)
            raise exceptions.AuthenticationFailed(_("The token may not be used from this address."))
        if token.user_id is not None and not token.user.is_active:  # type: ignore[union-attr]
            do_record_token_refused(token, reason="user_inactive", ip=ip)
            raise exceptions.AuthenticationFailed(_("The token's staff member is no longer active."))
        do_touch_token(token)
        return ApiPrincipal(token, ip), token

    def authenticate_header(self, request):
        return 'Bearer realm="verwerker"'


class ClientToken(permissions.BasePermission):
    """Client endpoints: a client's token only."""

    message = _("This operation needs a client's token.")

    def has_permission(self, request, view):
        return isinstance(request.user, ApiPrincipal) and request.user.is_client_user


class StaffToken(permissions.BasePermission):
    """House endpoints: a staff service token holding the view's ``required_perm``."""

    message = _("This operation needs a staff token with the right role.")

    def has_permission(self, request, view):
        user = request.user
        if not isinstance(user, ApiPrincipal) or not user.is_staff:
            return False
        perm = getattr(view, "required_perm", None)
        return perm is None or user.has_perm(perm)


class ConfidentialityGate(permissions.BasePermission):
    """P11: a staff token opens client data only while its staff member has a current confidentiality
    agreement; the check and its audit are the screens' own (facilities/middleware.py)."""

    message = _(
        "You cannot open client data: no current confidentiality agreement of yours is recorded. "
        "Ask the privacy officer to record your signed agreement."
    )

    def has_permission(self, request, view):
        # local: same layer or upward, a cycle at the top
        from verwerker.facilities.middleware import refuse_client_data

        user = request.user
        if not isinstance(user, ApiPrincipal) or not user.is_staff:
            return True
        name = request.resolver_match.view_name if request.resolver_match else "api"
        return not refuse_client_data(user.user, view=name, actor=user.actor)


class TokenRateThrottle(throttling.SimpleRateThrottle):
    """Calls per token (the cache configured in settings: locmem on the embedded default)."""

    scope = "token"

    def get_rate(self):
        return settings.API_RATE

    def get_cache_key(self, request, view):
        if isinstance(request.user, ApiPrincipal):
            return self.cache_format % {"scope": self.scope, "ident": request.user.token.prefix}
        return self.cache_format % {"scope": "anon", "ident": self.get_ident(request)}


class TokenAuthenticationScheme(OpenApiAuthenticationExtension):
    """The OpenAPI security scheme of TokenAuthentication (drf-spectacular finds it by class)."""

    target_class = "verwerker.api.auth.TokenAuthentication"
    name = "bearer"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "vw_<prefix>_<secret>, from `verwerker api-token create`",
        }
