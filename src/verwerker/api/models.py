"""The API's own rows: tokens (hashes only), idempotent uploads, webhook subscriptions and deliveries.

A token is ``vw_<prefix>_<secret>``: the prefix (public, 8 hex) finds the row, the SHA-256 of the whole
token is compared in constant time. The token itself is shown once and never stored.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class TokenKind(models.TextChoices):
    CLIENT = "client", _("client")
    STAFF = "staff", _("staff service")


class ApiToken(models.Model):
    """A bearer token: a client's (sees only its client) or a staff service token (acts for a staff
    member, limited to the roles it names)."""

    prefix = models.CharField(max_length=16, unique=True)
    token_hash = models.CharField(max_length=64)
    kind = models.CharField(_("kind"), max_length=8, choices=TokenKind.choices)
    client = models.ForeignKey(
        "clients.Client", on_delete=models.PROTECT, null=True, blank=True, related_name="api_tokens"
    )
    # A staff token acts for this staff member (their confidentiality agreement, their roles).
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="api_tokens"
    )
    roles = models.JSONField(default=list, blank=True)
    # The designated contact at whose request a client token was issued (P05, P07); data-subject
    # requests through the API are logged as theirs.
    contact = models.ForeignKey("clients.Contact", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    label = models.CharField(_("label"), max_length=100, blank=True)
    allowed_networks = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.CharField(max_length=150, blank=True)
    expires_at = models.DateTimeField(_("expires at"))
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind="client", client__isnull=False, user__isnull=True)
                | Q(kind="staff", client__isnull=True, user__isnull=False),
                name="api_token_client_xor_staff",
            ),
        ]

    def __str__(self) -> str:
        return f"vw_{self.prefix}"

    def is_live(self, now=None) -> bool:
        now = now or timezone.now()
        return self.revoked_at is None and self.expires_at > now


class IdempotentUpload(models.Model):
    """An upload made with an ``Idempotency-Key``: the same key and checksum again answers with it."""

    token = models.ForeignKey(ApiToken, on_delete=models.PROTECT, related_name="+")
    key = models.CharField(max_length=100)
    sha256 = models.CharField(max_length=64)
    upload = models.ForeignKey("intake.Upload", on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["token", "key"], name="api_idempotency_key_once")]


class WebhookEvent(models.TextChoices):
    FILE_PROFILED = "file.profiled", _("file profiled")
    FILE_REFUSED = "file.refused", _("file refused or unreadable")
    PROOF_READY = "proof.ready", _("proof ready")
    JOB_PRINTED = "job.printed", _("job printed")
    CERTIFICATE_ISSUED = "certificate.issued", _("deletion certificate issued")
    BREACH_NOTICE_SENT = "breach.notice_sent", _("breach notice sent")


class WebhookSubscription(models.Model):
    """An HTTPS endpoint of a client (its own events) or of the house (every client's)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    client = models.ForeignKey("clients.Client", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    url = models.URLField(_("address"), max_length=500)
    events = models.JSONField(default=list)
    secret = models.CharField(max_length=64, editable=False)  # the HMAC key, shown once at registration
    created_by_token = models.ForeignKey(ApiToken, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    # Events after this audit sequence number are delivered (none from before the registration).
    start_seq = models.BigIntegerField(default=0)
    removed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        permissions = [("manage_webhooks", "Register the house's webhook endpoints")]

    def __str__(self) -> str:
        return self.url


class DeliveryState(models.TextChoices):
    PENDING = "pending", _("pending")
    DELIVERED = "delivered", _("delivered")
    RETRYING = "retrying", _("retrying")
    FAILED = "failed", _("failed")


class WebhookDelivery(models.Model):
    """One event to one subscription: its body (ids, states, counts), attempts and the last response."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    subscription = models.ForeignKey(WebhookSubscription, on_delete=models.PROTECT, related_name="deliveries")
    event = models.CharField(max_length=32, choices=WebhookEvent.choices)
    audit_seq = models.BigIntegerField()
    body = models.JSONField()
    state = models.CharField(max_length=10, choices=DeliveryState.choices, default=DeliveryState.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    last_status = models.PositiveIntegerField(null=True, blank=True)
    last_response = models.CharField(max_length=500, blank=True)
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["subscription", "audit_seq", "event"], name="webhook_event_once")
        ]

