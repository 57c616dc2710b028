"""Writes of the intake app: SFTP accounts, logins and bans, uploads, the outbox. Atomic and audited.

Audit details never hold file names or contents (they may be personal data): sizes, extensions,
ids, reasons and key fingerprints only. A username typed at a failed login is not recorded unless it
names an existing account (people type passwords into the username field).
"""

from __future__ import annotations

import datetime as dt
import logging
import secrets

import asyncssh
from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.text import format_lazy, slugify
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from verwerker.accounts.queries import privacy_officer_emails
from verwerker.audit.actions import do_record_event
from verwerker.audit.actors import Actor
from verwerker.audit.events import ActorType, EventType, Outcome
from verwerker.clients.models import Client
from verwerker.clients.queries import get_active_agreement
from verwerker.datafiles.actions import DataFileRefused, do_register_data_file
from verwerker.datafiles.models import DataFile
from verwerker.intake import policy
from verwerker.intake.models import (
    Ban,
    BanScope,
    LoginFailure,
    OutboxFile,
    SftpAccount,
    Upload,
    UploadChannel,
    UploadState,
)
from verwerker.lib.passwords import generate_password
from verwerker.vault import storage
from verwerker.vault.actions import BlobWriter, do_shred_blobs, do_store_blob, open_blob_writer
from verwerker.vault.models import BlobPurpose, DeletionReason

log = logging.getLogger("verwerker.intake")

PASSWORD_LENGTH = 24
# New usernames end in a random suffix so they cannot be guessed from the client's name (no 0/o, 1/l).
USERNAME_SUFFIX_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"
USERNAME_SUFFIX_LENGTH = 4


def sftp_actor(account: SftpAccount, address: str = "") -> Actor:
    """The actor for things an SFTP account does."""
    return Actor(ActorType.SFTP, str(account.pk), account.username, address, account.client_id)


def _username_for(client: Client) -> str:
    """``<slug of the name>-<4 random characters>`` (``woningstichting-aland-7k3q``), unused so far."""
    base = slugify(client.name)[:40].strip("-") or "client"
    while True:
        suffix = "".join(secrets.choice(USERNAME_SUFFIX_ALPHABET) for _i in range(USERNAME_SUFFIX_LENGTH))
        username = f"{base}-{suffix}"
        if not SftpAccount.objects.filter(username=username).exists():
            return username


