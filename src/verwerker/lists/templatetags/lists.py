"""Template tags for list screens: sortable column headers (see verwerker.lists.listing)."""

from __future__ import annotations

from django import template
from django.utils.html import format_html

from verwerker.lists.listing import ListResult

register = template.Library()

_ARROWS = {"ascending": "▲", "descending": "▼", "": ""}


@register.simple_tag
def sort_th(result: ListResult, key: str, label: str) -> str:
    """A <th> whose link sorts the list by ``key`` (a key of the list's whitelist) or reverses it."""
    if key not in result.listing.sorts:
        return format_html("<th>{}</th>", label)
    state = result.sort_state(key)
    aria = format_html(' aria-sort="{}"', state) if state else ""
    return format_html('<th{}><a class="sort" href="{}" data-sort="{}">{} <span class="arrow">{}</span></a></th>',
                       aria, result.sort_url(key), key, label, _ARROWS[state])


@register.simple_tag
def list_url(result: ListResult, **changes) -> str:
    """The list's query string with some parameters changed (a filter link that keeps the search)."""
    return result.url(**changes)
