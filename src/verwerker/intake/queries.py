"""Reads of the intake app, and the login decision for SFTP accounts."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth.hashers import check_password, make_password
from django.db.models import Q, QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from verwerker.accounts.scoping import access, scoped
from verwerker.audit.events import EventType
from verwerker.audit.models import AuditEvent
from verwerker.clients.models import Client
from verwerker.clients.queries import agreements_in_force, get_active_agreement
from verwerker.intake import policy
from verwerker.intake.models import Ban, BanScope, OutboxFile, SftpAccount, Upload, UploadState
from verwerker.vault.models import BlobState

# Checked against when the username is unknown, so a wrong username costs as long as a wrong password.
_DUMMY_HASH = None


def get_account_by_username(username: str) -> SftpAccount | None:
    return SftpAccount.objects.select_related("client").filter(username=username).first()


def active_ban(*, address: str, account: SftpAccount | None = None) -> Ban | None:
    """The ban in force that refuses every login from ``address`` (to ``account``), if any."""
    q = Q(scope=BanScope.ADDRESS, address=address)
    if account is not None:
        q |= Q(scope=BanScope.PAIR, address=address, account=account)
    return Ban.objects.filter(q, lifted_at__isnull=True, until__gt=timezone.now()).order_by("-until").first()


def password_locked(account: SftpAccount | None) -> bool:
    """True while the account's password logins are locked (key logins are not affected)."""
    if account is None:
        return False
    return Ban.objects.filter(
        scope=BanScope.ACCOUNT, account=account, lifted_at__isnull=True, until__gt=timezone.now()
    ).exists()


def login_refusal(account: SftpAccount | None, address: str) -> str | None:
    """Why this account may not log in from ``address`` now (a short reason), or None if it may try."""
    if active_ban(address=address, account=account) is not None:
        return "banned"
    if account is None:
        return None
    if not policy.address_allowed(address, account.networks):
        return "network_not_allowed"
    if get_active_agreement(account.client_id) is None:
        return "no_agreement"
    return None


def password_matches(account: SftpAccount | None, password: str) -> bool:
    """Check ``password`` against the account's hash (Argon2); a constant-cost no for unknown accounts."""
    global _DUMMY_HASH
    if account is None or not account.password_login_enabled or not account.password_hash:
        if _DUMMY_HASH is None:
            _DUMMY_HASH = make_password("dummy password for timing")
        check_password(password, _DUMMY_HASH)
        return False
    return check_password(password, account.password_hash)


# An upload still receiving after this long was left behind by a killed process: its reservation lapses.
RESERVATION_LAPSES = dt.timedelta(hours=24)


def quota_used(client: Client | int, *, exclude: Upload | None = None) -> int:
    """What counts against the client's quota: its completed uploads whose blobs are still stored, plus
    the bytes its uploads still receiving have reserved so far (``exclude``: leave that upload out)."""
    client_id = client.pk if isinstance(client, Client) else client
    counted = Q(state=UploadState.COMPLETED, blob__state=BlobState.STORED) | Q(
        state=UploadState.RECEIVING, started_at__gt=timezone.now() - RESERVATION_LAPSES
    )
    uploads = Upload.objects.filter(counted, client_id=client_id)
    if exclude is not None:
        uploads = uploads.exclude(pk=exclude.pk)
    return uploads.aggregate(total=Sum("size"))["total"] or 0


def list_uploads_for_client(client: Client | int) -> QuerySet[Upload]:
    client_id = client.pk if isinstance(client, Client) else client
    return Upload.objects.filter(client_id=client_id).order_by("-started_at")


def list_live_uploads(client_id: int) -> QuerySet[Upload]:
    """Completed uploads whose blobs are still stored: what ``upload/`` lists."""
    return Upload.objects.filter(
        client_id=client_id, state=UploadState.COMPLETED, blob__state=BlobState.STORED
    ).order_by("-finished_at")


