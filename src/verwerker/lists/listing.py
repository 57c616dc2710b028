"""Search, sort, date filters and paging for every list screen, from one small description per list.

A Django helper, so it cannot live in ``lib`` (which stays framework-free); it is an app of its own
rather than part of accounts or audit because every app's list uses it, and it owns the one model the
lists need (saved filters). The helper never scopes: a view hands it a queryset that is already
scoped to the user (``*_visible_to``, ``access_*_for``), and it only narrows, orders and pages that.

What a user types never reaches ``order_by`` or a field lookup: a sort is a key from the list's own
whitelist (anything else falls back to the default), a filter value must be one of its choices or an
integer, dates must parse, and the search text is only ever a value in ``icontains``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.core.paginator import Page, Paginator
from django.db.models import Q, QuerySet
from django.http import HttpRequest, QueryDict
from django.utils import timezone

MAX_SEARCH = 100  # characters of search text used; more is cut, not refused
MAX_WORDS = 5


Options = Callable[[], Iterable[tuple[Any, Any]]]


@dataclass(frozen=True)
class Filter:
    """An exact-match filter from the query string: ``param`` → ``lookup``, accepted only when valid.

    ``options`` gives the (value, label) pairs offered in a drop-down and is also the whitelist of
    values; without it the value must be an integer id.
    """

    param: str
    lookup: str
    label: Any = ""
    options: Options | None = None
    # Narrows the queryset itself for a value no single lookup expresses (a derived state, say).
    narrow: Callable[[Any, Any], Any] | None = None

    def clean(self, raw: str) -> str | int | None:
        if raw == "":
            return None
        if self.options is None:
            return int(raw) if raw.isdigit() and len(raw) < 19 else None
        return raw if raw in {str(value) for value, _label in self.options()} else None


@dataclass(frozen=True)
class Listing:
    """How one list may be searched, sorted, filtered and paged.

    ``sorts`` maps the key shown in the URL to the field(s) it orders by; ``default_sort`` is a key with
    an optional leading ``-``. ``search`` names the fields the search text is matched in (every word in
    at least one of them). ``date_field`` is the field the from/to dates apply to (local days).
    """

    sorts: Mapping[str, str | tuple[str, ...]]
    default_sort: str
    search: tuple[str, ...] = ()
    date_field: str = ""
    filters: tuple[Filter, ...] = ()
    per_page: int = 50
    distinct: bool = False  # a search field crosses a to-many relation (agreements, contacts): drop repeats

    def __post_init__(self) -> None:
        if self.default_sort.removeprefix("-") not in self.sorts:
            raise ValueError(f"default sort {self.default_sort!r} is not one of the list's sorts")


@dataclass
class ListResult:
    """What a list template needs: the page, and what the user asked for (cleaned), to draw the controls."""

    page: Page
    listing: Listing
    params: QueryDict  # the query string as given, without the page number
    queryset: QuerySet  # everything that matches, ordered (for an export of the whole selection)
    q: str = ""
    sort: str = ""
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    filters: dict[str, Any] = field(default_factory=dict)
    invalid: list[str] = field(default_factory=list)  # params that were given but not accepted

    @property
    def searching(self) -> bool:
        return bool(self.q or self.date_from or self.date_to or self.filters)

    def url(self, **changes: Any) -> str:
        """This list's query string with some parameters changed (None removes one); a new query starts at page 1."""
        params = self.params.copy()
        for key, value in changes.items():
            params.pop(key, None)
            if value not in (None, ""):
                params[key] = str(value)
        return "?" + params.urlencode() if params else "?"

    def sort_url(self, key: str) -> str:
        """The link of a column header: sort by ``key``, or reverse the order when it is the sort already."""
        return self.url(sort=f"-{key}" if self.sort == key else key, page=None)

    def sort_state(self, key: str) -> str:
        """The column ``key``'s order for aria-sort and the arrow: ascending, descending or ""."""
        if self.sort == key:
            return "ascending"
        if self.sort == f"-{key}":
            return "descending"
        return ""

    def page_url(self, number: int) -> str:
        return self.url(page=number)

    @property
    def kept(self) -> list[tuple[str, str]]:
        """Parameters of the page that the search box does not set itself (e.g. "show past bans too"),
        to be carried along as hidden fields when it is submitted."""
        own = {"q", "from", "to", "sort", "page", *(f.param for f in self.listing.filters)}
        return [(key, value) for key in self.params if key not in own for value in self.params.getlist(key)]

    @property
    def selects(self) -> list[dict[str, Any]]:
        """The drop-down filters, for the search box: param, label, (value, label) choices, selected value."""
        return [
            {"param": f.param, "label": f.label, "choices": [(str(v), lab) for v, lab in f.options()],
             "selected": str(self.filters.get(f.param, ""))}
            for f in self.listing.filters if f.options is not None and f.label
        ]


def _words(text: str) -> list[str]:
    return [w for w in text[:MAX_SEARCH].split() if w][:MAX_WORDS]


def _date(raw: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(raw) if raw else None
    except ValueError:
        return None


def _start_of(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def order_fields(listing: Listing, sort: str) -> tuple[str, list[str]]:
    """The sort actually used (a whitelisted key, else the default) and its order_by fields, with the
    primary key last so that pages do not overlap when values are equal."""
    key = sort.removeprefix("-")
    if key not in listing.sorts:
        sort, key = listing.default_sort, listing.default_sort.removeprefix("-")
    descending = sort.startswith("-")
    fields = listing.sorts[key]
    fields = (fields,) if isinstance(fields, str) else fields
    ordering = [("-" if descending else "") + f for f in fields]
    ordering.append("-pk" if descending else "pk")
    return sort, ordering


def apply_listing(request: HttpRequest, queryset: QuerySet, listing: Listing) -> ListResult:
    """Narrow, order and page ``queryset`` (already scoped to the user) by the request's query string."""
    get = request.GET
    params = get.copy()
    params.pop("page", None)
    invalid: list[str] = []

    q = " ".join(_words(get.get("q", "")))
    for word in _words(q):
        match = Q()
        for name in listing.search:
            match |= Q(**{f"{name}__icontains": word})
        queryset = queryset.filter(match)
    if q and listing.distinct:
        queryset = queryset.distinct()

    filters: dict[str, Any] = {}
    for flt in listing.filters:
        raw = get.get(flt.param, "")
        value = flt.clean(raw)
        if value is None:
            if raw:
                invalid.append(flt.param)
            continue
        filters[flt.param] = value
        queryset = flt.narrow(queryset, value) if flt.narrow else queryset.filter(**{flt.lookup: value})

    date_from = date_to = None
    if listing.date_field:
        date_from, date_to = _date(get.get("from", "")), _date(get.get("to", ""))
        invalid += [p for p, v in (("from", date_from), ("to", date_to)) if get.get(p) and v is None]
        if date_from is not None:
            queryset = queryset.filter(**{f"{listing.date_field}__gte": _start_of(date_from)})
        if date_to is not None:
            queryset = queryset.filter(**{f"{listing.date_field}__lt": _start_of(date_to + dt.timedelta(days=1))})

    sort, ordering = order_fields(listing, get.get("sort", ""))
    if get.get("sort") and sort != get.get("sort"):
        invalid.append("sort")
    queryset = queryset.order_by(*ordering)
    page = Paginator(queryset, listing.per_page).get_page(get.get("page"))
    return ListResult(page=page, listing=listing, params=params, queryset=queryset, q=q, sort=sort, date_from=date_from,
                      date_to=date_to, filters=filters, invalid=invalid)
