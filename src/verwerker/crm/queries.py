"""Reads of the CRM: who may see it, search, timelines, and the two guarded reads (P03, P04).

Guarded reads. ``select_mailing_recipients`` is the only way to get a mailing's people: it starts from
the consents that hold for the mailing's purpose at the given moment (models.Consent.holds_q) and only
then applies criteria and suppression lists, so no criterion can add a person without consent.
``read_extra_data`` is the only way to get the purpose-bound fields in plaintext: it needs a declared
purpose that may use them and a holding consent of that person, and audits every read (also refusals).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass, field

import polars as pl
from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from verwerker.accounts.roles import Role
from verwerker.accounts.scoping import access
from verwerker.audit.actions import do_record_event
from verwerker.audit.actors import Actor
from verwerker.audit.events import EventType, Outcome
from verwerker.crm.extra import ExtraData, unseal
from verwerker.crm.models import (
    Consent,
    ContractTerm,
    FinancialRecord,
    Mailing,
    MailingChannel,
    Organisation,
    Person,
    Purpose,
    RelationRequest,
    SuppressionList,
    TimelineNote,
)
from verwerker.datafiles.read import read_table
from verwerker.production.address import Unaddressable, build_address_block
from verwerker.production.dedupe import suppress
from verwerker.production.records import apply_mapping, normalise_records, normalise_suppression_list
from verwerker.vault.actions import read_blob_bytes
from verwerker.vault.models import BlobState, ReadPurpose
from verwerker.vault.storage import master_key

EXTRA_PURPOSE = "passende-acties"


# -- who may see what ---------------------------------------------------------------------------------


def _staff_with(user, *roles: str) -> bool:
    return bool(user.is_authenticated and user.is_staff and any(user.has_role(r) for r in roles))


def is_relation_manager(user) -> bool:
    return _staff_with(user, Role.RELATION)


def is_privacy_officer(user) -> bool:
    return _staff_with(user, Role.PRIVACY)


def can_see_relations(user) -> bool:
    """The relation manager (daily contact) and the privacy officer (requests, consents) see relations."""
    return _staff_with(user, Role.RELATION, Role.PRIVACY)


def _deny() -> Http404:
    return Http404("no such page")


def require(allowed: bool) -> None:
    """The same 404 for 'not yours' as for 'missing' (client users and other roles see no CRM)."""
    if not allowed:
        raise _deny()


def access_organisation_for(user, organisation_id: int) -> Organisation:
    return access(Organisation.objects.all(), user, can_see_relations, organisation_id, client_field=None, what="page")


def access_person_for(user, person_id: int) -> Person:
    return access(
        Person.objects.select_related("organisation"),
        user,
        can_see_relations,
        person_id,
        client_field=None,
        what="page",
    )


def access_mailing_for(user, mailing_id: int) -> Mailing:
    return access(
        Mailing.objects.select_related("purpose"), user, can_see_relations, mailing_id, client_field=None, what="page"
    )


def access_request_for(user, request_id: int) -> RelationRequest:
    return access(
        RelationRequest.objects.select_related("person", "request"),
        user,
        is_privacy_officer,
        request_id,
        client_field=None,
        what="page",
    )


# -- lists and search ---------------------------------------------------------------------------------


def search_relations(text: str, limit: int = 50) -> tuple[list[Organisation], list[Person]]:
    """Organisations and people whose name, town, e-mail or registration numbers contain ``text``."""
    text = text.strip()
    orgs = Organisation.objects.all()
    people = Person.objects.select_related("organisation")
    if text:
        orgs = orgs.filter(Q(name__icontains=text) | Q(city__icontains=text) | Q(email__icontains=text)
                           | Q(kvk__icontains=text) | Q(vat__icontains=text))
        people = people.filter(Q(last_name__icontains=text) | Q(first_name__icontains=text)
                               | Q(email__icontains=text) | Q(city__icontains=text)
                               | Q(organisation__name__icontains=text))
    return list(orgs[:limit]), list(people[:limit])


def consents_holding(at: dt.datetime | None = None) -> QuerySet[Consent]:
    return Consent.objects.filter(Consent.holds_q(at or timezone.now()))


def holds_for(person: Person, purpose: Purpose, at: dt.datetime | None = None) -> Consent | None:
    """The latest consent of ``person`` for ``purpose`` that holds at ``at``, or None."""
    return consents_holding(at).filter(person=person, purpose=purpose).order_by("-given_at", "-pk").first()


@dataclass(frozen=True)
class TimelineItem:
    at: dt.datetime
    kind: str
    text: str
    by: str = ""


def timeline(*, organisation: Organisation | None = None, person: Person | None = None) -> list[TimelineItem]:
    """Notes, consents, financial records and contracts of an organisation (and its people) or a person,
    newest first. Purpose-bound fields never appear here."""

    if organisation is not None:
        people = list(organisation.people.all())
        notes = organisation.notes.all() | _notes_of(people)
        records = organisation.financial_records.all()
        contracts = organisation.contracts.all()
    else:
        people = [person]  # type: ignore[list-item]
        notes = person.notes.all()  # type: ignore[union-attr]
        records = person.financial_records.all()  # type: ignore[union-attr]
        contracts = person.contracts.all()  # type: ignore[union-attr]
    items = [TimelineItem(n.at, n.get_kind_display(), n.text, n.by) for n in notes.distinct()]
    for c in Consent.objects.filter(person__in=people).select_related("purpose", "person"):
        items.append(
            TimelineItem(
                c.given_at,
                _("consent"),
                f"{c.person.display_name}: {c.purpose} ({c.get_method_display()})",
                c.recorded_by,
            )
        )
        if c.withdrawn_at:
            items.append(
                TimelineItem(c.withdrawn_at, _("withdrawal"), f"{c.person.display_name}: {c.purpose}", c.withdrawn_by)
            )
    for r in records:
        midnight = timezone.make_aware(dt.datetime.combine(r.date, dt.time()))
        items.append(TimelineItem(midnight, r.get_kind_display(), f"{r.reference}: {r.currency} {r.amount}"))
    for t in contracts:
        midnight = timezone.make_aware(dt.datetime.combine(t.starts_on, dt.time()))
        items.append(TimelineItem(midnight, _("contract"), f"{t.reference}: {t.subject}"))
    return sorted(items, key=lambda i: i.at, reverse=True)


def _notes_of(people: list[Person]):
    return TimelineNote.objects.filter(person__in=people)


def financial_of(organisation: Organisation) -> tuple[QuerySet[FinancialRecord], QuerySet[ContractTerm]]:
    return organisation.financial_records.all(), organisation.contracts.all()


# -- P04: the purpose-bound fields ----------------------------------------------------------------------


class PurposeNotDeclared(PermissionError):
    """The caller did not declare a purpose that may use the purpose-bound fields, or consent does not hold."""


@dataclass(frozen=True)
class Declaration:
    """What a view, mailing or request states it uses the purpose-bound fields for.

    ``purpose`` is a Purpose code that has ``uses_extra_data`` (fitting promotions), or "access-request"
    with the request's reference: the person's own access request covers everything held on them.
    """

    purpose: str
    where: str
    request_reference: str = ""


ACCESS_REQUEST = "access-request"


def read_extra_data(people: list[Person], declaration: Declaration, *, actor: Actor,
                    at: dt.datetime | None = None) -> dict[int, ExtraData]:
    """The purpose-bound fields of those ``people`` this declaration may read; one audit event per call.

    For a promotion purpose only people whose consent for it holds at ``at`` are read (others are left
    out, never shown). An access request reads exactly its own person. Raises PurposeNotDeclared when
    the declaration names no purpose that may use the fields (the refusal is audited).
    """

    at = at or timezone.now()
    if declaration.purpose == ACCESS_REQUEST:
        request = RelationRequest.objects.filter(request__reference=declaration.request_reference,
                                                 request__kind="access").first()
        allowed = [p for p in people if request is not None and request.person_id == p.pk]
    else:
        purpose = Purpose.objects.filter(code=declaration.purpose, uses_extra_data=True, active=True).first()
        if purpose is None:
            do_record_event(
                EventType.CRM_EXTRA_DATA_REFUSED,
                actor=actor,
                object_type="crm.person",
                outcome=Outcome.REFUSED,
                details={"purpose": declaration.purpose, "where": declaration.where},
            )
            raise PurposeNotDeclared(f"{declaration.where}: purpose {declaration.purpose!r} may not use the extra data")
        holding = set(consents_holding(at).filter(purpose=purpose, person__in=[p.pk for p in people])
                      .values_list("person_id", flat=True))
        allowed = [p for p in people if p.pk in holding]
    result = {}
    if allowed:
        key = master_key()
        for p in allowed:
            if p.extra_key is not None and p.extra_data is not None:
                result[p.pk] = unseal(key, p.key, p.extra_key, p.extra_data)  # type: ignore[arg-type]
    do_record_event(
        EventType.CRM_EXTRA_DATA_READ, actor=actor, object_type="crm.person",
        object_id=allowed[0].pk if len(allowed) == 1 else "",
        details={"purpose": declaration.purpose, "where": declaration.where, "request": declaration.request_reference,
                 "people": [p.pk for p in allowed], "with_data": len(result),
                 "left_out_without_consent": len(people) - len(allowed)},
    )
    return result


# -- P03: the mailing selection -------------------------------------------------------------------------


@dataclass
class Selection:
    at: dt.datetime
    chosen: list[tuple[Person, Consent]] = field(default_factory=list)
    suppressed: list[tuple[Person, str]] = field(default_factory=list)
    unaddressable: list[Person] = field(default_factory=list)

    def snapshot(self) -> list[dict]:
        """What each recipient's place rests on: the consent, when and how given, under which text."""
        return [
            {"person": p.pk, "consent": c.pk, "given_at": c.given_at.isoformat(), "method": c.method,
             "text_sha256": hashlib.sha256(c.text_shown.encode("utf-8")).hexdigest()}
            for p, c in self.chosen
        ]


