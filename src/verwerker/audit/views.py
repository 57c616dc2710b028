"""The audit log, viewable and filterable by the privacy/security officer only."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.utils import timezone
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _

from verwerker.accounts.roles import is_privacy_officer
from verwerker.audit.actions import do_record_event
from verwerker.audit.actors import Actor
from verwerker.audit.events import EventType, Outcome
from verwerker.audit.export import export_csv, export_json
from verwerker.audit.queries import list_events


class EventFilterForm(forms.Form):
    client = forms.IntegerField(label=_("client id"), required=False)
    action = forms.TypedChoiceField(
        label=_("action"), choices=[("", "—"), *EventType.choices], coerce=int, empty_value=None, required=False
    )
    actor = forms.CharField(label=_("actor"), required=False)
    object_type = forms.CharField(label=_("object type"), required=False)
    object_id = forms.CharField(label=_("object id"), required=False)
    outcome = forms.ChoiceField(label=_("outcome"), choices=[("", "—"), *Outcome.choices], required=False)
    since = forms.DateField(label=_("from"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    until = forms.DateField(label=_("to"), required=False, widget=forms.DateInput(attrs={"type": "date"}))


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
            "since": dt.datetime.combine(data["since"], dt.time.min).astimezone() if data["since"] else None,
            "until": dt.datetime.combine(data["until"] + dt.timedelta(days=1), dt.time.min).astimezone()
            if data["until"]
            else None,
        }
    events = list_events(**filters)
    export = request.GET.get("export")
    if export in ("json", "csv"):
        return _export(request, events, export, filters)
    page = Paginator(events, 50).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    query.pop("export", None)
    return render(request, "audit/event_list.html", {"form": form, "page": page, "query": query.urlencode()})


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
