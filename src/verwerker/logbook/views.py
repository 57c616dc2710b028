"""The audit log, viewable and filterable by the privacy/security officer only."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from verwerker.accounts.roles import is_privacy_officer
from verwerker.audit.actions import do_record_event
from verwerker.audit.actors import Actor
from verwerker.audit.events import EventType, Outcome
from verwerker.audit.export import export_csv, export_json
from verwerker.audit.queries import list_events
from verwerker.lists.actions import do_delete_filter, do_save_filter
from verwerker.lists.listing import Listing, apply_listing
from verwerker.lists.queries import saved_filters_for
from verwerker.logbook.readable import ObjectLink, readable

VIEW = "audit:list"

# Sorting by sequence is sorting by time (the chain is appended in order); both are offered because
# people look for "when", and the actor and action columns group what one person or step did.
EVENTS = Listing(
    sorts={"seq": "seq", "when": "created_at", "action": "action", "actor": "actor_label"},
    default_sort="-seq", search=("actor_label", "object_id", "details"), date_field="created_at",
)


def _client_choices():
    from verwerker.clients.models import Client  # local: same layer or upward, a cycle at the top

    return [("", "—"), *Client.objects.order_by("name").values_list("pk", "name")]


def _action_choices():
    return [("", "—"), *sorted(EventType.choices, key=lambda c: str(c[1]).lower())]


class EventFilterForm(forms.Form):
    client = forms.TypedChoiceField(label=gettext_lazy("client"), choices=_client_choices, coerce=int, empty_value=None,
                                    required=False)
    action = forms.TypedChoiceField(label=gettext_lazy("action"), choices=_action_choices, coerce=int, empty_value=None,
                                    required=False)
    actor = forms.CharField(label=gettext_lazy("actor"), required=False)
    outcome = forms.ChoiceField(label=gettext_lazy("outcome"), choices=[("", "—"), *Outcome.choices], required=False)
    # Set by the "Logboek" links on an object's page; shown so that a person sees what narrows the list.
    object_type = forms.CharField(label=gettext_lazy("object type"), required=False, widget=forms.HiddenInput)
    object_id = forms.CharField(label=gettext_lazy("object id"), required=False, widget=forms.HiddenInput)


def _require_privacy_officer(user) -> None:
    # Same 404 as a missing page: the log's existence is nobody else's business.
    if not (is_privacy_officer(user) and user.has_perm("audit.view_auditevent")):
        raise Http404("no such page")


@login_required
def event_list(request):
    _require_privacy_officer(request.user)
    form = EventFilterForm(request.GET or None)
    filters = {}
    if form.is_valid():
        data = form.cleaned_data
        filters = {
            "client_id": data["client"],
            "action": data["action"],
            "actor": data["actor"],
            "object_type": data["object_type"],
            "object_id": data["object_id"],
            "outcome": data["outcome"],
        }
    found = apply_listing(request, list_events(**filters), EVENTS)
    export = request.GET.get("export")
    if export in ("json", "csv"):
        dates = {"since": found.date_from, "until": found.date_to, "search": found.q}
        return _export(request, found.queryset, export, {**filters, **dates})
    query = request.GET.copy()
    query.pop("page", None)
    query.pop("export", None)
    narrowed = _narrowed_to(filters)
    return render(request, "audit/event_list.html", {
        "form": form, "list": found, "page": found.page, "rows": _openable(request.user, readable(found.page)),
        "query": query.urlencode(),
        "saved": saved_filters_for(request.user, VIEW), "narrowed": narrowed,
    })


def _narrowed_to(filters: dict) -> str:
    """The object the list is narrowed to, in words (from an object's "Logboek" link), or ""."""
    if not filters.get("object_type") or not filters.get("object_id"):
        return ""
    from verwerker.logbook.readable import RESOLVERS  # local: same layer or upward, a cycle at the top

    resolve = RESOLVERS.get(filters["object_type"])
    link = resolve({filters["object_id"]}).get(filters["object_id"]) if resolve else None
    return link.label if link else f"{filters['object_type']} {filters['object_id']}"


def _export(request, events, fmt: str, filters: dict) -> HttpResponse:
    """Download the filtered events with their chain proof; the export itself is audited."""
    selection = {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in filters.items() if v}
    body = export_json(events, selection=selection) if fmt == "json" else export_csv(events)
    do_record_event(
        EventType.AUDIT_EXPORTED, actor=Actor.from_request(request), client_id=filters.get("client_id"),
        details={"format": fmt, **{k: v for k, v in selection.items() if k != "client_id"}},
    )
    stamp = timezone.now().strftime("%Y%m%d-%H%M")
    response = HttpResponse(body, content_type="application/json" if fmt == "json" else "text/csv")
    response["Content-Disposition"] = f'attachment; filename="audit-{stamp}.{fmt}"'
    return response


@login_required
@require_POST
def save_filter(request):
    """Save the filter shown (the query string the form posts along) under a name, for this officer only."""
    _require_privacy_officer(request.user)
    query = QueryDict(request.POST.get("query", ""))
    try:
        saved = do_save_filter(request.user, view=VIEW, name=request.POST.get("name", ""), query=query)
    except ValidationError as exc:
        messages.error(request, "; ".join(exc.messages))
        return redirect(reverse(VIEW) + "?" + query.urlencode())
    messages.success(request, _("The filter «%(name)s» was saved.") % {"name": saved.name})
    return redirect(reverse(VIEW) + "?" + saved.query)


@login_required
@require_POST
def delete_filter(request, filter_id: int):
    _require_privacy_officer(request.user)
    if do_delete_filter(request.user, filter_id):
        messages.success(request, _("The saved filter was deleted."))
    return redirect(VIEW)


def _openable(user, rows):
    """The rows with links only to what ``user`` may open: a person's page is the administrator's."""
    if not user.has_perm("accounts.manage_staff"):
        people = reverse("accounts:people")
        for row in rows:
            if row.object is not None and row.object.url.startswith(people):
                row.object = ObjectLink(row.object.label)
    return rows
