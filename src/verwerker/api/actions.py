"""Writes of the API app: tokens, idempotent uploads, webhook subscriptions and their deliveries.

Every write that changes who may do what (a token issued or revoked, an endpoint registered or removed)
is audited. The API's client-data writes are not here: its views call the other apps' actions, the
same ones the screens call.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import json
import secrets
import socket
import time
import urllib.error
import urllib.request
from collections.abc import Iterable
from urllib.parse import urlsplit

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _lazy

from verwerker.accounts.roles import Role
from verwerker.api import events as webhook_events
from verwerker.api import tokens as tokenlib
from verwerker.api.models import (
    ApiToken,
    DeliveryState,
    IdempotentUpload,
    TokenKind,
    WebhookDelivery,
    WebhookEvent,
    WebhookSubscription,
)
from verwerker.audit.actions import do_record_event
from verwerker.audit.actors import Actor
from verwerker.audit.events import EventType, Outcome
from verwerker.audit.feed import LogReader, do_feed_log_readers
from verwerker.audit.models import AuditEvent

MAX_TOKEN_DAYS = 730
WEBHOOK_MAX_ATTEMPTS = 8


@transaction.atomic
def do_create_api_token(
    *,
    actor: Actor,
    client=None,
    user=None,
    roles: Iterable[str] = (),
    expires_days: int = 90,
    networks: str | list[str] = "",
    contact=None,
    label: str = "",
) -> tuple[ApiToken, str]:
    """Issue a token: a client's (``client``) or a staff service token (``user`` with ``roles``, each a
    role the member has). Returns the row and the token, which is shown once and stored only hashed.
    Raises ValidationError with a one-line reason."""
    if (client is None) == (user is None):
        raise ValidationError(_lazy("a token is either a client's (--client) or a staff member's (--user with --role)"))
    if not 1 <= expires_days <= MAX_TOKEN_DAYS:
        raise ValidationError(_lazy("a token expires after 1 to %(max)s days"), params={"max": MAX_TOKEN_DAYS})
    try:
        nets = tokenlib.parse_networks(networks)
    except ValueError as exc:
        raise ValidationError(str(exc)) from None
    roles = sorted(set(roles))
    if client is not None:
        if roles:
            raise ValidationError(_lazy("a client token has no roles: it sees what the client's users see"))
        if contact is not None and (contact.client_id != client.pk or not contact.is_designated):
            raise ValidationError(_lazy("the request must come from a designated contact of this client (P07)"))
    else:
        if not user.is_staff or not user.is_active:
            raise ValidationError(_lazy("%(user)s is not an active staff member"), params={"user": user.get_username()})
        if not roles:
            raise ValidationError(_lazy("a staff token needs at least one role (--role)"))
        if Role.SUBPROCESSOR in roles:
            raise ValidationError(
                _lazy("a subprocessor's login confirms its jobs in the screens; it gets no API token")
            )
        missing = [r for r in roles if not user.has_role(r)]
        if missing:
            raise ValidationError(
                _lazy("%(user)s does not have the role(s) %(roles)s"),
                params={"user": user.get_username(), "roles": ", ".join(missing)},
            )
    token, prefix, digest = tokenlib.new_token()
    row = ApiToken.objects.create(
        prefix=prefix,
        token_hash=digest,
        kind=TokenKind.CLIENT if client is not None else TokenKind.STAFF,
        client=client,
        user=user,
        roles=roles,
        contact=contact,
        label=label.strip()[:100],
        allowed_networks=nets,
        expires_at=timezone.now() + dt.timedelta(days=expires_days),
        created_by=actor.label[:150],
    )
    do_record_event(
        EventType.API_TOKEN_CREATED,
        actor=actor,
        client_id=row.client_id,
        obj=row,
        details={
            "kind": row.kind,
            "prefix": prefix,
            "roles": roles,
            "user": row.user_id,
            "days": expires_days,
            "networks": nets,
            "contact": row.contact_id,
        },
    )
    return row, token


@transaction.atomic
def do_revoke_api_token(token: ApiToken, *, actor: Actor) -> bool:
    """Revoke a token at once (idempotent; True when this call revoked it)."""
    if not ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(revoked_at=timezone.now()):
        return False
    do_record_event(
        EventType.API_TOKEN_REVOKED, actor=actor, client_id=token.client_id, obj=token, details={"prefix": token.prefix}
    )
    return True


def do_record_token_refused(token: ApiToken, *, reason: str, ip: str) -> None:
    """Audit a call with a known token that was refused (revoked, expired, outside its networks): once a
    minute per token, reason and address, so a client retrying with a dead token cannot flood the log
    (authentication runs before the rate limit)."""

    if not cache.add(f"api-token-refused:{token.prefix}:{reason}:{ip}", 1, timeout=60):
        return
    do_record_event(
        EventType.API_TOKEN_REFUSED,
        actor=Actor(type="anonymous", ip=ip),
        client_id=token.client_id,
        obj=token,
        outcome=Outcome.REFUSED,
        details={"prefix": token.prefix, "reason": reason},
    )


def do_touch_token(token: ApiToken) -> None:
    """Note when a token was last used (at most once a minute; not audited: the call's own events are)."""
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at > dt.timedelta(minutes=1):
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)


