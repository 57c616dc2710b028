"""Jobs: a data file turned into print output under a template, through the life cycle of workflow.py.

A job row holds no value from the client's file: mapping (column -> kind), options, gates, counts and
the ids of its vault blobs. Everything personal lives in the vault, encrypted, and is shredded when
the job closes (P17).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from verwerker.production.workflow import JobState


class Template(models.Model):
    """A Typst letter template (defines ``letter(r)``) with an optional PDF background; no personal data."""

    client = models.ForeignKey(
        "clients.Client", on_delete=models.PROTECT, null=True, blank=True, related_name="templates",
        help_text=_("empty: available to every client"),
    )
    name = models.CharField(_("name"), max_length=200)
    source = models.TextField(_("Typst source"))
    background = models.BinaryField(_("background (PDF)"), null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class PrintStation(models.Model):
    """A printer whose RIP watches a hot folder: released jobs are delivered there (P17: only until printed)."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    hot_folder = models.CharField(_("hot folder (directory the RIP watches)"), max_length=500)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Dedupe(models.TextChoices):
    PERSON = "person", _("one letter per person")
    ADDRESS = "address", _("one letter per address")
    NONE = "none", _("no deduplication")


class Job(models.Model):
    """One mailing made from one data file."""

    client = models.ForeignKey("clients.Client", on_delete=models.PROTECT, related_name="jobs")
    agreement = models.ForeignKey("clients.Agreement", on_delete=models.PROTECT, related_name="jobs")
    data_file = models.ForeignKey("datafiles.DataFile", on_delete=models.PROTECT, related_name="jobs")
    name = models.CharField(_("job name"), max_length=200)
    state = models.CharField(_("state"), max_length=16, choices=JobState.choices, default=JobState.DRAFTED)
    template = models.ForeignKey(Template, on_delete=models.PROTECT, related_name="jobs")
    mapping = models.JSONField(_("column mapping"), default=dict)
    dropped_columns = models.JSONField(_("dropped columns"), default=list, blank=True)
    dedupe = models.CharField(_("deduplication"), max_length=10, choices=Dedupe.choices, default=Dedupe.PERSON)
    suppression_files = models.ManyToManyField(
        "datafiles.DataFile", blank=True, related_name="suppressing_jobs", verbose_name=_("suppression lists")
    )
    proof_required = models.BooleanField(_("client approves a proof first"), default=False)
    station = models.ForeignKey(PrintStation, on_delete=models.PROTECT, null=True, blank=True, related_name="jobs")
    subprocessor = models.ForeignKey(
        "clients.Subprocessor", on_delete=models.PROTECT, null=True, blank=True, related_name="jobs"
    )
    drafted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # Gates (workflow.py / actions.py): who approved, what was recorded, when.
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    approved_at = models.DateTimeField(null=True, blank=True)
    measures_confirmed = models.BooleanField(_("extra measures ticked off"), default=False)
    legal_basis = models.TextField(_("legal basis for the BSN stated by the client"), blank=True)
    legal_basis_recorded_at = models.DateTimeField(null=True, blank=True)
    consent_given_by = models.CharField(_("parental consent confirmed by (at the client)"), max_length=200, blank=True)
    consent_given_on = models.DateField(_("consent confirmed on"), null=True, blank=True)
    consent_document = models.ForeignKey(
        "vault.Blob", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    consent_recorded_at = models.DateTimeField(null=True, blank=True)
    # Production progress; ``attempt`` numbers each production run: only the current one's outputs count.
    attempt = models.PositiveIntegerField(default=0)
    parts_total = models.PositiveIntegerField(default=0)
    parts_done = models.PositiveIntegerField(default=0)
    records_in = models.PositiveIntegerField(null=True, blank=True)
    records_out = models.PositiveIntegerField(null=True, blank=True)
    pages = models.PositiveIntegerField(null=True, blank=True)
    rejects = models.PositiveIntegerField(null=True, blank=True)
    error = models.CharField(_("last error"), max_length=300, blank=True)
    # Why the client rejected the last proof, in their words (shown on the job page; never in the audit log).
    proof_rejection_note = models.TextField(_("reason the proof was rejected"), blank=True)
    proof_rejected_at = models.DateTimeField(null=True, blank=True)
    # When production last advanced (an attempt started, a part landed): the recovery sweep finds a job
    # whose progress stopped (a dead worker, a lost task) by this, and claims it by updating it.
    progress_at = models.DateTimeField(null=True, blank=True, db_index=True)
    # Reprint before shredding: per reprint, the spoiled pieces as [first, last] sequence ranges
    # ({"reprint": n, "ranges": [[12, 15]]}), and the pieces the operator counted at confirmation.
    # Numbers only.
    spoiled = models.JSONField(default=list, blank=True)
    reprints = models.PositiveIntegerField(default=0)
    pieces_printed = models.PositiveIntegerField(null=True, blank=True)
    delivered_files = models.JSONField(default=list, blank=True)
    delivery_target = models.CharField(max_length=200, blank=True)
    # Its file was rewritten (records erased or corrected) after it was delivered: what was printed or
    # sent is outside the system. One entry per rewrite: {"at": ISO time, "reason": code, "subject": text}.
    rewritten_after_delivery = models.JSONField(default=list, blank=True)
    certificate = models.ForeignKey(
        "retention.DeletionCertificate", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    updated_at = models.DateTimeField(default=timezone.now)
    released_at = models.DateTimeField(null=True, blank=True)
    produced_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["client", "state"], name="job_client_state_idx")]
        permissions = [
            ("release_job", "Approve and release jobs"),
            ("confirm_printing", "Confirm that a job was printed"),
            ("confirm_production", "Confirm production of a job delivered to one's own subprocessor"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(station__isnull=True) | Q(subprocessor__isnull=True), name="job_one_delivery_target"
            )
        ]

    def __str__(self) -> str:
        return f"{self.client_id}/{self.name}"

    def part_name(self, index: int) -> str:
        """The file name of print part ``index``: in the vault, the hot folder, a subprocessor's SFTP
        folder and on the subprocessor's page alike."""
        return f"job-{self.pk}-{index:03d}.pdf"

    def reprint_name(self, number: int) -> str:
        """The file name of reprint ``number``: marked "herdruk" so the operator and the RIP tell it apart."""
        return f"job-{self.pk}-herdruk-{number:02d}.pdf"


class OutputKind(models.TextChoices):
    RECORDS = "records", _("prepared records (intermediate)")
    PART = "part", _("print part")
    MANIFEST_PART = "manifest_part", _("manifest of a part")
    MANIFEST = "manifest", _("manifest")
    REJECTS = "rejects", _("reject report")
    PROOF = "proof", _("proof")
    REPRINT = "reprint", _("reprint part")


class JobOutput(models.Model):
    """One vault blob a production attempt made. Visible only once its attempt finished (the job is produced)."""

    job = models.ForeignKey(Job, on_delete=models.PROTECT, related_name="outputs")
    attempt = models.PositiveIntegerField()
    kind = models.CharField(max_length=16, choices=OutputKind.choices)
    index = models.PositiveIntegerField(default=0)
    blob = models.OneToOneField("vault.Blob", on_delete=models.PROTECT, related_name="job_output")
    pages = models.PositiveIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["job", "attempt", "kind", "index"]
        constraints = [
            models.UniqueConstraint(fields=["job", "attempt", "kind", "index"], name="joboutput_unique_per_attempt")
        ]
