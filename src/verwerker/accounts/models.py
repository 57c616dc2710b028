"""Users: staff with roles (groups), and client users bound to exactly one client."""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class User(AbstractUser):
    """A person who logs in. Staff (``is_staff``) work for the house; client users belong to one client.

    A client user can never be staff and never a superuser: the database refuses the combination, so
    tenant isolation cannot be undone by ticking a box.
    """

    client = models.ForeignKey(
        "clients.Client",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="users",
        verbose_name=_("client"),
    )
    must_change_password = models.BooleanField(_("must change password at next login"), default=False)
    # P05: a client user exists only at the client's request, through a designated contact (P07).
    request_reference = models.CharField(_("reference of the client's request"), max_length=100, blank=True)
    requested_by = models.ForeignKey(
        "clients.Contact", on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("requested by (contact)"),
    )

    class Meta(AbstractUser.Meta):
        swappable = "AUTH_USER_MODEL"
        constraints = [
            models.CheckConstraint(
                condition=Q(client__isnull=True) | Q(is_staff=False, is_superuser=False),
                name="client_user_is_not_staff",
            ),
            models.CheckConstraint(
                condition=Q(client__isnull=False) | Q(is_staff=True),
                name="user_is_staff_or_client",
            ),
        ]
        permissions = [
            ("manage_staff", "Create staff accounts and assign roles"),
            ("manage_client_users", "Create client users on the client's request"),
        ]

    @property
    def is_client_user(self) -> bool:
        return self.client_id is not None

    def has_role(self, role: str) -> bool:
        return self.is_staff and self.groups.filter(name=role).exists()
