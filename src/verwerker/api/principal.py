"""Who an API call acts as: the principal the screens' scoping helpers (``access_*_for``) accept.

A client token behaves as a user of its client (``is_client_user``, ``client_id``); a staff token as
its staff member, limited to the roles the token names: ``has_perm`` holds only for a permission both
the member has and one of those roles grants. So every read goes through the same scoping the screens
use, and a token can never do more than its person.
"""

from __future__ import annotations

from functools import cached_property

from verwerker.accounts.roles import ROLE_PERMISSIONS
from verwerker.api.models import ApiToken, TokenKind
from verwerker.audit.actors import Actor
from verwerker.audit.events import ActorType


class ApiPrincipal:
    is_authenticated = True
    is_anonymous = False
    is_active = True
    is_superuser = False

    def __init__(self, token: ApiToken, ip: str = ""):
        self.token = token
        self.ip = ip

    @property
    def is_staff(self) -> bool:
        return self.token.kind == TokenKind.STAFF

    @property
    def client_id(self) -> int | None:
        return self.token.client_id

    @property
    def client(self):
        return self.token.client

    @property
    def is_client_user(self) -> bool:
        return self.token.kind == TokenKind.CLIENT

    @property
    def user(self):
        """The staff member a staff token acts for (None for a client token)."""
        return self.token.user

    @property
    def pk(self):
        return self.token.user_id

    def get_username(self) -> str:
        return self.token.user.get_username() if self.is_staff else f"vw_{self.token.prefix}"  # type: ignore[union-attr]

    @cached_property
    def _granted(self) -> frozenset[str]:
        return frozenset(p for role in self.token.roles for p in ROLE_PERMISSIONS.get(role, ()))

    def has_perm(self, perm: str, obj=None) -> bool:
        if not self.is_staff or not self.token.user.is_active:  # type: ignore[union-attr]
            return False
        return perm in self._granted and self.token.user.has_perm(perm)  # type: ignore[union-attr]

    def has_role(self, role: str) -> bool:
        return self.is_staff and role in self.token.roles and self.token.user.has_role(role)  # type: ignore[union-attr]

    @property
    def actor(self) -> Actor:
        if self.is_staff:
            user = self.token.user
            return Actor(ActorType.STAFF, str(user.pk), f"{user.get_username()} (API vw_{self.token.prefix})", self.ip)  # type: ignore[union-attr]
        return Actor(
            ActorType.CLIENT_USER,
            f"api:{self.token.prefix}",
            f"API vw_{self.token.prefix}",
            self.ip,
            self.token.client_id,
        )
