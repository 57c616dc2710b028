"""The append-only, hash-chained audit log (P15). See chain.py for the threat model."""

from __future__ import annotations

import datetime as dt

from django.db import models
from django.utils.translation import gettext_lazy as _

from verwerker.audit.events import ActorType, EventType, Outcome


class AuditEvent(models.Model):
    """One thing that happened. Never updated or deleted (database triggers refuse both).

    ``client_id`` and ``actor_id`` are plain values, not foreign keys: the log must outlive what it
    describes, and no cascade may ever reach it. ``details`` never holds personal data from client files.
    """

    seq = models.BigIntegerField(unique=True, editable=False)
    created_at = models.DateTimeField(db_index=True, editable=False)
    actor_type = models.CharField(max_length=16, choices=ActorType.choices)
    actor_id = models.CharField(max_length=64, blank=True)
    actor_label = models.CharField(max_length=200, blank=True)
    client_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    # No `choices`: event types are added by every app over time, and choices would make each addition
    # a migration of this table. EventType (audit/events.py) names them.
    action = models.PositiveIntegerField(db_index=True)
    object_type = models.CharField(max_length=64, blank=True)
    object_id = models.CharField(max_length=64, blank=True)
    outcome = models.CharField(max_length=10, choices=Outcome.choices, default=Outcome.SUCCESS)
    source_ip = models.CharField(max_length=45, blank=True)
    details = models.TextField(default="{}")
    prev_hash = models.CharField(max_length=64, editable=False)
    hash = models.CharField(max_length=64, editable=False)

    class Meta:
        ordering = ["-seq"]
        indexes = [models.Index(fields=["object_type", "object_id"], name="audit_object_idx")]
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")

    def __str__(self) -> str:
        return f"#{self.seq} {self.get_action_display()}"

    def get_action_display(self) -> str:
        try:
            return str(EventType(self.action).label)
        except ValueError:
            return str(_("event type %(n)s")) % {"n": self.action}

    def chain_values(self) -> tuple:
        return (
            self.seq,
            iso_utc(self.created_at),
            self.actor_type,
            self.actor_id,
            self.actor_label,
            self.client_id,
            int(self.action),
            self.object_type,
            self.object_id,
            self.outcome,
            self.source_ip,
            self.details,
        )


def iso_utc(value: dt.datetime) -> str:
    return value.astimezone(dt.UTC).isoformat()


class ChainCheckpoint(models.Model):
    """The result of a verification run: how far the chain was found whole, and its head hash then."""

    checked_at = models.DateTimeField()
    events = models.BigIntegerField()
    head_seq = models.BigIntegerField()
    head_hash = models.CharField(max_length=64)
    ok = models.BooleanField()
    first_bad_seq = models.BigIntegerField(null=True)
    reason = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["-checked_at"]


class LogCursor(models.Model):
    """How far one reader of the log (settings.AUDIT_LOG_READERS) has been fed: the last seq it has
    recorded what it makes of. Moved only in the transaction that records it (audit/feed.py)."""

    name = models.CharField(max_length=32, primary_key=True)
    seq = models.BigIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)