def parse_public_keys(text: str) -> list[asyncssh.SSHKey]:
    """Parse OpenSSH public keys, one a line. Raises ValidationError naming the first bad line."""
    keys = []
    for number, line in enumerate(text.splitlines(), start=1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        try:
            keys.append(asyncssh.import_public_key(line))
        except (asyncssh.KeyImportError, ValueError) as exc:
            raise ValidationError(
                _lazy("public key line %(number)s is not an OpenSSH public key (%(problem)s)"),
                params={"number": number, "problem": exc},
            ) from None
    if not keys:
        raise ValidationError(_lazy("no public key given"))
    return keys


def _fingerprints(keys) -> list[str]:
    return [k.get_fingerprint("sha256") for k in keys]


@transaction.atomic
def do_issue_sftp_account(
    client: Client, *, actor: Actor, public_key: str | None = None
) -> tuple[SftpAccount, str | None]:
    """Issue (or re-issue) the client's SFTP account; return it and the one-time password (P13).

    Without ``public_key`` a new strong password is generated, stored only as a hash and returned to
    be shown once; any earlier password stops working. With ``public_key`` the key is added and no
    password is set. Raises ValidationError when the client has no agreement in force (P09) or the key
    is not valid.
    """
    agreement = get_active_agreement(client)
    if agreement is None:
        raise ValidationError(
            _lazy("%(client)s has no processing agreement in force; no SFTP account can be issued (P09)"),
            params={"client": client.name},
        )
    keys = parse_public_keys(public_key) if public_key is not None else []
    account = SftpAccount.objects.select_for_update().filter(client=client).first()
    reissued = account is not None
    if account is None:
        account = SftpAccount(client=client, username=_username_for(client))
    password = None
    if keys:
        existing = set(account.key_lines)
        lines = account.key_lines + [
            line for k in keys if (line := k.export_public_key("openssh").decode().strip()) not in existing
        ]
        account.public_keys = "\n".join(lines)
        if not reissued:
            account.password_hash = None
            account.password_login_enabled = False
    else:
        password = generate_password(PASSWORD_LENGTH)
        account.password_hash = make_password(password)
        account.password_login_enabled = True
    account.issued_at = timezone.now()
    account.issued_by = actor.label[:200]
    account.save()
    do_record_event(
        EventType.SFTP_ACCOUNT_ISSUED,
        actor=actor,
        client_id=client.pk,
        obj=account,
        details={
            "reissued": reissued,
            "password": password is not None,
            "keys": _fingerprints(keys),
            "agreement": agreement.pk,
        },
    )
    return account, password


@transaction.atomic
def do_set_public_key(account: SftpAccount, key_text: str, *, actor: Actor, replace: bool = False) -> list[str]:
    """Add (or with ``replace``, set) the account's OpenSSH public keys; return their fingerprints.

    Raises ValidationError for a line that is not a public key.
    """
    keys = parse_public_keys(key_text)
    account = SftpAccount.objects.select_for_update().get(pk=account.pk)
    lines = [] if replace else account.key_lines
    for key in keys:
        line = key.export_public_key("openssh").decode().strip()
        if line not in lines:
            lines.append(line)
    account.public_keys = "\n".join(lines)
    account.save(update_fields=["public_keys"])
    fingerprints = _fingerprints(keys)
    do_record_event(
        EventType.SFTP_PUBLIC_KEY_SET,
        actor=actor,
        client_id=account.client_id,
        obj=account,
        details={"keys": fingerprints, "replaced": replace},
    )
    return fingerprints


@transaction.atomic
def do_remove_public_key(account: SftpAccount, fingerprint: str, *, actor: Actor) -> None:
    """Remove the public key with this SHA-256 fingerprint from the account.

    Raises ValidationError when no key of the account has it, or when it is the last way in (the
    last key while password login is off).
    """
    account = SftpAccount.objects.select_for_update().get(pk=account.pk)
    kept, removed = [], False
    for line in account.key_lines:
        try:
            matches = asyncssh.import_public_key(line).get_fingerprint("sha256") == fingerprint
        except (asyncssh.KeyImportError, ValueError):
            matches = False
        if matches:
            removed = True
        else:
            kept.append(line)
    if not removed:
        raise ValidationError(
            _lazy("%(account)s has no key %(fingerprint)s"),
            params={"account": account.username, "fingerprint": fingerprint},
        )
    if not kept and not (account.password_login_enabled and account.password_hash):
        raise ValidationError(_lazy("this is the account's last way in: re-issue a password or add another key first"))
    account.public_keys = "\n".join(kept)
    account.save(update_fields=["public_keys"])
    do_record_event(EventType.SFTP_PUBLIC_KEY_REMOVED, actor=actor, client_id=account.client_id, obj=account,
                    details={"key": fingerprint})


@transaction.atomic
def do_disable_password_login(account: SftpAccount, *, actor: Actor) -> None:
    """Switch password login off for the account and forget its password hash."""
    SftpAccount.objects.filter(pk=account.pk).update(password_login_enabled=False, password_hash=None)
    account.password_login_enabled, account.password_hash = False, None
    do_record_event(EventType.SFTP_PASSWORD_LOGIN_DISABLED, actor=actor, client_id=account.client_id, obj=account)


@transaction.atomic
def do_set_allowed_networks(account: SftpAccount, text: str, *, actor: Actor) -> list[str]:
    """Restrict logins to these networks (CIDR list; empty allows any). Raises ValidationError."""
    try:
        nets = policy.parse_networks(text)
    except ValueError as exc:
        raise ValidationError(str(exc)) from None
    account.allowed_networks = "\n".join(nets)
    account.save(update_fields=["allowed_networks"])
    do_record_event(
        EventType.SFTP_NETWORKS_SET, actor=actor, client_id=account.client_id, obj=account, details={"networks": nets}
    )
    return nets


def do_record_login(account: SftpAccount, *, address: str, method: str) -> None:
    """Audit a successful SFTP login."""
    do_record_event(
        EventType.SFTP_LOGIN_SUCCEEDED, actor=sftp_actor(account, address), obj=account, details={"method": method}
    )


def do_refuse_login(account: SftpAccount | None, *, address: str, reason: str) -> None:
    """Audit a login refused before any password was checked (banned, outside allow-list, no agreement)."""
    actor = sftp_actor(account, address) if account else Actor(ActorType.ANONYMOUS, "", "sftp", address)
    do_record_event(
        EventType.SFTP_LOGIN_REFUSED,
        actor=actor,
        object_type="intake.sftpaccount",
        object_id=account.pk if account else "",
        outcome=Outcome.REFUSED,
        details={"reason": reason},
    )


def _ban(scope: str, *, address: str | None, account: SftpAccount | None, failures: int, now) -> Ban:
    same = Ban.objects.filter(scope=scope, banned_at__gte=now - dt.timedelta(days=30))
    if scope in (BanScope.ADDRESS, BanScope.PAIR):
        same = same.filter(address=address)
    if scope in (BanScope.PAIR, BanScope.ACCOUNT):
        same = same.filter(account=account)
    level = same.count()
    if scope == BanScope.ACCOUNT:
        # The officer is alerted and decides; the lock does not grow, it holds for the counting window.
        period = dt.timedelta(hours=settings.SFTP_PASSWORD_LOCK_HOURS)
    else:
        period = policy.ban_period(
            level,
            base=dt.timedelta(minutes=settings.SFTP_BAN_MINUTES),
            maximum=dt.timedelta(hours=settings.SFTP_BAN_MAX_HOURS),
        )
    return Ban.objects.create(
        scope=scope, address=address, account=account, level=level, banned_at=now, until=now + period, failures=failures
    )


def _failures_since(filter_q: Q, scope_q: Q, now, *, window: dt.timedelta) -> int:
    # Failures before the end of the last ban (its expiry, or its lifting) were punished already.
    last = Ban.objects.filter(scope_q).order_by("-banned_at").values_list("until", "lifted_at").first()
    since = max(now - window, min(t for t in last if t is not None)) if last else now - window
    return LoginFailure.objects.filter(filter_q, at__gte=since).count()


@transaction.atomic
def do_record_login_failure(*, address: str, account: SftpAccount | None, method: str) -> list[Ban]:
    """Count a failed login; past a threshold ban the attacker, audited. Returns the bans it created.

    VERWERKER_SFTP_FAILURE_LIMIT failures from an address ban the address (every account, every
    method); as many for one account from one address ban that pair. Failures for one account from
    anywhere lock its password logins only, at the much higher VERWERKER_SFTP_PASSWORD_LOCK_LIMIT,
    and the privacy officers are e-mailed (after commit): key logins keep working, so nobody can
    lock a client out by guessing its name. Address and pair bans double with every earlier one of
    the same subject in the last 30 days, up to VERWERKER_SFTP_BAN_MAX_HOURS.
    """
    now = timezone.now()
    LoginFailure.objects.create(at=now, address=address, account=account)
    actor = sftp_actor(account, address) if account else Actor(ActorType.ANONYMOUS, "", "sftp", address)
    do_record_event(
        EventType.SFTP_LOGIN_FAILED,
        actor=actor,
        object_type="intake.sftpaccount",
        object_id=account.pk if account else "",
        outcome=Outcome.FAILURE,
        details={"method": method, "known_account": account is not None},
    )
    bans = []
    limit = settings.SFTP_FAILURE_LIMIT
    window = dt.timedelta(minutes=settings.SFTP_BAN_MINUTES)
    by_address = _failures_since(Q(address=address), Q(scope=BanScope.ADDRESS, address=address), now, window=window)
    if by_address >= limit:
        bans.append(_ban(BanScope.ADDRESS, address=address, account=None, failures=by_address, now=now))
    if account is not None:
        by_pair = _failures_since(
            Q(address=address, account=account), Q(scope=BanScope.PAIR, address=address, account=account), now,
            window=window,
        )
        if by_pair >= limit:
            bans.append(_ban(BanScope.PAIR, address=address, account=account, failures=by_pair, now=now))
        by_account = _failures_since(
            Q(account=account), Q(scope=BanScope.ACCOUNT, account=account), now,
            window=dt.timedelta(hours=settings.SFTP_PASSWORD_LOCK_HOURS),
        )
        if by_account >= settings.SFTP_PASSWORD_LOCK_LIMIT:
            lock = _ban(BanScope.ACCOUNT, address=None, account=account, failures=by_account, now=now)
            bans.append(lock)
            transaction.on_commit(lambda: _alert_password_lock(lock))
    for ban in bans:
        do_record_event(
            EventType.SFTP_BANNED,
            actor=Actor.system("sftpd"),
            client_id=account.client_id if account else None,
            obj=ban,
            details={
                "scope": ban.scope,
                "address": ban.address or "",
                "account": ban.account_id,
                "failures": ban.failures,
                "until": ban.until.isoformat(),
                "earlier_bans": ban.level,
            },
        )
    return bans


def _alert_password_lock(lock: Ban) -> None:
    """E-mail the privacy officers that an account's password logins are locked; audited either way.

    A mail server that is down must not undo the lock: the failure is logged and recorded.
    """

    account = lock.account
    recipients = privacy_officer_emails() or [settings.PRIVACY_CONTACT]
    with translation.override(settings.LANGUAGE_CODE):
        subject = _("[%(house)s] SFTP password logins of %(account)s locked") % {
            "house": settings.HOUSE_NAME, "account": account.username,  # type: ignore[union-attr]
        }
        body = _(
            "%(failures)d failed password logins for the SFTP account %(account)s of %(client)s, from "
            "several addresses, locked its password logins until %(until)s. Key logins keep working. "
            "Check the page SFTP bans and lift the lock once the client has been contacted."
        ) % {
            "failures": lock.failures, "account": account.username, "client": account.client.name,  # type: ignore[union-attr]
            "until": timezone.localtime(lock.until).strftime("%d-%m-%Y %H:%M"),
        }
    try:
        send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, recipients)
        sent = True
    except Exception:
        log.exception("the alert for SFTP password lock %s could not be sent", lock.pk)
        sent = False
    with transaction.atomic():
        do_record_event(
            EventType.SFTP_PASSWORD_LOCK_ALERTED,
            actor=Actor.system("sftpd"),
            client_id=account.client_id,  # type: ignore[union-attr]
            obj=lock,
            outcome=Outcome.SUCCESS if sent else Outcome.FAILURE,
            details={"recipients": len(recipients), "sent": sent},
        )


