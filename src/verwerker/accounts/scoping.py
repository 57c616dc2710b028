"""The one place tenant scoping happens: which rows of a queryset a user may see (STYLE.md: access_*_for).

A client user sees only their own client's rows (``client_field`` names the column holding the client's
id; ``None`` for rows no client user may see); staff see all rows when ``perm`` allows it (a permission
name, or a predicate on the user for role checks); everyone else sees none. ``access`` gives one row or
the same 404 for "missing" and "not yours", so a client cannot learn that another client's id exists.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.db.models import Model, QuerySet
from django.http import Http404

M = TypeVar("M", bound=Model)
Perm = str | Callable[[Any], bool]


def _allowed(user: Any, perm: Perm) -> bool:
    return perm(user) if callable(perm) else bool(user.has_perm(perm))


def scoped(queryset: QuerySet[M], user: Any, perm: Perm, *, client_field: str | None = "client_id") -> QuerySet[M]:
    """The rows of ``queryset`` that ``user`` may see (see the module's docstring)."""
    if not getattr(user, "is_authenticated", False):
        return queryset.none()
    if user.is_client_user:
        if client_field is None:
            return queryset.none()
        return queryset.filter(**{client_field: user.client_id})
    return queryset if _allowed(user, perm) else queryset.none()


def access(
    queryset: QuerySet[M], user: Any, perm: Perm, pk: Any, *, client_field: str | None = "client_id",
    field: str = "pk", what: str = "object",
) -> M:
    """The row of ``queryset`` with ``field`` = ``pk`` if ``user`` may see it; raises Http404 ("no such
    <what>") alike for a missing row, another client's, a malformed id and a user without the right."""
    try:
        return scoped(queryset, user, perm, client_field=client_field).get(**{field: pk})
    except (ObjectDoesNotExist, ValidationError, ValueError, TypeError):
        raise Http404(f"no such {what}") from None