def do_remember_upload(token: ApiToken, *, key: str, sha256: str, upload) -> IdempotentUpload:
    """Keep an ``Idempotency-Key`` with the upload it made; the first of two racing uploads wins."""
    try:
        with transaction.atomic():
            return IdempotentUpload.objects.create(token=token, key=key, sha256=sha256, upload=upload)
    except IntegrityError:
        return IdempotentUpload.objects.get(token=token, key=key)


# -- webhooks -----------------------------------------------------------------------------------------


def check_webhook_url(url: str) -> str:
    """Refuse an address that is not HTTPS (plain http only to loopback, in tests and DEBUG)."""
    parts = urlsplit(url)
    if parts.scheme == "https" and parts.hostname:
        return url
    if parts.scheme == "http" and parts.hostname in ("127.0.0.1", "::1") and settings.API_WEBHOOK_ALLOW_LOOPBACK_HTTP:
        return url
    raise ValidationError(_lazy("a webhook endpoint must be an https:// address"))


@transaction.atomic
def do_register_webhook(
    *, url: str, events: Iterable[str], client=None, token: ApiToken | None = None, actor: Actor
) -> tuple[WebhookSubscription, str]:
    """Register an endpoint for some event kinds (a client's own, or the house's for every client).
    Returns the subscription and its signing secret (shown once). Raises ValidationError."""
    check_webhook_url(url)
    kinds = sorted(set(events))
    unknown = [k for k in kinds if k not in WebhookEvent.values]
    if not kinds or unknown:
        raise ValidationError(
            _lazy("event kinds must be some of: %(kinds)s"),
            params={"kinds": ", ".join(WebhookEvent.values)},
        )
    head = AuditEvent.objects.order_by("-seq").values_list("seq", flat=True).first() or 0
    secret = secrets.token_hex(32)
    sub = WebhookSubscription.objects.create(
        client=client, url=url, events=kinds, secret=secret, created_by_token=token, start_seq=head
    )
    do_record_event(
        EventType.WEBHOOK_SUBSCRIBED,
        actor=actor,
        client_id=sub.client_id,
        obj=sub,
        details={"events": kinds, "scheme": urlsplit(url).scheme},
    )
    return sub, secret


@transaction.atomic
def do_remove_webhook(sub: WebhookSubscription, *, actor: Actor) -> None:
    """Stop delivering to an endpoint (its deliveries stay as the log)."""
    if WebhookSubscription.objects.filter(pk=sub.pk, removed_at__isnull=True).update(removed_at=timezone.now()):
        do_record_event(EventType.WEBHOOK_REMOVED, actor=actor, client_id=sub.client_id, obj=sub)


def _take(events: list[AuditEvent]) -> list[str]:
    """Turn a batch of audit events into deliveries for the subscribers that want them (audit/feed.py calls
    this in the transaction that moves the cursor; deliveries are unique per subscription, event and kind,
    so a batch read again makes none twice). Returns the new deliveries' ids."""
    subs = list(WebhookSubscription.objects.filter(removed_at__isnull=True))
    made = []
    for event in events:
        for kind, body in webhook_events.translate(event):
            for sub in subs:
                if kind not in sub.events or event.seq <= sub.start_seq:
                    continue
                if sub.client_id is not None and sub.client_id != event.client_id:
                    continue
                delivery, created = WebhookDelivery.objects.get_or_create(
                    subscription=sub,
                    audit_seq=event.seq,
                    event=kind,
                    defaults={"body": {"id": "", "type": kind, **body}},
                )
                if created:
                    delivery.body = {**delivery.body, "id": str(delivery.pk)}
                    delivery.save(update_fields=["body"])
                    made.append(str(delivery.pk))
    return made


def _enqueue_deliveries(delivery_ids: list[str]) -> None:
    from verwerker.api.tasks import deliver_webhook  # local: the tasks module imports this one

    for delivery_id in delivery_ids:
        deliver_webhook.enqueue(delivery_id)


