"""Clients (the controllers), their contacts, processing agreements and subprocessors."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from verwerker.clients.eea import EEA, is_eea
from verwerker.lib.hostkey import format_host_key_pin, parse_host_key_pin


def _default_retention() -> int:
    return settings.DEFAULT_MAX_RETENTION_DAYS


def _default_breach_hours() -> int:
    return settings.DEFAULT_BREACH_NOTICE_HOURS


class Client(models.Model):
    """A controller (klant) whose data files the house processes."""

    name = models.CharField(_("name"), max_length=200, unique=True)
    # P12: the client's users must pass a second factor while its agreement allows high-risk files.
    second_factor_for_high_risk = models.BooleanField(
        _("client users need a second factor while high-risk files are allowed"), default=True
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["name"]
        verbose_name = _("client")
        verbose_name_plural = _("clients")

    def __str__(self) -> str:
        return self.name


class Contact(models.Model):
    """A person at the client. The designated contact is the one whose instructions count (P07)."""

    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="contacts")
    name = models.CharField(_("name"), max_length=200, blank=True)
    email = models.EmailField(_("e-mail"))
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    is_designated = models.BooleanField(_("designated contact"), default=True)

    class Meta:
        ordering = ["client", "-is_designated", "email"]
        constraints = [
            models.UniqueConstraint(fields=["client", "email"], name="contact_unique_email_per_client")
        ]

    def __str__(self) -> str:
        return f"{self.name or self.email} ({self.client})"


class Subprocessor(models.Model):
    """An external producer that may receive a job (P21). Outside the EU/EEA it may not receive data (P22)."""

    name = models.CharField(_("name"), max_length=200, unique=True)
    country = models.CharField(_("country (ISO 3166 code)"), max_length=2)
    receives_personal_data = models.BooleanField(_("receives personal data"), default=True)
    contact_email = models.EmailField(_("contact e-mail"), blank=True)
    # Where jobs are pushed (production/sftp_push.py). The host key is pinned: the push refuses any
    # other key. Credentials are never stored here, only the path of a file that holds them, so
    # neither the database nor the audit log ever carries a secret.
    sftp_host = models.CharField(_("SFTP host"), max_length=255, blank=True)
    sftp_port = models.PositiveIntegerField(_("SFTP port"), default=22)
    sftp_username = models.CharField(_("SFTP username"), max_length=100, blank=True)
    sftp_directory = models.CharField(_("SFTP directory (empty: the login directory)"), max_length=255, blank=True)
    sftp_host_key = models.CharField(
        _("pinned host key (type and SHA256 fingerprint)"), max_length=200, blank=True,
        help_text=_("as ssh-keygen -lf prints it, e.g. ssh-ed25519 SHA256:abc..."),
    )
    sftp_key_file = models.CharField(_("path of the private key file for the push"), max_length=500, blank=True)
    sftp_password_file = models.CharField(_("path of a file holding the SFTP password"), max_length=500, blank=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            # P22 by construction: the database itself refuses a non-EEA subprocessor that receives data.
            models.CheckConstraint(
                condition=Q(receives_personal_data=False) | Q(country__in=sorted(EEA)),
                name="subprocessor_with_data_in_eea",
                violation_error_message=_(
                    "A subprocessor that receives personal data must be established in the EU/EEA (P22)."
                ),
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.country})"

    def clean(self) -> None:
        self.country = self.country.strip().upper()
        if self.receives_personal_data and not is_eea(self.country):
            raise ValidationError(
                {
                    "country": _(
                        "%(country)s is outside the EU/EEA: a subprocessor there may not receive "
                        "personal data (P22)."
                    )
                    % {"country": self.country}
                }
            )
        if self.sftp_host_key:
            try:
                self.sftp_host_key = format_host_key_pin(*parse_host_key_pin(self.sftp_host_key))
            except ValueError as exc:
                raise ValidationError({"sftp_host_key": str(exc)}) from None

    @property
    def has_sftp_target(self) -> bool:
        return bool(self.sftp_host and self.sftp_username and self.sftp_host_key
                    and (self.sftp_key_file or self.sftp_password_file))

    def sftp_target_label(self) -> str:
        """The push target as a URL, for the audit log and screens (no credential in it)."""
        return f"sftp://{self.sftp_username}@{self.sftp_host}:{self.sftp_port}/{self.sftp_directory.strip('/')}"

    def active_agreement(self, on: dt.date | None = None) -> SubprocessingAgreement | None:
        on = on or timezone.localdate()
        return (
            self.agreements.filter(status=AgreementStatus.ACTIVE, starts_on__lte=on)
            .filter(Q(ends_on__isnull=True) | Q(ends_on__gte=on))
            .first()
        )


class AgreementStatus(models.TextChoices):
    DRAFT = "draft", _("draft")
    ACTIVE = "active", _("active")
    ENDED = "ended", _("ended")


class EndOfService(models.TextChoices):
    """Art. 28(3)(g): at the end of the services, the controller chooses deletion or return."""

    DELETE = "delete", _("delete all personal data")
    RETURN = "return", _("return all personal data, then delete it")


class Agreement(models.Model):
    """A processing agreement (verwerkersovereenkomst) with the Art. 28(3) terms (DOMAIN.md §4.1)."""

    client = models.ForeignKey(Client, on_delete=models.PROTECT, related_name="agreements")
    reference = models.CharField(_("reference"), max_length=100)
    status = models.CharField(
        _("status"), max_length=10, choices=AgreementStatus.choices, default=AgreementStatus.DRAFT
    )
    starts_on = models.DateField(_("starts on"), default=timezone.localdate)
    ends_on = models.DateField(_("ends on"), null=True, blank=True)
    subject = models.TextField(_("subject matter"))
    nature_and_purpose = models.TextField(_("nature and purpose"))
    data_types = models.TextField(_("types of personal data"))
    data_subject_categories = models.TextField(_("categories of data subjects"))
    max_retention_days = models.PositiveIntegerField(
        _("maximum retention of data files (days)"), default=_default_retention
    )
    breach_notice_hours = models.PositiveIntegerField(
        _("breach notice deadline (hours)"), default=_default_breach_hours
    )
    high_risk_allowed = models.BooleanField(_("high-risk files allowed"), default=False)
    high_risk_measures = models.TextField(_("extra measures for high-risk files"), blank=True)
    subprocessors = models.ManyToManyField(
        Subprocessor, blank=True, related_name="client_agreements", verbose_name=_("allowed subprocessors")
    )
    # The rest of Art. 28(3) (DOMAIN.md §4.1): instructions, security, end of service, breach contact.
    instructions = models.TextField(_("documented instructions (incl. transfers)"), blank=True)
    security_measures = models.TextField(_("security measures (Art. 32) or annex reference"), blank=True)
    end_of_service = models.CharField(
        _("at the end of the service"), max_length=10, choices=EndOfService.choices, default=EndOfService.DELETE
    )
    breach_contact = models.EmailField(_("breach notices go to"), blank=True)
    # Versions: an amendment is a new agreement that supersedes this one from its start date.
    version = models.PositiveIntegerField(_("version"), default=1)
    supersedes = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="amendments",
        verbose_name=_("supersedes"),
    )
    # High-risk terms take effect only after the privacy officer approved them.
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["client", "-starts_on"]
        constraints = [
            models.UniqueConstraint(fields=["client", "reference"], name="agreement_unique_reference"),
            models.CheckConstraint(
                condition=Q(ends_on__isnull=True) | Q(ends_on__gte=models.F("starts_on")),
                name="agreement_ends_after_start",
            ),
            models.CheckConstraint(condition=Q(max_retention_days__gte=1), name="agreement_retention_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.client} / {self.reference}"

    def is_in_force(self, on: dt.date | None = None) -> bool:
        on = on or timezone.localdate()
        return (
            self.status == AgreementStatus.ACTIVE
            and self.starts_on <= on
            and (self.ends_on is None or self.ends_on >= on)
        )

    @property
    def needs_approval(self) -> bool:
        """High-risk terms wait for the privacy officer before the agreement may be activated."""
        return self.high_risk_allowed and self.approved_at is None


class SubprocessingAgreement(models.Model):
    """The subprocessor's own agreement with the house (Art. 28(4))."""

    subprocessor = models.ForeignKey(Subprocessor, on_delete=models.PROTECT, related_name="agreements")
    reference = models.CharField(_("reference"), max_length=100)
    status = models.CharField(
        _("status"), max_length=10, choices=AgreementStatus.choices, default=AgreementStatus.DRAFT
    )
    starts_on = models.DateField(_("starts on"), default=timezone.localdate)
    ends_on = models.DateField(_("ends on"), null=True, blank=True)

    class Meta:
        ordering = ["subprocessor", "-starts_on"]

    def __str__(self) -> str:
        return f"{self.subprocessor} / {self.reference}"


class SubprocessorUser(models.Model):
    """Binds a login (a staff account with the ``subprocessor`` role) to one subprocessor: that user
    sees and confirms only the jobs delivered to it."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="subprocessor_binding")
    subprocessor = models.ForeignKey(Subprocessor, on_delete=models.PROTECT, related_name="users")
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    def __str__(self) -> str:
        return f"{self.user} @ {self.subprocessor}"
