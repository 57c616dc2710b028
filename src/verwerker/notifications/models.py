"""Notifications: what a person is told (in the app and by e-mail) about work that concerns them.

A notification holds ids and names of files, jobs, clients and breaches and counts, never a value from a
client's file. Each row comes from one audit event (``event_seq``): the dispatcher (actions.py) is fed
the audit log after its cursor (audit/feed.py), so nothing is told twice and nothing is lost when a process dies.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Kind(models.TextChoices):
    FILE_PROFILED = "file_profiled", _("file received and profiled")
    FILE_REFUSED = "file_refused", _("file refused")
    APPROVAL_REQUESTED = "approval_requested", _("second approval requested")
    PROOF_WAITING = "proof_waiting", _("proof waiting for approval")
    PROOF_REJECTED = "proof_rejected", _("proof rejected")
    JOB_FAILED = "job_failed", _("production failed")
    JOB_DELIVERED = "job_delivered", _("job delivered to a print station")
    BREACH_REPORTED = "breach_reported", _("breach reported")
    BREACH_NOTICE = "breach_notice", _("breach notice sent")
    CERTIFICATE_ISSUED = "certificate_issued", _("deletion certificate issued")


# Breach messages are always e-mailed: nobody can switch them off (P24).
ALWAYS_EMAILED = frozenset({Kind.BREACH_REPORTED, Kind.BREACH_NOTICE})


class EmailState(models.TextChoices):
    PENDING = "pending", _("to be sent")
    SENT = "sent", _("sent")
    OFF = "off", _("switched off")
    NO_ADDRESS = "no_address", _("no e-mail address")


class Notification(models.Model):
    """One message to one person about one event."""

    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    kind = models.CharField(_("kind"), max_length=24, choices=Kind.choices)
    client = models.ForeignKey("clients.Client", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    # Names and numbers the message is written from (file name, job name, client name, reference, count).
    params = models.JSONField(default=dict, blank=True)
    link = models.CharField(max_length=300, blank=True)
    event_seq = models.BigIntegerField()
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    read_at = models.DateTimeField(null=True, blank=True)
    email = models.CharField(max_length=12, choices=EmailState.choices, default=EmailState.PENDING)
    emailed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["event_seq", "recipient", "kind"], name="notification_once_per_event"),
        ]
        indexes = [
            models.Index(fields=["recipient", "read_at"], name="notification_unread_idx"),
            models.Index(fields=["email"], name="notification_email_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} → {self.recipient_id}"


class EmailOptOut(models.Model):
    """A person does not want e-mail of this kind (the in-app list still shows it)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=24, choices=Kind.choices)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "kind"], name="email_opt_out_once")]