LOG_READER = LogReader("webhooks", frozenset(webhook_events.SOURCE_ACTIONS), _take, after=_enqueue_deliveries)


def do_collect_webhook_events(*, limit: int = 1000) -> list[str]:
    """Turn the audit events after the webhook cursor into deliveries, without enqueueing them; returns the
    new deliveries' ids. The scheduled pass (audit.tasks.feed_log_readers) feeds this reader with the
    others and enqueues the deliveries."""
    return do_feed_log_readers(only=[LOG_READER.name], batch=limit, run_after=False)[LOG_READER.name]


def backoff(attempts: int) -> dt.timedelta:
    """Wait before the next attempt: base, 2x, 4x, ... capped at six hours."""
    return dt.timedelta(seconds=min(settings.API_WEBHOOK_BACKOFF_SECONDS * 2 ** (attempts - 1), 6 * 3600))


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def _public_address(host: str) -> bool:
    """True when every address ``host`` resolves to is a public one (no requests into the house's network)."""
    try:
        infos = socket.getaddrinfo(host, None)
    except OSError:
        return False
    return all(ipaddress.ip_address(info[4][0]).is_global for info in infos)


def _post(url: str, body: bytes, headers: dict) -> tuple[int | None, str]:
    host = urlsplit(url).hostname or ""
    loopback_ok = settings.API_WEBHOOK_ALLOW_LOOPBACK_HTTP and host in ("127.0.0.1", "::1")
    if not loopback_ok and not _public_address(host):
        return None, "refused: the address is not a public one"
    opener = urllib.request.build_opener(_NoRedirect)
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")
    try:
        with opener.open(request, timeout=settings.API_WEBHOOK_TIMEOUT_SECONDS) as response:
            return response.status, response.read(500).decode("utf-8", "replace")
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read(500).decode("utf-8", "replace") if exc.fp else ""
    except (urllib.error.URLError, OSError, ValueError) as exc:
        return None, str(getattr(exc, "reason", exc))[:500]


def do_deliver_webhook(delivery_id: str) -> str:
    """Send one delivery (signed), record the response, and schedule the next attempt with backoff
    when it failed; give up (audited) after WEBHOOK_MAX_ATTEMPTS. Returns the new state. Idempotent
    for a delivery that is delivered or failed already."""
    from verwerker.api.tasks import deliver_webhook  # local: same layer or upward, a cycle at the top

    delivery = WebhookDelivery.objects.select_related("subscription").filter(pk=delivery_id).first()
    if delivery is None or delivery.state in (DeliveryState.DELIVERED, DeliveryState.FAILED):
        return delivery.state if delivery else "missing"
    sub = delivery.subscription
    if sub.removed_at is not None:
        WebhookDelivery.objects.filter(pk=delivery.pk).update(
            state=DeliveryState.FAILED, last_response="endpoint removed"
        )
        return DeliveryState.FAILED
    body = json.dumps(delivery.body, separators=(",", ":"), sort_keys=True).encode()
    stamp = int(time.time())
    status, text = _post(
        sub.url,
        body,
        {
            "Content-Type": "application/json",
            "User-Agent": "Verwerker-Webhook/1",
            tokenlib.SIGNATURE_HEADER: tokenlib.sign(sub.secret, stamp, body),
            "Verwerker-Delivery": str(delivery.pk),
            "Verwerker-Event": delivery.event,
        },
    )
    attempts = delivery.attempts + 1
    now = timezone.now()
    ok = status is not None and 200 <= status < 300
    state = (
        DeliveryState.DELIVERED
        if ok
        else (DeliveryState.FAILED if attempts >= WEBHOOK_MAX_ATTEMPTS else DeliveryState.RETRYING)
    )
    next_at = now + backoff(attempts) if state == DeliveryState.RETRYING else None
    with transaction.atomic():
        WebhookDelivery.objects.filter(pk=delivery.pk).update(
            state=state,
            attempts=attempts,
            last_status=status,
            last_response=text[:500],
            last_attempt_at=now,
            next_attempt_at=next_at,
        )
        if state == DeliveryState.FAILED:
            do_record_event(
                EventType.WEBHOOK_GAVE_UP,
                actor=Actor.system("webhooks"),
                client_id=sub.client_id,
                obj=sub,
                outcome=Outcome.FAILURE,
                details={"delivery": str(delivery.pk), "event": delivery.event, "attempts": attempts, "status": status},
            )
        if next_at is not None:
            transaction.on_commit(lambda: deliver_webhook.using(run_after=next_at).enqueue(str(delivery.pk)))
    return state
