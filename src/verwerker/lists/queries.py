"""Reads of saved filters: a person sees only their own."""

from __future__ import annotations

from django.db.models import QuerySet

from verwerker.lists.models import SavedFilter


def saved_filters_for(user, view: str) -> QuerySet[SavedFilter]:
    return SavedFilter.objects.filter(user=user, view=view).order_by("name")