@transaction.atomic
def do_lift_ban(ban: Ban, *, actor: Actor) -> None:
    """End a ban now (a privacy officer's decision). Raises ValidationError if it was lifted already."""
    ban = Ban.objects.select_for_update().get(pk=ban.pk)
    if ban.lifted_at is not None:
        raise ValidationError(_lazy("this ban was lifted already"))
    ban.lifted_at = timezone.now()
    ban.lifted_by = actor.label[:200]
    ban.save(update_fields=["lifted_at", "lifted_by"])
    # Failures before the lift must not re-ban at the next mistake.
    failures = LoginFailure.objects.filter(at__lte=ban.lifted_at)
    if ban.scope in (BanScope.ADDRESS, BanScope.PAIR):
        failures = failures.filter(address=ban.address)
    if ban.scope in (BanScope.PAIR, BanScope.ACCOUNT):
        failures = failures.filter(account=ban.account)
    failures.delete()
    do_record_event(
        EventType.SFTP_BAN_LIFTED,
        actor=actor,
        client_id=ban.account.client_id if ban.account_id else None,  # type: ignore[union-attr]
        obj=ban,
        details={"scope": ban.scope, "address": ban.address or "", "account": ban.account_id},
    )


def do_refuse_operation(actor: Actor, *, operation: str, reason: str) -> None:
    """Audit an SFTP request refused (outside the home, traversal, forbidden operation)."""
    do_record_event(
        EventType.SFTP_OPERATION_REFUSED,
        actor=actor,
        object_type="intake.sftpaccount",
        object_id=actor.id,
        outcome=Outcome.REFUSED,
        details={"operation": operation, "reason": reason},
    )


