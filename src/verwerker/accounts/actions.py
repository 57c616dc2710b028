"""Writes of the accounts app: every one atomic, every one audited."""

from __future__ import annotations

from collections.abc import Iterable

from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils.translation import gettext_lazy as _lazy
from django_otp.plugins.otp_totp.models import TOTPDevice

from verwerker.accounts.models import User
from verwerker.accounts.roles import Role
from verwerker.audit.actions import do_record_event
from verwerker.audit.actors import Actor
from verwerker.audit.events import ActorType, EventType
from verwerker.clients.models import Client
from verwerker.lib.passwords import generate_password


def _check_new_user(username: str, email: str) -> None:
    """Refuse a username Django would not accept, a taken one, or a malformed e-mail (one-line reasons)."""

    if not username or len(username) > 150:
        raise ValidationError(_lazy("a username has 1 to 150 characters"))
    try:
        User.username_validator(username)
    except ValidationError:
        raise ValidationError(
            _lazy("username '%(username)s' may hold only letters, digits and @ . + - _"),
            params={"username": username},
        ) from None
    if User.objects.filter(username__iexact=username).exists():
        raise ValidationError(_lazy("username '%(username)s' is taken"), params={"username": username})
    if email:
        try:
            validate_email(email)
        except ValidationError:
            raise ValidationError(_lazy("'%(email)s' is not an e-mail address"), params={"email": email}) from None


def _active_admins():
    return User.objects.filter(is_active=True, is_staff=True, groups__name=Role.ADMIN)


def _set_roles(user: User, roles: Iterable[str]) -> list[str]:
    roles = sorted(set(roles))
    unknown = [r for r in roles if r not in Role.values]
    if unknown:
        raise ValidationError(_lazy("unknown role(s): %(roles)s"), params={"roles": ", ".join(unknown)})
    user.groups.set(Group.objects.filter(name__in=roles))
    return roles


@transaction.atomic
def do_create_staff_user(
    username: str, *, email: str = "", roles: Iterable[str], actor: Actor, superuser: bool = False
) -> tuple[User, str]:
    """Create a staff account with a one-time password (returned, shown once, stored only hashed).

    The user must change the password at first login and enrol a second factor. Raises ValidationError
    for an unknown role or a taken username.
    """
    _check_new_user(username, email)
    if not set(roles):
        raise ValidationError(_lazy("a staff user needs at least one role"))
    password = generate_password()
    user = User(username=username, email=email, is_staff=True, is_superuser=superuser, must_change_password=True)
    user.set_password(password)
    user.save()
    granted = _set_roles(user, roles)
    do_record_event(EventType.USER_CREATED, actor=actor, obj=user, details={"kind": "staff", "roles": granted})
    return user, password


@transaction.atomic
def do_create_client_user(
    client: Client, username: str, *, email: str, actor: Actor, request_reference: str = "", requested_by=None
) -> tuple[User, str]:
    """Create a user of ``client`` on the client's request (P05) with a one-time password.

    ``request_reference`` names the request (a ticket, a letter) and ``requested_by`` the designated
    contact who made it (P07); both are kept on the user and in the audit event. Raises
    ValidationError for a bad or taken username, or a contact who is not the client's designated one.
    """
    _check_new_user(username, email)
    if requested_by is not None and (requested_by.client_id != client.pk or not requested_by.is_designated):
        raise ValidationError(_lazy("the request must come from a designated contact of this client (P07)"))
    password = generate_password()
    user = User(
        username=username, email=email, client=client, must_change_password=True,
        request_reference=request_reference.strip()[:100], requested_by=requested_by,
    )
    user.set_password(password)
    user.save()
    do_record_event(
        EventType.USER_CREATED, actor=actor, client_id=client.pk, obj=user,
        details={"kind": "client_user", "request": user.request_reference,
                 "requested_by_contact": requested_by.pk if requested_by else None},
    )
    return user, password