CRITERIA = ("city", "kind", "organisation", "occupation", "interest")


def select_mailing_recipients(
    mailing: Mailing, *, at: dt.datetime | None = None, actor: Actor | None = None
) -> Selection:
    """The people a mailing may reach at ``at``: a holding consent for its purpose, then its criteria,
    minus the deceased and everyone on an active suppression list. The only source of recipients.

    Criteria (mailing.criteria): city, kind (client/prospect/supplier of the organisation), organisation
    id, occupation; interest only for a purpose that may use the extra data (read audited as this mailing).
    """
    at = at or timezone.now()
    holding = (
        Consent.objects.filter(Consent.holds_q(at), purpose_id=mailing.purpose_id, person__deceased=False)
        .select_related("person", "person__organisation")
        .order_by("person_id", "-given_at", "-pk")
    )
    criteria = mailing.criteria or {}
    if criteria.get("city"):
        holding = holding.filter(
            Q(person__city__iexact=criteria["city"])
            | Q(person__city="", person__organisation__city__iexact=criteria["city"])
        )
    if criteria.get("kind") in ("client", "prospect", "supplier"):
        holding = holding.filter(**{f"person__organisation__is_{criteria['kind']}": True})
    if criteria.get("organisation"):
        holding = holding.filter(person__organisation_id=criteria["organisation"])
    if criteria.get("occupation"):
        holding = holding.filter(person__occupation__icontains=criteria["occupation"])
    chosen: dict[int, tuple[Person, Consent]] = {}
    for consent in holding:
        chosen.setdefault(consent.person_id, (consent.person, consent))
    if criteria.get("interest"):
        wanted = str(criteria["interest"]).strip().lower()
        extras = read_extra_data([p for p, _c in chosen.values()],
                                 Declaration(mailing.purpose.code, f"mailing {mailing.pk}"),
                                 actor=actor or Actor.system("crm mailing"), at=at)
        chosen = {pk: pc for pk, pc in chosen.items()
                  if pk in extras and any(wanted == i.strip().lower() for i in extras[pk].interests)}
    selection = Selection(at=at)
    people = [p for p, _c in chosen.values()]
    suppressed, unaddressable = _screen(people)
    letters = mailing.channel == MailingChannel.LETTER
    for person, consent in chosen.values():
        if person.pk in suppressed:
            selection.suppressed.append((person, suppressed[person.pk]))
        elif letters and person.pk in unaddressable:
            selection.unaddressable.append(person)
        elif not letters and not (person.email or (person.organisation and person.organisation.email)):
            selection.unaddressable.append(person)
        else:
            selection.chosen.append((person, consent))
    selection.chosen.sort(key=lambda pc: (pc[0].last_name.lower(), pc[0].pk))
    return selection


