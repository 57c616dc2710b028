"""Reads of the accounts app: the people list, one person, and who must pass a second factor (P12)."""

from __future__ import annotations

from django.db.models import Q, QuerySet, Sum

from verwerker.accounts.models import User
from verwerker.accounts.roles import Role
from verwerker.accounts.scoping import access


def list_users(
    *, search: str = "", role: str = "", state: str = "", client_id: int | str | None = None
) -> QuerySet[User]:
    """Users for the administrator's list, filtered by a search term, a role, active/inactive and client.

    ``role`` is a staff role, or ``client`` for client users.
    """
    users = User.objects.select_related("client").prefetch_related("groups").order_by("username")
    if search:
        users = users.filter(Q(username__icontains=search) | Q(email__icontains=search))
    if role == "client":
        users = users.filter(client__isnull=False)
    elif role in Role.values:
        users = users.filter(is_staff=True, groups__name=role)
    if state == "active":
        users = users.filter(is_active=True)
    elif state == "inactive":
        users = users.filter(is_active=False)
    if client_id:
        users = users.filter(client_id=client_id)
    return users.distinct()


def access_user_for(user, user_id: int) -> User:
    """A user account the administrator may manage; the same 404 for missing and not allowed."""
    return access(User.objects.select_related("client"), user, _manages_staff, user_id, client_field=None,
                  what="user")


def _manages_staff(user) -> bool:
    return bool(user.is_staff and user.has_perm("accounts.manage_staff"))


def failed_logins(username: str) -> int:
    """Failed login attempts still counted towards a lockout for ``username`` (django-axes)."""
    from axes.models import AccessAttempt  # deferred: a heavy import

    return AccessAttempt.objects.filter(username=username).aggregate(n=Sum("failures_since_start"))["n"] or 0


def has_second_factor(user) -> bool:
    """A confirmed device of any kind django-otp knows (TOTP is the one the house enrols)."""
    from django_otp import user_has_device  # deferred: a heavy import

    return user_has_device(user, confirmed=True)


def second_factor_required(user) -> bool:
    """Staff always; a client user once enrolled, or while the client asks it for high-risk files (P12)."""
    if user.is_staff:
        return True
    if not user.is_client_user:
        return False
    if has_second_factor(user):
        return True
    if not user.client.second_factor_for_high_risk:
        return False
    from verwerker.clients.queries import get_active_agreement  # local: same layer or upward, a cycle at the top

    agreement = get_active_agreement(user.client_id)
    return bool(agreement and agreement.high_risk_allowed)


def privacy_officer_emails() -> list[str]:
    """The addresses of the active privacy officers (staff with the privacy role), for notices to them."""
    return list(
        User.objects.filter(is_active=True, is_staff=True, groups__name=Role.PRIVACY)
        .exclude(email="")
        .values_list("email", flat=True)
        .distinct()
    )