@transaction.atomic
def do_set_roles(user: User, roles: Iterable[str], *, actor: Actor) -> None:
    """Replace a staff user's roles. Raises ValidationError for client users and unknown roles."""
    if not user.is_staff:
        raise ValidationError(_lazy("only staff have roles"))
    roles = set(roles)
    if not roles:
        raise ValidationError(_lazy("a staff user needs at least one role"))
    if Role.ADMIN not in roles and user.is_active and not _active_admins().exclude(pk=user.pk).exists():
        raise ValidationError(_lazy("this is the last active administrator: give another person the role first"))
    granted = _set_roles(user, roles)
    do_record_event(EventType.USER_ROLES_CHANGED, actor=actor, obj=user, details={"roles": granted})


def do_bootstrap_admin(username: str = "admin") -> str | None:
    """On first start, create the administrator if no staff exists; return its password (shown once)."""
    with transaction.atomic():
        if User.objects.filter(is_staff=True).exists():
            return None
        _user, password = do_create_staff_user(
            username, roles=[Role.ADMIN], actor=Actor.system("first start")
        )
        do_record_event(EventType.ADMIN_BOOTSTRAPPED, actor=Actor.system("first start"), obj=_user)
    return password


@transaction.atomic
def do_change_password(user: User, new_password: str, *, actor: Actor) -> None:
    """Set a new password (already validated by the form) and lift the must-change flag."""
    user.set_password(new_password)
    user.must_change_password = False
    user.save(update_fields=["password", "must_change_password"])
    do_record_event(EventType.PASSWORD_CHANGED, actor=actor, obj=user)


@transaction.atomic
def do_confirm_otp_device(device: TOTPDevice, *, actor: Actor) -> None:
    """Mark a TOTP device confirmed after the user proved it with a valid token; drop other pending ones."""
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    TOTPDevice.objects.filter(user=device.user, confirmed=False).exclude(pk=device.pk).delete()
    do_record_event(EventType.OTP_DEVICE_CONFIRMED, actor=actor, obj=device.user)


@transaction.atomic
def do_reset_second_factor(user: User, *, actor: Actor) -> int:
    """Remove the user's second-factor devices: at the next login they enrol a new one (P12).

    A session verified with a removed device is no longer verified. Returns the number removed.
    """
    removed, _detail = TOTPDevice.objects.filter(user=user).delete()
    do_record_event(
        EventType.USER_SECOND_FACTOR_RESET, actor=actor, client_id=user.client_id, obj=user,
        details={"devices_removed": removed},
    )
    return removed


@transaction.atomic
def do_deactivate_user(user: User, *, actor: Actor) -> None:
    """Stop a user from logging in (the account and its history stay). Raises ValidationError for the
    last active administrator, or an account deactivating itself."""
    user = User.objects.select_for_update().get(pk=user.pk)
    if not user.is_active:
        raise ValidationError(_lazy("%(user)s is already deactivated"), params={"user": user.username})
    if actor.type == ActorType.STAFF and actor.id == str(user.pk):
        raise ValidationError(_lazy("you cannot deactivate your own account"))
    if user.has_role(Role.ADMIN) and not _active_admins().exclude(pk=user.pk).exists():
        raise ValidationError(_lazy("this is the last active administrator"))
    user.is_active = False
    user.save(update_fields=["is_active"])
    do_record_event(EventType.USER_DEACTIVATED, actor=actor, client_id=user.client_id, obj=user)


@transaction.atomic
def do_reactivate_user(user: User, *, actor: Actor) -> None:
    """Let a deactivated user log in again. Raises ValidationError if the account is active."""
    user = User.objects.select_for_update().get(pk=user.pk)
    if user.is_active:
        raise ValidationError(_lazy("%(user)s is active"), params={"user": user.username})
    user.is_active = True
    user.save(update_fields=["is_active"])
    do_record_event(EventType.USER_REACTIVATED, actor=actor, client_id=user.client_id, obj=user)