# Column -> production kind of the address table crm writes for its people (production engine format).
ADDRESS_MAPPING = {
    "Bedrijf": "company", "Aanhef": "gender", "Voorletters": "initials", "Voornaam": "first_name",
    "Tussenvoegsel": "infix", "Achternaam": "last_name", "Straat": "street", "Huisnummer": "house_number",
    "Toevoeging": "house_number_addition", "Postcode": "postcode", "Plaats": "city", "Land": "country",
    "E-mailadres": "email",
}


def address_row(person: Person) -> dict[str, str]:
    """The person's postal address (their own, or their organisation's when they have none)."""
    org = person.organisation
    source = person if (person.street or person.postcode) or org is None else org
    gender = {"m": "M", "v": "V"}.get(person.gender, "")
    return {
        "Bedrijf": org.name if org else "", "Aanhef": gender, "Voorletters": person.initials,
        "Voornaam": person.first_name, "Tussenvoegsel": person.infix, "Achternaam": person.last_name,
        "Straat": source.street, "Huisnummer": source.house_number, "Toevoeging": source.house_number_addition,
        "Postcode": source.postcode, "Plaats": source.city, "Land": source.country or "NL",
        "E-mailadres": person.email or (org.email if org else ""),
    }


def address_frame(people: list[Person]) -> pl.DataFrame:
    schema = {c: pl.String for c in ADDRESS_MAPPING}
    return pl.DataFrame([address_row(p) for p in people], schema=schema) if people else pl.DataFrame(schema=schema)


