"""Requests of the house's own relations (P07): access, rectification, erasure, with deadlines.

Each is an entry of the one request register (privacy.DataSubjectRequest: reference, deadline, receipt)
with a crm.RelationRequest naming the person; crm carries it out because the data is here.

Here the house is the controller, so the person's own request is acted on (unlike client files, where
the house acts only through the client). Access gives everything held on the person as CSV and JSON,
built in memory and handed to the privacy officer's browser, never written to disk; it includes the
purpose-bound fields, read under the request's own declaration (audited). Erasure removes the person
(crm.purge.erase_people) but keeps, restricted, the financial records the law requires, and says so.
"""

from __future__ import annotations

import csv
import io
import json

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _lazy

from verwerker.audit.actions import do_record_event
from verwerker.audit.actors import Actor
from verwerker.audit.events import EventType
from verwerker.crm.models import Person, RelationRequest
from verwerker.crm.queries import ACCESS_REQUEST, Declaration, read_extra_data
from verwerker.privacy.models import RequestConcerns, RequestKind
from verwerker.privacy.subject_requests import add_months, close_controller_request, register_controller_request

# The kinds of the register that the CRM carries out for its own relations.
RELATION_REQUEST_KINDS = (RequestKind.ACCESS, RequestKind.RECTIFICATION, RequestKind.ERASURE)


def _mask(person: Person) -> str:
    initial = (person.first_name or person.initials or "?")[:1]
    return f"{initial}. {person.last_name[:1]}{'*' * max(len(person.last_name) - 1, 2)}"


@transaction.atomic
def do_log_relation_request(person: Person, kind: str, *, actor: Actor) -> RelationRequest:
    """Log a request of a relation in the request register; the answer is due within one month.

    Raises ValidationError for a kind the CRM does not carry out."""
    if kind not in RELATION_REQUEST_KINDS:
        raise ValidationError(_lazy("unknown kind of request"))
    entry = register_controller_request(RequestConcerns.OWN_RELATION, kind, subject_mask=_mask(person))
    request = RelationRequest.objects.create(request=entry, person=person)
    do_record_event(EventType.CRM_REQUEST_LOGGED, actor=actor, obj=request,
                    details={"kind": kind, "person": person.pk, "register": entry.reference})
    return request


def access_export(request: RelationRequest, *, actor: Actor) -> dict:
    """Everything held on the request's person, as one JSON-able dict (the purpose-bound fields included,
    read under this request's declaration). Raises ValidationError when the person is gone."""
    person = request.person
    if person is None or request.kind != RequestKind.ACCESS:
        raise ValidationError(_lazy("this request has no person to export"))
    org = person.organisation
    fields = ("gender", "initials", "first_name", "infix", "last_name", "occupation", "street", "house_number",
              "house_number_addition", "postcode", "city", "country", "phone", "mobile", "email", "website",
              "is_client", "is_supplier", "deceased")
    extra = read_extra_data([person], Declaration(ACCESS_REQUEST, f"request {request.reference}", request.reference),
                            actor=actor).get(person.pk)
    return {
        "request": request.reference,
        "person": {
            **{f: getattr(person, f) for f in fields},
            "relationship_ended_on": _iso(person.relationship_ended_on),
            "created_at": _iso(person.created_at),
        },
        "organisation": (
            {
                f: getattr(org, f)
                for f in (
                    "name",
                    "kvk",
                    "vat",
                    "iban",
                    "street",
                    "house_number",
                    "house_number_addition",
                    "postcode",
                    "city",
                    "country",
                    "phone",
                    "email",
                    "website",
                )
            }
            if org
            else None
        ),
        "purpose_bound_data": extra.as_dict() if extra else None,
        "consents": [
            {
                "purpose": c.purpose.name,
                "text_shown": c.text_shown,
                "method": c.method,
                "given_at": _iso(c.given_at),
                "confirmed_at": _iso(c.confirmed_at),
                "expires_at": _iso(c.expires_at),
                "withdrawn_at": _iso(c.withdrawn_at),
                "recorded_by": c.recorded_by,
            }
            for c in person.consents.select_related("purpose").order_by("given_at")
        ],
        "notes": [{"at": _iso(n.at), "kind": n.kind, "text": n.text} for n in person.notes.order_by("at")],
        "financial_records": [
            {
                "kind": r.kind,
                "reference": r.reference,
                "date": _iso(r.date),
                "amount": str(r.amount),
                "currency": r.currency,
            }
            for r in person.financial_records.order_by("date")
        ],
        "contracts": [
            {"reference": t.reference, "subject": t.subject, "starts_on": _iso(t.starts_on), "ends_on": _iso(t.ends_on)}
            for t in person.contracts.order_by("starts_on")
        ],
    }