def _new_upload(client: Client, agreement, *, channel, name, account, user, source_ip, **state) -> Upload:
    return Upload.objects.create(
        client=client, agreement=agreement, channel=channel, account=account, user=user,
        source_ip=source_ip or None, name=name[:255], **state,
    )


def _refuse_upload(client: Client, agreement, *, channel, name, account, user, source_ip, actor, reason, ext) -> None:
    upload = _new_upload(
        client, agreement, channel=channel, name=name, account=account, user=user, source_ip=source_ip,
        state=UploadState.REFUSED, reason=reason[:40], finished_at=timezone.now(),
    )
    do_record_event(
        EventType.UPLOAD_REFUSED,
        actor=actor,
        client_id=client.pk,
        obj=upload,
        outcome=Outcome.REFUSED,
        details={"channel": channel, "reason": reason, "extension": ext, "size": 0},
    )


def do_open_upload(
    client: Client, *, channel: str, name: str, actor: Actor, account: SftpAccount | None = None, user=None,
    source_ip: str = "",
) -> tuple[Upload, BlobWriter]:
    """Register an upload (do_register_upload) and open the vault writer its bytes stream into, the blob
    bound to the upload. Raises policy.Refusal (recorded); a vault that cannot open a writer aborts the
    upload (recorded) and raises."""
    upload = do_register_upload(
        client, channel=channel, name=name, actor=actor, account=account, user=user, source_ip=source_ip
    )
    try:
        # The blob's display name is the upload's id, not the client's file name (which may be personal).
        writer = open_blob_writer(client=client, purpose=BlobPurpose.UPLOAD, name=f"upload-{upload.pk}", actor=actor)
    except Exception:
        do_abort_upload(upload, None, actor=actor, reason="vault_unavailable")
        raise
    Upload.objects.filter(pk=upload.pk).update(blob=writer.blob)
    upload.blob = writer.blob
    return upload, writer


