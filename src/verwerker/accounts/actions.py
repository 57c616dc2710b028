"""Writes of the accounts app: every one atomic, every one audited."""

from __future__ import annotations

from collections.abc import Iterable

from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.db import transaction
from django_otp.plugins.otp_totp.models import TOTPDevice

from verwerker.accounts.models import User
from verwerker.accounts.roles import Role
from verwerker.audit.actions import do_record_event
from verwerker.audit.actors import Actor
from verwerker.audit.events import EventType
from verwerker.clients.models import Client
from verwerker.lib.passwords import generate_password


def _set_roles(user: User, roles: Iterable[str]) -> list[str]:
    roles = sorted(set(roles))
    unknown = [r for r in roles if r not in Role.values]
    if unknown:
        raise ValidationError(f"unknown role(s): {', '.join(unknown)}")
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
    if User.objects.filter(username__iexact=username).exists():
        raise ValidationError(f"username {username!r} is taken")
    password = generate_password()
    user = User(username=username, email=email, is_staff=True, is_superuser=superuser, must_change_password=True)
    user.set_password(password)
    user.save()
    granted = _set_roles(user, roles)
    do_record_event(EventType.USER_CREATED, actor=actor, obj=user, details={"kind": "staff", "roles": granted})
    return user, password


@transaction.atomic
def do_create_client_user(client: Client, username: str, *, email: str, actor: Actor) -> tuple[User, str]:
    """Create a user of ``client`` (on the client's request, P05/P13) with a one-time password."""
    if User.objects.filter(username__iexact=username).exists():
        raise ValidationError(f"username {username!r} is taken")
    password = generate_password()
    user = User(username=username, email=email, client=client, must_change_password=True)
    user.set_password(password)
    user.save()
    do_record_event(
        EventType.USER_CREATED, actor=actor, client_id=client.pk, obj=user, details={"kind": "client_user"}
    )
    return user, password


@transaction.atomic
def do_set_roles(user: User, roles: Iterable[str], *, actor: Actor) -> None:
    """Replace a staff user's roles. Raises ValidationError for client users and unknown roles."""
    if not user.is_staff:
        raise ValidationError("only staff have roles")
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
