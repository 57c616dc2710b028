"""Data files: a client's received file, bound to its vault blob and its profile (P20, P23).

A DataFile row holds no value from the file: its profile is counts, kinds, reasons and masked
examples (``Profile.to_json``), and ``name`` is the display name the client chose. The content lives
only in the vault, encrypted; the row survives the blob's shredding as metadata. Whether a file is
purged is not stored here: it is its blob's state (``DataFile.is_purged``, ``DataFile.objects.purged()``).
"""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop

from verwerker.vault.models import BlobState

# What read.header_holds_data can find in a first line, for the data file's page to translate.
HEADER_EVIDENCE = (
    gettext_noop("postcode"), gettext_noop("house number"), gettext_noop("initials"), gettext_noop("salutation"),
    gettext_noop("e-mail address"), gettext_noop("IBAN"), gettext_noop("phone number"), gettext_noop("date"),
)


class DataFileState(models.TextChoices):
    RECEIVED = "received", _("received")
    PROFILING = "profiling", _("being profiled")
    PROFILED = "profiled", _("profiled")
    UNREADABLE = "unreadable", _("unreadable")


# A data file whose blob is in one of these states is purged: its content is gone (keys destroyed).
PURGED_BLOB_STATES = (BlobState.SHREDDING, BlobState.SHREDDED)
# The incoming list's filter value for purged files (derived, so not a DataFileState).
PURGED = "purged"


class Risk(models.TextChoices):
    STANDARD = "standard", _("standard (name and address only)")
    HIGH = "high", _("high")


class DataFileQuerySet(models.QuerySet):
    def purged(self) -> DataFileQuerySet:
        """Files whose blob was shredded."""
        return self.filter(blob__state__in=PURGED_BLOB_STATES)

    def held(self) -> DataFileQuerySet:
        """Files whose content the vault still holds."""
        return self.exclude(blob__state__in=PURGED_BLOB_STATES)


class DataFile(models.Model):
    """One received client file on its way through the pipeline."""

    objects = DataFileQuerySet.as_manager()

    client = models.ForeignKey("clients.Client", on_delete=models.PROTECT, related_name="data_files")
    # The agreement in force when the file arrived (P09): the terms it is processed under.
    agreement = models.ForeignKey("clients.Agreement", on_delete=models.PROTECT, related_name="data_files")
    blob = models.OneToOneField("vault.Blob", on_delete=models.PROTECT, related_name="data_file")
    name = models.CharField(_("file name"), max_length=255)
    state = models.CharField(_("state"), max_length=12, choices=DataFileState.choices, default=DataFileState.RECEIVED)
    reason = models.CharField(_("why unreadable"), max_length=300, blank=True)
    profile = models.JSONField(_("profile"), default=dict, blank=True)
    risk = models.CharField(_("risk class"), max_length=10, choices=Risk.choices, blank=True)
    record_count = models.PositiveIntegerField(_("records"), null=True, blank=True)
    minors = models.PositiveIntegerField(_("minors (under 16)"), default=0)
    has_bsn = models.BooleanField(_("holds a BSN column"), default=False)
    # column -> kind as detected (after overrides); overrides: column -> kind set by the database department.
    column_kinds = models.JSONField(_("column kinds"), default=dict, blank=True)
    overrides = models.JSONField(_("column kind overrides"), default=dict, blank=True)
    received_at = models.DateTimeField(_("received at"), default=timezone.now, db_index=True)
    profiled_at = models.DateTimeField(_("profiled at"), null=True, blank=True)

    class Meta:
        ordering = ["-received_at"]
        indexes = [models.Index(fields=["client", "state"], name="datafile_client_state_idx")]
        verbose_name = _("data file")
        verbose_name_plural = _("data files")

    def __str__(self) -> str:
        return f"{self.client_id}/{self.name}"

    @property
    def is_purged(self) -> bool:
        """The blob was shredded: the content is gone, this row is metadata."""
        return self.blob.state in PURGED_BLOB_STATES

    @property
    def purged_at(self):
        return self.blob.shredded_at if self.is_purged else None

    @property
    def state_label(self) -> str:
        """The state a person reads: "deleted" once the blob is shredded, else the pipeline's state."""
        return str(_("deleted")) if self.is_purged else self.get_state_display()

    @property
    def is_high_risk(self) -> bool:
        return self.risk == Risk.HIGH

    def columns_of_kind(self, kind: str) -> list[str]:
        return [column for column, k in self.column_kinds.items() if k == kind]
