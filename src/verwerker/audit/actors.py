"""Who did something: the actor recorded with every audit event."""

from __future__ import annotations

from dataclasses import dataclass

from verwerker.audit.events import ActorType


@dataclass(frozen=True)
class Actor:
    type: str
    id: str = ""
    label: str = ""
    ip: str = ""
    client_id: int | None = None

    @classmethod
    def system(cls, component: str = "system") -> Actor:
        return cls(ActorType.SYSTEM, "", component)

    @classmethod
    def for_user(cls, user, ip: str = "") -> Actor:
        if user is None or not user.is_authenticated:
            return cls(ActorType.ANONYMOUS, "", "", ip)
        client_id = getattr(user, "client_id", None)
        kind = ActorType.CLIENT_USER if client_id else ActorType.STAFF
        return cls(kind, str(user.pk), user.get_username(), ip, client_id)

    @classmethod
    def from_request(cls, request) -> Actor:
        return cls.for_user(getattr(request, "user", None), client_ip(request))


def client_ip(request) -> str:
    """The address the request came from; axes resolves proxies the same way when configured."""
    if request is None:
        return ""
    ip = getattr(request, "axes_ip_address", None)
    return ip or request.META.get("REMOTE_ADDR", "")
