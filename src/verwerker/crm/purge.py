"""Erasure of the house's own relations (P19, P07): the work behind the retention classes "crm" and
"financieel", which the retention purge calls (retention/purge.py), and behind an erasure request.

Threat model: as for every purge, deleting too much (a person still in a relationship or with a
consent that holds, financial records inside their seven years, anything under a hold) or too little,
or without proof. So:

Invariants.
- "crm": a person is erased when, for the schedule's period (two years by default), they had no
  relationship (their organisation, or they themselves, a client or supplier whose relationship has not
  ended), no consent that holds, and no activity (contact, change, consent given or ended). An
  organisation is erased under the same rule once none of its people is left (those erased in the same
  run go first); its financial records and contract terms stay restricted, as an erased person's do.
- "financieel": financial records and contract terms are erased the schedule's period (seven years)
  after the relationship they belong to ended; an erased person's records stay, restricted, until then.
- Nothing held (crm.person, crm.organisation, crm.financialrecord, crm.contractterm) is erased.
- Each erased object gets its audit event in the transaction that deletes it; each chunk gets one
  certificate whose SHA-256 is in the audit log. Certificates name ids, never names.

Transactions: one per chunk (the retention purge's chunking); certificate and deletions together.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable

from django.conf import settings
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from verwerker.audit.actions import do_record_event
from verwerker.audit.actors import Actor
from verwerker.audit.events import EventType
from verwerker.crm.models import Consent, ContractTerm, CrmCertificate, FinancialRecord, Organisation, Person
from verwerker.crm.queries import consents_holding
from verwerker.retention.certificates import canonical_json
from verwerker.retention.purge import Purger
from verwerker.retention.queries import get_keep_days, held_ids
from verwerker.retention.rules import RecordClass

PEOPLE = "people"
FINANCIAL = "financial"
ORGANISATION = "crm.organisation"
Held = Callable[[str], set]


def _people_expired(now: dt.datetime, keep_days: int, held: Held) -> tuple[list, int]:
    cutoff = now - dt.timedelta(days=keep_days)
    holding = set(consents_holding(now).values_list("person_id", flat=True))
    candidates = list(
        Person.objects.filter(last_activity_at__lt=cutoff).exclude(pk__in=holding).select_related("organisation")
    )
    ended = dict(
        Consent.objects.filter(person__in=candidates, withdrawn_at__isnull=False).values("person_id")
        .annotate(last=Max("withdrawn_at")).values_list("person_id", "last")
    )
    lapsed = dict(
        Consent.objects.filter(person__in=candidates, expires_at__lte=now).values("person_id")
        .annotate(last=Max("expires_at")).values_list("person_id", "last")
    )
    held_people, held_orgs = held("crm.person"), held("crm.organisation")
    ids, kept_by_hold = [], 0
    for person in candidates:
        if person.has_relationship:
            continue
        ends = [d for d in (ended.get(person.pk), lapsed.get(person.pk)) if d is not None]
        for day in (
            person.relationship_ended_on,
            person.organisation.relationship_ended_on if person.organisation else None,
        ):
            if day is not None:
                ends.append(timezone.make_aware(dt.datetime.combine(day, dt.time())))
        if any(e >= cutoff for e in ends):
            continue
        if str(person.pk) in held_people or (person.organisation_id and str(person.organisation_id) in held_orgs):
            kept_by_hold += 1
        else:
            ids.append(person.pk)
    org_ids, orgs_held = _organisations_expired(cutoff, set(ids), held_orgs)
    # People first: an organisation is erased only after the last of its people (chunks keep this order).
    return ids + [f"{ORGANISATION}:{pk}" for pk in org_ids], kept_by_hold + orgs_held


def _organisations_expired(cutoff: dt.datetime, leaving: set[int], held_orgs: set) -> tuple[list[int], int]:
    """Organisations without relationship and activity since ``cutoff`` whose people are all gone or leaving."""
    people_left: dict[int, set[int]] = {}
    for org_id, person_id in Person.objects.filter(organisation__isnull=False).values_list("organisation_id", "pk"):
        people_left.setdefault(org_id, set()).add(person_id)
    ids, kept_by_hold = [], 0
    for org in Organisation.objects.filter(last_activity_at__lt=cutoff).order_by("pk"):
        if org.has_relationship or (people_left.get(org.pk, set()) - leaving):
            continue
        if org.relationship_ended_on is not None and timezone.make_aware(
                dt.datetime.combine(org.relationship_ended_on, dt.time())) >= cutoff:
            continue
        if str(org.pk) in held_orgs:
            kept_by_hold += 1
        else:
            ids.append(org.pk)
    return ids, kept_by_hold


def _financial_expired(now: dt.datetime, keep_days: int, held: Held) -> tuple[list, int]:
    cutoff = (now - dt.timedelta(days=keep_days)).date()
    held_orgs = held("crm.organisation")
    ids, kept_by_hold = [], 0
    for model, tag in ((FinancialRecord, "crm.financialrecord"), (ContractTerm, "crm.contractterm")):
        held_rows = held(tag)
        for pk, org_id in model.objects.filter(relationship_ended_on__lt=cutoff).values_list("pk", "organisation_id"):
            if str(pk) in held_rows or (org_id and str(org_id) in held_orgs):
                kept_by_hold += 1
            else:
                ids.append(f"{tag}:{pk}")
    return ids, kept_by_hold


def expired(kind: str, now: dt.datetime, *, keep_days: int | None, held: Held) -> tuple[list, int]:
    """(ids due for erasure, number kept back by holds) of one class; a class without a period keeps all."""
    if keep_days is None:
        return [], 0
    return (_people_expired if kind == PEOPLE else _financial_expired)(now, keep_days, held)


def purge_chunk(kind: str, ids: list, *, actor: Actor, record_class: str) -> int:
    if kind == PEOPLE:
        people = [i for i in ids if not isinstance(i, str)]
        orgs = [int(i.rsplit(":", 1)[1]) for i in ids if isinstance(i, str) and i.startswith(f"{ORGANISATION}:")]
        erased = (
            len(erase_people(people, actor=actor, reason="retention_expired", record_class=record_class))
            if people
            else 0
        )
        if orgs:
            erased += len(erase_organisations(orgs, actor=actor, reason="retention_expired", record_class=record_class))
        return erased
    return erase_financial(ids, actor=actor, record_class=record_class)


# -- erasure -------------------------------------------------------------------------------------------------


def _certify(record_class: str, reason: str, items: list[dict], *, actor: Actor, kept: str) -> CrmCertificate:
    cert = CrmCertificate(
        record_class=record_class, reason=reason, issued_at=timezone.now(), objects_deleted=len(items)
    )
    body = {
        "document": "vernietigingsverklaring / certificate of deletion (own relations)",
        "certificate_id": str(cert.id),
        "issued_at": cert.issued_at.isoformat(),
        "controller": settings.HOUSE_NAME,
        "record_class": record_class,
        "reason": reason,
        "deleted": items,
        "method": "database rows deleted; a person's purpose-bound data was sealed under its own key, "
                  "deleted with the row (cryptographic erase)",
        "performed_by": actor.label or actor.type,
        "kept": kept,
    }

    cert.body = canonical_json(body).decode("utf-8")
    cert.sha256 = hashlib.sha256(cert.body.encode("utf-8")).hexdigest()
    cert.save(force_insert=True)
    do_record_event(
        EventType.CRM_CERTIFICATE_ISSUED,
        actor=actor,
        obj=cert,
        details={"sha256": cert.sha256, "objects": len(items), "record_class": record_class, "reason": reason},
    )
    return cert


@transaction.atomic
def erase_people(ids: list[int], *, actor: Actor, reason: str, record_class: str = "crm",
                 request_reference: str = "") -> list[dict]:
    """Erase these people: consents, notes, purpose-bound data and the row. Their financial records and
    contract terms stay restricted (name kept as the party, seven years from now at the latest start)
    because the law requires them. Returns the certificate items; issues the certificate."""
    today = timezone.localdate()
    now = timezone.now()
    items = []
    for person in Person.objects.select_for_update().filter(pk__in=ids).order_by("pk"):
        restricted = _restrict_records("person", person, today=today, now=now)
        if restricted:
            do_record_event(
                EventType.CRM_FINANCIAL_RESTRICTED,
                actor=actor,
                object_type="crm.person",
                object_id=person.pk,
                details={"records": restricted, "request": request_reference},
            )
        consents = person.consents.count()
        item = {"object": "crm.person", "id": person.pk, "created_at": person.created_at.isoformat(),
                "consents": consents, "notes": person.notes.count(), "extra_data": person.has_extra_data,
                "financial_records_restricted": restricted}
        person.delete()
        do_record_event(EventType.CRM_PERSON_ERASED, actor=actor, object_type="crm.person", object_id=item["id"],  # type: ignore[arg-type]
                        details={"reason": reason, "request": request_reference, "consents": consents,
                                 "restricted": restricted})
        items.append(item)
    if items:
        _certify(record_class, reason, items, actor=actor, kept=_KEPT_RESTRICTED)
    return items


_KEPT_RESTRICTED = ("financial records and contract terms that the fiscal retention duty (art. 52 AWR) requires, "
                    "restricted, until seven years after the relationship ended; the audit trail")


def _restrict_records(owner_field: str, owner, *, today: dt.date, now: dt.datetime) -> int:
    """Keep the owner's financial records and contract terms, restricted and detached (the party's name stays
    on them), the seven years counting from today at the latest."""
    restricted = 0
    for model in (FinancialRecord, ContractTerm):
        rows = model.objects.filter(**{owner_field: owner})
        restricted += rows.count()
        rows.filter(relationship_ended_on__isnull=True).update(relationship_ended_on=today)
        rows.update(restricted_at=now, **{owner_field: None})
    return restricted


@transaction.atomic
def erase_organisations(ids: list[int], *, actor: Actor, reason: str, record_class: str = "crm") -> list[dict]:
    """Erase these organisations (notes and the row) once none of their people is left; their financial
    records and contract terms stay restricted, as the law requires. Returns the certificate items; issues
    the certificate. An organisation that still has people is skipped."""
    today, now = timezone.localdate(), timezone.now()
    items = []
    for org in Organisation.objects.select_for_update().filter(pk__in=ids).order_by("pk"):
        if org.people.exists():
            continue
        restricted = _restrict_records("organisation", org, today=today, now=now)
        if restricted:
            do_record_event(EventType.CRM_FINANCIAL_RESTRICTED, actor=actor, object_type=ORGANISATION,
                            object_id=org.pk, details={"records": restricted})
        item = {"object": ORGANISATION, "id": org.pk, "created_at": org.created_at.isoformat(),
                "notes": org.notes.count(), "financial_records_restricted": restricted}
        org.notes.all().delete()
        org.delete()
        do_record_event(EventType.CRM_ORGANISATION_ERASED, actor=actor, object_type=ORGANISATION, object_id=item["id"],  # type: ignore[arg-type]
                        details={"reason": reason, "restricted": restricted})
        items.append(item)
    if items:
        _certify(record_class, reason, items, actor=actor, kept=_KEPT_RESTRICTED)
    return items


@transaction.atomic
def erase_financial(ids: list[str], *, actor: Actor, record_class: str = "financieel") -> int:
    """Erase financial records and contract terms (``crm.financialrecord:<id>`` / ``crm.contractterm:<id>``)."""
    by_tag: dict[str, list[int]] = {}
    for ref in ids:
        tag, pk = ref.rsplit(":", 1)
        by_tag.setdefault(tag, []).append(int(pk))
    items = []
    for model, tag in ((FinancialRecord, "crm.financialrecord"), (ContractTerm, "crm.contractterm")):
        for row in model.objects.select_for_update().filter(pk__in=by_tag.get(tag, [])).order_by("pk"):
            item = {"object": tag, "id": row.pk, "reference": row.reference,
                    "relationship_ended_on": row.relationship_ended_on.isoformat()}  # type: ignore[union-attr]
            row.delete()
            items.append(item)
    if items:
        do_record_event(
            EventType.CRM_RECORDS_PURGED, actor=actor, details={"record_class": record_class, "objects": len(items)}
        )
        _certify(record_class, "retention_expired", items, actor=actor,
                 kept="the audit trail; these references had passed the fiscal retention period")
    return len(items)


class _CrmPurger(Purger):
    """The house's own relations (P19): this module finds and erases; the schedule and holds are retention's."""

    kind = ""

    def expired(self, now: dt.datetime) -> tuple[list, int]:
        return expired(self.kind, now, keep_days=get_keep_days(self.record_class), held=held_ids)

    def purge_chunk(self, ids: list, *, actor: Actor) -> int:
        return purge_chunk(self.kind, ids, actor=actor, record_class=self.record_class)


class PeoplePurger(_CrmPurger):
    record_class = RecordClass.CRM
    kind = PEOPLE


class FinancialPurger(_CrmPurger):
    record_class = RecordClass.FINANCIAL
    kind = FINANCIAL
