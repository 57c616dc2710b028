"""The vault's metadata: one row per encrypted blob. The ciphertext lives in files (storage.py)."""

from __future__ import annotations

import uuid

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class BlobPurpose(models.TextChoices):
    UPLOAD = "upload", _("upload")
    INTERMEDIATE = "intermediate", _("intermediate file")
    PRINT_OUTPUT = "print_output", _("print output")
    REJECT_REPORT = "reject_report", _("reject report")
    MANIFEST = "manifest", _("manifest")
    CERTIFICATE = "certificate", _("certificate")
    CONSENT_DOCUMENT = "consent_document", _("consent document")
    HOUSE_RECORD = "house_record", _("record of the house itself")
    OTHER = "other", _("other")


class ReadPurpose(models.TextChoices):
    """Why client data is decrypted. Every read names one; it is recorded with the read (P15)."""

    PROFILING = "profiling", _("profiling")
    PRODUCTION = "production", _("production")
    DELIVERY = "delivery", _("delivery to the printer or subprocessor")
    PROOF_DOWNLOAD = "proof_download", _("proof download")
    OUTBOX_DOWNLOAD = "outbox_download", _("outbox download")
    SUBJECT_REQUEST = "subject_request", _("data-subject request")
    VERIFICATION = "verification", _("verification of the stored content")
    MAILING = "mailing", _("suppression lists for a mailing of the house's own relations")
    PENTEST_REPORT = "pentest_report", _("penetration-test report sent on request")
    CAMERA_INCIDENT = "camera_incident", _("camera footage viewed after an incident")
    OUTPUT_REVIEW = "output_review", _("a job's proof or output opened by staff")
    PREVIEW = "preview", _("rows to be rejected, previewed before production")


class DeletionReason(models.TextChoices):
    """Why a blob was shredded: the one list, stored on the blob and shown on deletion certificates.

    It lives in the vault, the lowest layer that shreds, so every caller of ``do_shred_blobs`` and the
    certificates (retention) use the same codes; the labels are the words a client reads.
    """

    JOB_COMPLETED = "job_completed", _("the job was printed and its printing confirmed")
    JOB_CANCELLED = "job_cancelled", _("the job was cancelled")
    ATTEMPT_SUPERSEDED = "attempt_superseded", _("output of an earlier production run, replaced by a new run")
    PROOF_REJECTED = "proof_rejected", _("the client rejected the proof")
    DATA_SUBJECT_REQUEST = "data_subject_request", _("a data-subject request passed on by the client")
    # The house as controller: a person's own request about its own records (camera footage, own relations).
    OWN_REQUEST = "own_request", _("the person's own request to the house")
    RETENTION_EXPIRED = "retention_expired", _("the maximum retention period of the processing agreement expired")
    ABANDONED_WRITE = "abandoned_write", _("an incomplete file: an upload broken off, refused or abandoned")
    OTHER = "other", _("a manual deletion")


class BlobState(models.TextChoices):
    WRITING = "writing", _("being written")
    STORED = "stored", _("stored")
    # The data key is destroyed (the blob is unreadable); the ciphertext file may still exist.
    SHREDDING = "shredding", _("key destroyed, file being removed")
    SHREDDED = "shredded", _("shredded")


class Blob(models.Model):
    """One encrypted blob of client data.

    Metadata holds no personal data: ``name`` is a display name chosen by the caller (a file name as
    the client sent it, or a generated one), size and hash of the plaintext, and who and why. The data
    key exists only in ``wrapped_key``; shredding sets it to NULL, which is the deletion (NIST SP 800-88
    cryptographic erase). A database constraint keeps shredded rows keyless and live rows keyed.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    # No client: one of the house's own records (facilities: signed confidentiality agreements, pentest
    # reports, camera clips). Those are purged by their own record class, never as client data.
    client = models.ForeignKey("clients.Client", on_delete=models.PROTECT, null=True, blank=True, related_name="blobs")
    purpose = models.CharField(_("purpose"), max_length=20, choices=BlobPurpose.choices)
    state = models.CharField(_("state"), max_length=10, choices=BlobState.choices, default=BlobState.WRITING)
    name = models.CharField(_("name"), max_length=255, blank=True)
    size = models.BigIntegerField(_("size (bytes)"), null=True, blank=True)
    sha256 = models.CharField(_("SHA-256 of the plaintext"), max_length=64, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    stored_at = models.DateTimeField(null=True, blank=True)
    shredded_at = models.DateTimeField(null=True, blank=True)
    shred_reason = models.CharField(max_length=40, blank=True, choices=DeletionReason.choices)
    # How many records the blob holds, as the app that read it counted them (opaque to the vault; a data
    # file's profile sets it). Certificates read it from here, so retention asks no app for it.
    records = models.PositiveIntegerField(_("records"), null=True, blank=True)
    wrapped_key = models.BinaryField(null=True, editable=False)
    master_key_id = models.CharField(max_length=16)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["state", "client", "created_at"], name="vault_blob_state_idx")]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(state__in=["writing", "stored"], wrapped_key__isnull=False)
                    | Q(state__in=["shredding", "shredded"], wrapped_key__isnull=True)
                ),
                name="blob_key_matches_state",
            )
        ]
        verbose_name = _("blob")
        verbose_name_plural = _("blobs")

    def __str__(self) -> str:
        return f"{self.get_purpose_display()} {self.id}"

    @property
    def is_readable(self) -> bool:
        return self.state == BlobState.STORED and self.wrapped_key is not None
