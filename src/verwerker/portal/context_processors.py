"""The client user's portal for the menu (one query, only for client users)."""

from __future__ import annotations


def portal(request) -> dict:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or not getattr(user, "client_id", None):
        return {}
    from verwerker.portal.queries import member_shop_slug  # local: same layer or upward, a cycle at the top

    return {"portal_slug": member_shop_slug(user)}