def _iso(value) -> str | None:
    return value.isoformat() if value is not None else None


def export_as_json(export: dict) -> bytes:
    return json.dumps(export, ensure_ascii=False, indent=1).encode("utf-8")


def export_as_csv(export: dict) -> bytes:
    """One row per fact (field path; value): a flat form a person can open in a spreadsheet."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";")
    writer.writerow(["veld", "waarde"])
    for path, value in _flatten("", export):
        writer.writerow([path, "" if value is None else value])
    return buffer.getvalue().encode("utf-8")


def _flatten(prefix: str, value):
    if isinstance(value, dict):
        for k, v in value.items():
            yield from _flatten(f"{prefix}.{k}" if prefix else k, v)
    elif isinstance(value, list):
        for i, v in enumerate(value, 1):
            yield from _flatten(f"{prefix}[{i}]", v)
    else:
        yield prefix, value


def do_execute_relation_request(request: RelationRequest, *, actor: Actor, corrections: dict | None = None) -> str:
    """Carry out a request and return its receipt (stored and audited).

    access: the export is built (and offered for download by the screen); rectification: the given
    fields are corrected (validated); erasure: the person is erased and their financial records are kept
    restricted, which the receipt says. Raises ValidationError for a closed request or missing details.
    """
    from verwerker.crm.actions import do_update_person  # local: same layer or upward, a cycle at the top
    from verwerker.crm.purge import erase_people  # local: same layer or upward, a cycle at the top

    request = RelationRequest.objects.select_related("person", "request").get(pk=request.pk)
    if not request.is_open:
        raise ValidationError(
            _lazy("request %(reference)s was executed already"),
            params={"reference": request.reference},
        )
    person = request.person
    if person is None:
        raise ValidationError(_lazy("the person of this request is no longer held"))
    lines = [f"Ontvangstbevestiging {request.reference} ({request.get_kind_display()}) voor {request.subject_mask}."]
    if request.kind == RequestKind.ACCESS:
        export = access_export(request, actor=actor)
        lines.append(f"Alle gegevens ({len(export['consents'])} toestemming(en), {len(export['financial_records'])} "
                     f"financiële record(s)) zijn verstrekt als CSV en JSON.")
    elif request.kind == RequestKind.RECTIFICATION:
        if not corrections:
            raise ValidationError(_lazy("give the corrected values"))
        do_update_person(person, corrections, actor=actor, request_reference=request.reference)
        lines.append(f"Gecorrigeerd: {', '.join(sorted(corrections))}.")
    else:
        items = erase_people(
            [person.pk], actor=actor, reason="data_subject_request", request_reference=request.reference
        )
        restricted = sum(i["financial_records_restricted"] for i in items)
        lines.append("De persoon, de toestemmingen, de notities en de extra gegevens zijn verwijderd.")
        if restricted:
            until = add_months(timezone.localdate(), 12 * 7)
            lines.append(f"{restricted} financiële record(s) zijn niet verwijderd maar beperkt: de wet (art. 52 AWR) "
                         f"verplicht ons ze zeven jaar te bewaren; ze worden uiterlijk {until:%d-%m-%Y} verwijderd "
                         "en tot die tijd nergens anders voor gebruikt.")
    receipt = "\n".join(lines)
    with transaction.atomic():
        on_time = close_controller_request(request.request, receipt=receipt)
        do_record_event(EventType.CRM_REQUEST_EXECUTED, actor=actor, object_type="crm.relationrequest",
                        object_id=request.pk, details={"kind": request.kind, "on_time": on_time,
                                                       "register": request.reference})
    return receipt
