"""Intake: per-client SFTP accounts, login failures and bans, uploads, and the outbox."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class SftpAccount(models.Model):
    """The one SFTP account of a client (P13). It works only while the client has an agreement in force.

    The password is stored only as a Django (Argon2) hash; NULL means no password is set.
    ``public_keys`` holds OpenSSH authorized-key lines, ``allowed_networks`` CIDRs (empty: any address).
    """

    client = models.OneToOneField(
        "clients.Client", on_delete=models.PROTECT, related_name="sftp_account", verbose_name=_("client")
    )
    username = models.CharField(_("username"), max_length=64, unique=True)
    password_hash = models.CharField(max_length=255, null=True, blank=True, editable=False)
    password_login_enabled = models.BooleanField(_("password login enabled"), default=True)
    public_keys = models.TextField(_("public keys (OpenSSH format)"), blank=True)
    allowed_networks = models.TextField(_("allowed source networks"), blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    issued_at = models.DateTimeField(_("issued at"), default=timezone.now)
    issued_by = models.CharField(_("issued by"), max_length=200, blank=True)

    class Meta:
        ordering = ["username"]
        verbose_name = _("SFTP account")
        verbose_name_plural = _("SFTP accounts")

    def __str__(self) -> str:
        return self.username

    @property
    def networks(self) -> list[str]:
        return [n for n in self.allowed_networks.split() if n]

    @property
    def key_lines(self) -> list[str]:
        return [line for line in self.public_keys.splitlines() if line.strip()]


class LoginFailure(models.Model):
    """One failed SFTP login, kept to count towards bans (per address and per account)."""

    at = models.DateTimeField(default=timezone.now, db_index=True)
    address = models.GenericIPAddressField(unpack_ipv4=True)
    account = models.ForeignKey(SftpAccount, on_delete=models.CASCADE, null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["address", "at"])]


class BanScope(models.TextChoices):
    # A ban targets the attacker: an address, or one account from one address, refuses every login
    # method. The account-wide scope only locks password logins, so strangers guessing from many
    # addresses cannot lock a client's key-based transfers out.
    ADDRESS = "address", _("source address")
    PAIR = "pair", _("account from this address")
    ACCOUNT = "account", _("password logins of the account")


class Ban(models.Model):
    """SFTP logins refused until ``until`` (or until lifted): all of them from an address, all of them
    to an account from an address, or the password logins of an account from everywhere."""

    scope = models.CharField(_("scope"), max_length=10, choices=BanScope.choices)
    address = models.GenericIPAddressField(_("address"), unpack_ipv4=True, null=True, blank=True)
    account = models.ForeignKey(
        SftpAccount, on_delete=models.CASCADE, null=True, blank=True, verbose_name=_("account")
    )
    level = models.PositiveIntegerField(_("earlier bans"), default=0)
    banned_at = models.DateTimeField(_("banned at"), default=timezone.now)
    until = models.DateTimeField(_("until"))
    failures = models.PositiveIntegerField(_("failed logins"), default=0)
    lifted_at = models.DateTimeField(_("lifted at"), null=True, blank=True)
    lifted_by = models.CharField(_("lifted by"), max_length=200, blank=True)

    class Meta:
        ordering = ["-banned_at"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(scope="address", address__isnull=False)
                    | Q(scope="pair", address__isnull=False, account__isnull=False)
                    | Q(scope="account", account__isnull=False)
                ),
                name="ban_has_subject",
            )
        ]

    def is_active(self, now=None) -> bool:
        return self.lifted_at is None and self.until > (now or timezone.now())


class UploadChannel(models.TextChoices):
    SFTP = "sftp", "SFTP"
    WEB = "web", _("web")
    API = "api", "API"


class UploadState(models.TextChoices):
    RECEIVING = "receiving", _("receiving")
    COMPLETED = "completed", _("completed")
    ABORTED = "aborted", _("aborted")
    REFUSED = "refused", _("refused")


# What a person reads for an upload's reason: Upload.reason holds the code (policy.Refusal's, or why it was
# aborted), as the audit log and the API do.
UPLOAD_REASONS = {
    "no_agreement": _("no processing agreement in force"), "not_client": _("only a client's users can send files"),
    "quota": _("quota used up"), "too_large": _("file too large"), "extension": _("file type not accepted"),
    "bad_name": _("file name not accepted"), "bad_encoding": _("path not valid UTF-8"),
    "bad_path": _("path not accepted"), "traversal": _("path outside the home directory"),
    "outside_home": _("path outside the home directory"), "rewrite": _("data written twice"),
    "out_of_order": _("writes out of order"), "interrupted": _("interrupted"), "checksum": _("checksum does not match"),
    "vault_unavailable": _("vault unavailable"), "commit_failed": _("storing failed"),
    "abandoned": _("left unfinished"),
}


def upload_reason_label(code: str) -> str:
    """An upload's reason as a person reads it, in the active language; an unknown code as it is."""
    return str(UPLOAD_REASONS.get(code, code))


class Upload(models.Model):
    """One file arriving from a client, over SFTP or the web, bound to the client and its agreement (P09).

    Only a COMPLETED upload holds a stored blob and may enter the pipeline; an aborted or refused one
    had its partial ciphertext shredded. ``name`` is for display only and never goes to the audit log.
    """

    client = models.ForeignKey("clients.Client", on_delete=models.PROTECT, related_name="uploads")
    agreement = models.ForeignKey("clients.Agreement", on_delete=models.PROTECT, related_name="uploads")
    channel = models.CharField(_("channel"), max_length=10, choices=UploadChannel.choices)
    account = models.ForeignKey(SftpAccount, on_delete=models.SET_NULL, null=True, blank=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True)
    source_ip = models.GenericIPAddressField(unpack_ipv4=True, null=True, blank=True)
    name = models.CharField(_("file name"), max_length=255)
    state = models.CharField(_("state"), max_length=10, choices=UploadState.choices, default=UploadState.RECEIVING)
    size = models.BigIntegerField(_("size (bytes)"), default=0)
    blob = models.OneToOneField(
        "vault.Blob", on_delete=models.PROTECT, null=True, blank=True, related_name="upload"
    )
    reason = models.CharField(_("reason"), max_length=40, blank=True)
    started_at = models.DateTimeField(_("started at"), default=timezone.now)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    received_at = models.DateTimeField(_("received at"), null=True, blank=True)

    class Meta:
        ordering = ["-started_at"]
        indexes = [models.Index(fields=["client", "state"])]

    def __str__(self) -> str:
        return f"{self.client_id}/{self.name}"

    @property
    def reason_label(self) -> str:
        return upload_reason_label(self.reason)


class OutboxFile(models.Model):
    """A file the system puts out for the client (reject report, certificate): readable in ``outbox/``."""

    client = models.ForeignKey("clients.Client", on_delete=models.PROTECT, related_name="outbox_files")
    name = models.CharField(_("file name"), max_length=200)
    blob = models.OneToOneField("vault.Blob", on_delete=models.PROTECT, related_name="outbox_file")
    created_at = models.DateTimeField(default=timezone.now)
    downloaded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [models.UniqueConstraint(fields=["client", "name"], name="outbox_unique_name_per_client")]
