"""The one write path for saved filters. A saved filter is a person's own view preference: no client
data and no effect on anyone else, so, like a language choice, it writes no audit event."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import QueryDict
from django.utils.translation import gettext as _

from verwerker.lists.models import SavedFilter

MAX_PER_LIST = 30
_DROPPED = ("page", "export", "csrfmiddlewaretoken", "name")


def clean_query(query: QueryDict) -> str:
    """The query string worth keeping: without page number, export switch and form bookkeeping."""
    kept = query.copy()
    for key in _DROPPED:
        kept.pop(key, None)
    return kept.urlencode()[:1000]


@transaction.atomic
def do_save_filter(user, *, view: str, name: str, query: QueryDict) -> SavedFilter:
    """Save (or replace, by name) the user's filter for the list ``view``.

    Raises ValidationError for an empty name, an empty filter, or too many filters on one list.
    """
    name = " ".join(name.split())[:80]
    if not name:
        raise ValidationError(_("Give the filter a name."))
    text = clean_query(query)
    if not text:
        raise ValidationError(_("Choose a filter first: there is nothing to save."))
    existing = SavedFilter.objects.filter(user=user, view=view)
    if not existing.filter(name=name).exists() and existing.count() >= MAX_PER_LIST:
        raise ValidationError(_("At most %(n)s saved filters per list; delete one first.") % {"n": MAX_PER_LIST})
    saved, _created = SavedFilter.objects.update_or_create(user=user, view=view, name=name, defaults={"query": text})
    return saved


@transaction.atomic
def do_delete_filter(user, filter_id: int) -> bool:
    """Delete one of the user's own saved filters; False when there is none by that id (or it is another's)."""
    deleted, _rows = SavedFilter.objects.filter(user=user, pk=filter_id).delete()
    return deleted > 0