def address_lines(owner: Organisation | Person) -> list[str]:
    """The address block in Dutch notation (NEN 5825, the production engine's address module), or []."""

    if isinstance(owner, Person):
        row = {kind: address_row(owner)[column] for column, kind in ADDRESS_MAPPING.items()}
    else:
        row = {"company": owner.name, "street": owner.street, "house_number": owner.house_number,
               "house_number_addition": owner.house_number_addition, "postcode": owner.postcode, "city": owner.city,
               "country": owner.country}
    try:
        return list(build_address_block(row).lines)
    except Unaddressable:
        return []


def _screen(people: list[Person]) -> tuple[dict[int, str], set[int]]:
    """(person id -> the suppression list that names them, ids without a deliverable address), through the
    production engine's own normalisation and suppression step, in one pass over the people."""

    if not people:
        return {}, set()
    records, unusable = normalise_records(apply_mapping(address_frame(people), ADDRESS_MAPPING))
    by_row = {i + 1: p.pk for i, p in enumerate(people)}  # apply_mapping numbers rows from 1
    unaddressable = {by_row[r.row] for r in unusable}
    lists = active_suppression_tables()
    if not lists:
        return {}, unaddressable
    normalised = [(name, normalise_suppression_list(frame, mapping)) for name, frame, mapping in lists]
    _kept, rejects = suppress(records, normalised)
    return {by_row[r.row]: r.related for r in rejects}, unaddressable


def active_suppression_tables() -> list[tuple[str, pl.DataFrame, dict]]:
    """The active suppression lists as (name, table, mapping), read from the vault."""


    out = []
    for s in SuppressionList.objects.filter(active=True).select_related("blob"):
        if s.blob.state != BlobState.STORED:  # never select without a list that is switched on
            raise ValidationError(
                _lazy("the suppression list %(name)s has been deleted (retention); import a current one"),
                params={"name": s.name},
            )
        frame = read_table(
            read_blob_bytes(s.blob, actor=Actor.system("mailing selection"), purpose=ReadPurpose.MAILING),
            name=s.file_name,
        ).frame
        out.append((s.name, frame, s.mapping))
    return out