def list_outbox(client_id: int) -> QuerySet[OutboxFile]:
    return OutboxFile.objects.filter(client_id=client_id, blob__state=BlobState.STORED).select_related("blob")


def get_outbox_file(client_id: int, name: str) -> OutboxFile | None:
    return list_outbox(client_id).filter(name=name).first()


def access_upload_for(user, upload_id: int) -> Upload:
    """An upload ``user`` may see: a client user only their own client's; staff with the view right."""
    return access(Upload.objects.select_related("client"), user, "intake.view_upload", upload_id, what="upload")


def outbox_files_visible_to(user) -> QuerySet[OutboxFile]:
    """The files in a client user's outbox (their own client's only); staff are offered none."""
    return scoped(OutboxFile.objects.all(), user, _nobody)


def access_outbox_file_for(user, item_id: int) -> OutboxFile:
    """A file in the client's outbox, for a user of that client only (staff are offered no outbox
    downloads); the same 404 for missing and not-yours."""
    return access(OutboxFile.objects.all(), user, _nobody, item_id, what="file")


def _nobody(user) -> bool:
    return False


def list_bans(*, include_past: bool = False) -> QuerySet[Ban]:
    bans = Ban.objects.select_related("account", "account__client")
    if not include_past:
        bans = bans.filter(lifted_at__isnull=True, until__gt=timezone.now())
    return bans.order_by("-banned_at")


def client_names_of_blobs(blob_ids: list) -> dict:
    """{blob id: the name the client knows} for uploads (the file name sent) and outbox files among these
    blobs, for deletion certificates."""

    names = dict(Upload.objects.filter(blob_id__in=blob_ids).values_list("blob_id", "name"))
    for blob_id, name in OutboxFile.objects.filter(blob_id__in=blob_ids).values_list("blob_id", "name"):
        names.setdefault(blob_id, _("%(name)s in your outbox") % {"name": name})
    return names
def sftp_overview(client: Client) -> dict:
    """What the client's page shows of its SFTP account: keys (fingerprints), recent logins and bans."""
    import asyncssh  # deferred: a heavy import


    account = SftpAccount.objects.filter(client=client).first()
    if account is None:
        return {"account": None, "keys": [], "logins": [], "bans": []}
    keys = []
    for line in account.key_lines:
        try:
            key = asyncssh.import_public_key(line)
            keys.append({"fingerprint": key.get_fingerprint("sha256"), "type": str(key.get_algorithm()),
                         "comment": (key.get_comment() or "")})
        except (asyncssh.KeyImportError, ValueError):
            keys.append({"fingerprint": "", "type": "?", "comment": ""})
    logins = AuditEvent.objects.filter(
        object_type="intake.sftpaccount", object_id=str(account.pk),
        action__in=[EventType.SFTP_LOGIN_SUCCEEDED, EventType.SFTP_LOGIN_FAILED, EventType.SFTP_LOGIN_REFUSED],
    ).order_by("-seq")[:10]
    bans = Ban.objects.filter(account=account).order_by("-banned_at")[:10]
    return {"account": account, "keys": keys, "logins": list(logins), "bans": list(bans),
            "banned_now": any(b.is_active() for b in bans)}


def access_sftp_account_for(user, client_id: int) -> SftpAccount:
    """The SFTP account of a client, for staff who may see accounts; the same 404 for missing and not allowed."""
    return access(SftpAccount.objects.select_related("client"), user, "intake.view_sftpaccount", client_id,
                  client_field=None, field="client_id", what="account")


def clients_without_sftp_account() -> QuerySet[Client]:
    """Clients with an agreement in force but no SFTP account yet: accounts the relation manager issues."""

    return (Client.objects.filter(sftp_account__isnull=True, agreements__in=agreements_in_force())
            .distinct().order_by("name"))


def reports_for_client(client_id: int) -> QuerySet[OutboxFile]:
    """The reject reports and other files still in the client's outbox (not yet shredded), newest first."""
    return OutboxFile.objects.filter(client_id=client_id, blob__state=BlobState.STORED).order_by("-created_at")