def do_register_upload(
    client: Client,
    *,
    channel: str,
    name: str,
    actor: Actor,
    account: SftpAccount | None = None,
    user=None,
    source_ip: str = "",
) -> Upload:
    """Start an upload record (state receiving) bound to the client's agreement in force (P09).

    Raises policy.Refusal when the client has no agreement in force, the file type is not accepted or
    the quota is used up; the refusal is recorded (an Upload in state refused, and its audit event).
    """
    from verwerker.intake.queries import quota_used  # local: same layer or upward, a cycle at the top

    agreement = get_active_agreement(client)
    ext = policy.extension_of(name)
    try:
        if agreement is None:
            raise policy.Refusal("no_agreement", _lazy("no processing agreement is in force; files cannot be accepted"))
        policy.check_upload_name(name, settings.UPLOAD_EXTENSIONS)
        if quota_used(client) >= settings.UPLOAD_QUOTA_MB * 1024 * 1024:
            raise policy.Refusal(
                "quota", format_lazy(_lazy("upload quota of {n} MiB is used up"), n=settings.UPLOAD_QUOTA_MB))
    except policy.Refusal as refusal:
        if agreement is not None:
            with transaction.atomic():
                _refuse_upload(
                    client, agreement, channel=channel, name=name, account=account, user=user,
                    source_ip=source_ip, actor=actor, reason=refusal.reason, ext=ext,
                )
        else:
            do_record_event(
                EventType.UPLOAD_REFUSED,
                actor=actor,
                client_id=client.pk,
                object_type="intake.upload",
                outcome=Outcome.REFUSED,
                details={"channel": channel, "reason": refusal.reason, "extension": ext, "size": 0},
            )
        raise
    with transaction.atomic():
        upload = _new_upload(
            client, agreement, channel=channel, name=name, account=account, user=user, source_ip=source_ip
        )
        do_record_event(
            EventType.UPLOAD_STARTED,
            actor=actor,
            client_id=client.pk,
            obj=upload,
            details={"channel": channel, "extension": ext, "agreement": agreement.pk},
        )
    return upload


