"""Retention schedules (data, visible to the privacy officer), holds, and deletion certificates."""

from __future__ import annotations

import uuid

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from verwerker.retention.rules import RecordClass
from verwerker.vault.models import DeletionReason  # the one list of reasons; re-exported here

__all__ = ["DeletionCertificate", "DeletionCertificateItem", "DeletionReason", "Hold", "RetentionSchedule"]


class RetentionSchedule(models.Model):
    """How long one record class is kept. Changed only through do_change_retention_schedule."""

    record_class = models.CharField(_("record class"), max_length=20, choices=RecordClass.choices, unique=True)
    keep_days = models.PositiveIntegerField(_("kept for (days)"), null=True, blank=True, help_text=_("empty: kept"))
    starts_from = models.CharField(_("counted from"), max_length=200)
    basis = models.TextField(_("basis"))
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["record_class"]
        verbose_name = _("retention schedule")
        verbose_name_plural = _("retention schedules")

    def __str__(self) -> str:
        days = f"{self.keep_days} days" if self.keep_days is not None else "kept"
        return f"{self.get_record_class_display()}: {days}"


class Hold(models.Model):
    """A legal or incident hold: the named object is exempt from every purge until the hold is released.

    ``object_type`` is a model label (``vault.blob``, ``clients.client`` for all of a client's data);
    ``object_id`` its primary key as text. ``reason`` is the officer's words and must not repeat
    personal data from client files.
    """

    object_type = models.CharField(max_length=64)
    object_id = models.CharField(max_length=64)
    client_id = models.BigIntegerField(null=True, blank=True)
    reason = models.TextField(_("reason"))
    placed_by = models.CharField(max_length=200)
    placed_at = models.DateTimeField(default=timezone.now)
    released_by = models.CharField(max_length=200, blank=True)
    released_at = models.DateTimeField(null=True, blank=True)
    release_reason = models.TextField(blank=True)

    class Meta:
        ordering = ["-placed_at"]
        indexes = [models.Index(fields=["object_type", "object_id"], name="hold_object_idx")]
        constraints = [
            models.CheckConstraint(
                condition=Q(released_at__isnull=True) | Q(released_at__gte=models.F("placed_at")),
                name="hold_released_after_placed",
            )
        ]

    def __str__(self) -> str:
        return f"hold on {self.object_type}:{self.object_id}"

    @property
    def is_active(self) -> bool:
        return self.released_at is None


class DeletionCertificate(models.Model):
    """A vernietigingsverklaring: proof that a group of a client's data files was destroyed (DOMAIN.md §5.2).

    ``body`` is the certificate itself as canonical JSON, frozen at issue; its SHA-256 is recorded in
    the audit log, so ``verwerker certificate verify`` can tell an issued certificate from an altered one.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    # No client: the house's own records (camera clips), deleted under its own retention schedule.
    client = models.ForeignKey(
        "clients.Client", on_delete=models.PROTECT, null=True, blank=True, related_name="deletion_certificates"
    )
    agreement_reference = models.CharField(max_length=100, blank=True)
    reason = models.CharField(max_length=24, choices=DeletionReason.choices)
    subject = models.CharField(_("subject"), max_length=200, blank=True)
    issued_at = models.DateTimeField(default=timezone.now)
    objects_deleted = models.PositiveIntegerField(default=0)
    body = models.TextField(editable=False)
    sha256 = models.CharField(max_length=64, editable=False)

    class Meta:
        ordering = ["-issued_at"]
        verbose_name = _("deletion certificate")
        verbose_name_plural = _("deletion certificates")

    def __str__(self) -> str:
        return f"deletion certificate {self.id} ({self.client})"


class DeletionCertificateItem(models.Model):
    """One deleted blob on a certificate. A blob is certified once (OneToOne)."""

    certificate = models.ForeignKey(DeletionCertificate, on_delete=models.PROTECT, related_name="items")
    blob = models.OneToOneField("vault.Blob", on_delete=models.PROTECT, related_name="certificate_item")