@transaction.atomic
def do_reserve_upload_bytes(upload: Upload, size: int, *, ahead: int = 0) -> int:
    """Reserve quota for an upload still receiving: it will hold ``size`` bytes before it writes them.
    Returns the bytes now reserved: ``size``, plus up to ``ahead`` more but never more than half the
    room the quota has left (so a stream asks once every few MiB, not for every piece, and a parallel
    upload near the quota still finds room).

    Under a lock on the client's row (SQLite: the write lock its IMMEDIATE transactions take), so
    parallel uploads of one client are counted one after the other and together never pass the quota.
    The reservation is the receiving upload's ``size``; it is not audited (the refusal is). Raises
    policy.Refusal("quota") and reserves nothing when ``size`` bytes would exceed the client's quota.
    """
    from verwerker.intake.queries import quota_used  # local: same layer or upward, a cycle at the top

    Client.objects.select_for_update().filter(pk=upload.client_id).first()
    quota = settings.UPLOAD_QUOTA_MB * 1024 * 1024
    used = quota_used(upload.client_id, exclude=upload)
    policy.check_size(size, max_bytes=size, used_bytes=used, quota_bytes=quota)
    reserved = size + max(0, min(ahead, (quota - used - size) // 2))
    Upload.objects.filter(pk=upload.pk, state=UploadState.RECEIVING).update(size=reserved)
    return reserved


def do_complete_upload(upload: Upload, writer, *, actor: Actor) -> Upload:
    """Commit the upload's blob and mark it completed; enqueue its reception task after commit.

    Raises VaultError if the blob could not be committed (the upload is then aborted).
    """
    from verwerker.intake.tasks import record_upload_received  # local: same layer or upward, a cycle at the top

    try:
        blob = writer.commit()
    except Exception:
        do_abort_upload(upload, writer, actor=actor, reason="commit_failed")
        raise
    with transaction.atomic():
        Upload.objects.filter(pk=upload.pk).update(
            state=UploadState.COMPLETED, size=blob.size, blob=blob, finished_at=timezone.now()
        )
        upload.refresh_from_db()
        do_record_event(
            EventType.UPLOAD_COMPLETED,
            actor=actor,
            client_id=upload.client_id,
            obj=upload,
            details={
                "channel": upload.channel,
                "size": blob.size,
                "sha256": blob.sha256,
                "blob": str(blob.pk),
                "extension": policy.extension_of(upload.name),
            },
        )
        upload_id = upload.pk
        transaction.on_commit(lambda: record_upload_received.enqueue(upload_id))
    return upload


def do_abort_upload(upload: Upload, writer, *, actor: Actor, reason: str, refused: bool = False) -> None:
    """Give up an upload: shred its partial ciphertext (vault) and record it aborted or refused.

    Idempotent for an upload that is no longer receiving.
    """
    size = writer.size if writer is not None else upload.size
    if writer is not None:
        writer.abort(reason)
    with transaction.atomic():
        state = UploadState.REFUSED if refused else UploadState.ABORTED
        updated = Upload.objects.filter(pk=upload.pk, state=UploadState.RECEIVING).update(
            state=state, size=size, reason=reason[:40], finished_at=timezone.now(),
            blob=writer.blob if writer is not None else None,
        )
        if updated:
            do_record_event(
                EventType.UPLOAD_REFUSED if refused else EventType.UPLOAD_ABORTED,
                actor=actor,
                client_id=upload.client_id,
                obj=upload,
                outcome=Outcome.REFUSED if refused else Outcome.FAILURE,
                details={"channel": upload.channel, "reason": reason, "size": size},
            )


@transaction.atomic
def do_record_upload_received(upload_id: int) -> bool:
    """Mark a completed upload as received by the pipeline (until profiling exists). Idempotent.

    Returns True if this call recorded it. Uploads that are not completed are left alone.
    """
    now = timezone.now()
    updated = Upload.objects.filter(pk=upload_id, state=UploadState.COMPLETED, received_at__isnull=True).update(
        received_at=now
    )
    if updated:
        upload = Upload.objects.get(pk=upload_id)
        do_record_event(
            EventType.UPLOAD_RECEIVED,
            actor=Actor.system("intake"),
            client_id=upload.client_id,
            obj=upload,
            details={"size": upload.size, "blob": str(upload.blob_id)},
        )
    return bool(updated)


def do_receive_upload(upload_id: int, *, actor: Actor) -> DataFile | None:
    """Record a completed upload as received and hand its blob to datafiles, the one call between the two
    apps (datafiles profiles it from there). Idempotent: a rerun returns the file registered before.

    Returns None for an upload that is not completed, or that datafiles refused (no agreement in force,
    P09: audited there; the retention purge deletes the upload).
    """
    do_record_upload_received(upload_id)
    upload = Upload.objects.filter(pk=upload_id, state=UploadState.COMPLETED).select_related("blob").first()
    if upload is None or upload.blob is None:
        return None
    try:
        return do_register_data_file(
            upload.blob, name=upload.name, received_at=upload.finished_at or timezone.now(), actor=actor
        )
    except DataFileRefused:
        return None


def do_put_in_outbox(client: Client, name: str, data: bytes, *, actor: Actor, purpose: str = "other") -> OutboxFile:
    """Store ``data`` in the vault and offer it in the client's ``outbox/``. Raises policy.Refusal for a bad name."""

    policy.check_name(name)
    blob = do_store_blob(data, client=client, purpose=purpose, name=name, actor=actor)
    with transaction.atomic():
        item = OutboxFile.objects.create(client=client, name=name, blob=blob)
        do_record_event(
            EventType.OUTBOX_FILE_ADDED, actor=actor, client_id=client.pk, obj=item, details={"size": blob.size}
        )
    return item


def do_record_outbox_download(item: OutboxFile, *, actor: Actor, size: int) -> None:
    """Audit a download from the outbox, with the number of bytes sent."""
    with transaction.atomic():
        OutboxFile.objects.filter(pk=item.pk, downloaded_at__isnull=True).update(downloaded_at=timezone.now())
        do_record_event(
            EventType.OUTBOX_DOWNLOADED,
            actor=actor,
            client_id=item.client_id,
            obj=item,
            details={"size": size, "blob": str(item.blob_id)},
        )


def do_abort_abandoned_uploads(*, idle: dt.timedelta, actor: Actor, now=None) -> int:
    """Uploads left "receiving" by a process that died (SFTP server, web): aborted, and their partial
    ciphertext shredded at once rather than by the 24-hour purge. An upload counts as abandoned when
    its partial file has not grown for ``idle`` (a live upload writes to it all the time). Each is
    claimed with a conditional update, so two sweeps abort it once. Returns how many were aborted."""

    now = now or timezone.now()
    aborted = 0
    for upload in Upload.objects.filter(state=UploadState.RECEIVING, started_at__lt=now - idle):
        if upload.blob_id is not None:
            partial = storage.blob_path(upload.blob_id, partial=True)
            try:
                if partial.stat().st_mtime > (now - idle).timestamp():
                    continue  # still being written
            except FileNotFoundError:
                pass
        with transaction.atomic():
            if not Upload.objects.filter(pk=upload.pk, state=UploadState.RECEIVING).update(
                    state=UploadState.ABORTED, reason="abandoned", finished_at=now):
                continue
            if upload.blob_id is not None:
                do_shred_blobs([upload.blob_id], actor=actor, reason=DeletionReason.ABANDONED_WRITE)
            do_record_event(
                EventType.UPLOAD_ABANDONED, actor=actor, client_id=upload.client_id, obj=upload,
                outcome=Outcome.FAILURE, details={"channel": upload.channel, "reason": "abandoned"},
            )
        aborted += 1
    return aborted


__all__ = [
    "UploadChannel",
    "do_abort_abandoned_uploads",
    "do_abort_upload",
    "do_complete_upload",
    "do_disable_password_login",
    "do_issue_sftp_account",
    "do_lift_ban",
    "do_put_in_outbox",
    "do_record_login",
    "do_record_login_failure",
    "do_record_outbox_download",
    "do_record_upload_received",
    "do_refuse_login",
    "do_refuse_operation",
    "do_register_upload",
    "do_reserve_upload_bytes",
    "do_remove_public_key",
    "do_set_allowed_networks",
    "do_set_public_key",
]
