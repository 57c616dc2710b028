"""Writes of the CRM: relations, financial references, consent, purpose-bound fields, mailings.

Every function here is atomic and writes its audit event. Audit details carry ids and counts, never
names, addresses or the purpose-bound values.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
from decimal import Decimal

from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage, get_connection
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _lazy

from verwerker.audit.actions import do_record_event
from verwerker.audit.actors import Actor
from verwerker.audit.events import EventType
from verwerker.clients.actions import do_activate_agreement, do_create_agreement, do_create_client
from verwerker.clients.models import Client
from verwerker.clients.queries import get_active_agreement
from verwerker.crm import validate
from verwerker.crm.consent import ConsentFacts, expiry_for, renewal_due
from verwerker.crm.extra import ExtraData, seal
from verwerker.crm.models import (
    ONLINE_METHODS,
    Consent,
    ContractTerm,
    FinancialRecord,
    HouseClient,
    Mailing,
    MailingChannel,
    MailingRecipient,
    MailingState,
    Organisation,
    Person,
    Purpose,
    SuppressionList,
    TimelineNote,
)
from verwerker.crm.queries import (
    ADDRESS_MAPPING,
    Declaration,
    PurposeNotDeclared,
    address_frame,
    consents_holding,
    select_mailing_recipients,
)
from verwerker.datafiles.actions import do_profile_data_file
from verwerker.datafiles.read import UnreadableFile
from verwerker.intake.actions import do_complete_upload, do_receive_upload, do_register_upload
from verwerker.intake.models import UploadChannel
from verwerker.production.actions import do_draft_job
from verwerker.production.input import read_client_table
from verwerker.production.records import MappingError, apply_mapping
from verwerker.vault import crypto
from verwerker.vault.actions import do_store_blob, open_blob_writer
from verwerker.vault.models import BlobPurpose
from verwerker.vault.storage import master_key

ADDRESS_FIELDS = ("street", "house_number", "house_number_addition", "postcode", "city", "country", "phone",
                  "mobile", "email", "website")
ORGANISATION_FIELDS = ("name", "is_prospect", "is_client", "is_supplier", "client", "subprocessor", "iban", "kvk",
                       "vat", *ADDRESS_FIELDS)
PERSON_FIELDS = ("organisation", "gender", "initials", "first_name", "infix", "last_name", "occupation",
                 "is_client", "is_supplier", "deceased", *ADDRESS_FIELDS)
# A consent confirmation link (double opt-in, re-permission) is valid this long.
TOKEN_MAX_AGE = dt.timedelta(days=14)
WITHDRAW_MAX_AGE = dt.timedelta(days=3 * 365)
_TOKEN_SALT = "verwerker.crm.consent"


def clean_fields(data: dict) -> dict:
    """Validate and normalise the statement's fields in ``data``; raises ValidationError per field."""
    out = dict(data)
    errors: dict[str, str] = {}
    country = "NL"
    if "country" in data:
        try:
            out["country"] = country = validate.clean_country(str(data["country"] or ""))
        except validate.FieldProblem as exc:
            errors["country"] = str(exc)
    for name, cleaner in validate.CLEANERS.items():
        value = str(data.get(name) or "").strip()
        if name in data and value:
            try:
                out[name] = cleaner(value)
            except validate.FieldProblem as exc:
                errors[name] = str(exc)
    for name in ("phone", "mobile"):
        value = str(data.get(name) or "").strip()
        if value:
            try:
                out[name] = validate.clean_phone(value, country)
            except validate.FieldProblem as exc:
                errors[name] = str(exc)
    if str(data.get("postcode") or "").strip():
        try:
            out["postcode"] = validate.clean_postcode(str(data["postcode"]), country)
        except validate.FieldProblem as exc:
            errors["postcode"] = str(exc)
    if errors:
        raise ValidationError(errors)
    return out


def _take(data: dict, allowed: tuple[str, ...]) -> dict:
    return {k: ("" if v is None and k not in ("client", "subprocessor", "organisation") else v)
            for k, v in data.items() if k in allowed}


# -- organisations and people ---------------------------------------------------------------------------


@transaction.atomic
def do_create_organisation(data: dict, *, actor: Actor) -> Organisation:
    """Create an organisation from validated fields. Raises ValidationError naming the bad fields."""
    fields = clean_fields(_take(data, ORGANISATION_FIELDS))
    if not str(fields.get("name") or "").strip():
        raise ValidationError({"name": "an organisation needs a name"})
    org = Organisation.objects.create(**fields)
    do_record_event(EventType.CRM_ORGANISATION_CREATED, actor=actor, obj=org,
                    details={"kinds": [k for k in ("is_prospect", "is_client", "is_supplier") if fields.get(k)]})
    return org


@transaction.atomic
def do_update_organisation(org: Organisation, changes: dict, *, actor: Actor) -> Organisation:
    """Change an organisation's fields (validated); records which fields changed, not their values."""
    fields = clean_fields(_take(changes, ORGANISATION_FIELDS))
    changed = [k for k, v in fields.items() if getattr(org, k) != v]
    for k in changed:
        setattr(org, k, fields[k])
    if changed:
        org.last_activity_at = timezone.now()
        org.save()
        do_record_event(EventType.CRM_ORGANISATION_CHANGED, actor=actor, obj=org, details={"fields": sorted(changed)})
    return org


@transaction.atomic
def do_create_person(data: dict, *, actor: Actor) -> Person:
    """Create a person (in an organisation or standing alone). Raises ValidationError naming the bad fields."""
    fields = clean_fields(_take(data, PERSON_FIELDS))
    if not str(fields.get("last_name") or "").strip():
        raise ValidationError({"last_name": "a person needs a last name"})
    person = Person.objects.create(**fields)
    do_record_event(EventType.CRM_PERSON_CREATED, actor=actor, obj=person,
                    details={"organisation": person.organisation_id})
    return person


@transaction.atomic
def do_update_person(person: Person, changes: dict, *, actor: Actor, request_reference: str = "") -> Person:
    """Change a person's fields (validated); records which fields changed (and the request, for a rectification)."""
    fields = clean_fields(_take(changes, PERSON_FIELDS))
    changed = [k for k, v in fields.items() if getattr(person, k) != v]
    for k in changed:
        setattr(person, k, fields[k])
    if changed:
        person.last_activity_at = timezone.now()
        person.save()
        do_record_event(EventType.CRM_PERSON_CHANGED, actor=actor, obj=person,
                        details={"fields": sorted(changed), "request": request_reference})
    return person


@transaction.atomic
def do_end_relationship(owner: Organisation | Person, *, on: dt.date | None = None, actor: Actor) -> None:
    """Record that the relationship ended: the seven years of its financial records count from ``on``."""
    on = on or timezone.localdate()
    owner.relationship_ended_on = on
    owner.last_activity_at = timezone.now()
    owner.save(update_fields=["relationship_ended_on", "last_activity_at"])
    key = "organisation" if isinstance(owner, Organisation) else "person"
    for model in (FinancialRecord, ContractTerm):
        model.objects.filter(**{key: owner}, relationship_ended_on__isnull=True).update(relationship_ended_on=on)
    do_record_event(EventType.CRM_RELATIONSHIP_ENDED, actor=actor, obj=owner, details={"on": on.isoformat()})


def _party(organisation: Organisation | None, person: Person | None) -> str:
    if organisation is None and person is None:
        raise ValidationError(_lazy("a record belongs to an organisation or a person"))
    return organisation.name if organisation is not None else person.display_name  # type: ignore[union-attr]


@transaction.atomic
def do_add_financial_record(*, organisation: Organisation | None = None, person: Person | None = None, kind: str,
                            reference: str, date: dt.date, amount: Decimal | str, currency: str = "EUR",
                            description: str = "", actor: Actor) -> FinancialRecord:
    """Add a reference to a transaction, purchase, invoice or payment (the ERP stays the ledger)."""
    owner = organisation or person
    record = FinancialRecord(
        organisation=organisation, person=person, party=_party(organisation, person), kind=kind,
        reference=reference.strip(), date=date, amount=Decimal(str(amount)), currency=currency.upper(),
        description=description, relationship_ended_on=owner.relationship_ended_on,  # type: ignore[union-attr]
    )
    record.full_clean(exclude=["organisation", "person"])
    record.save()
    do_record_event(EventType.CRM_FINANCIAL_RECORD_ADDED, actor=actor, obj=record, details={"kind": kind})
    return record


@transaction.atomic
def do_add_contract_term(*, organisation: Organisation | None = None, person: Person | None = None, reference: str,
                         subject: str, starts_on: dt.date, ends_on: dt.date | None = None,
                         amount: Decimal | str | None = None, terms: str = "", actor: Actor) -> ContractTerm:
    """Add a contract's terms as a reference (subject, period, amount)."""
    owner = organisation or person
    term = ContractTerm(
        organisation=organisation, person=person, party=_party(organisation, person), reference=reference.strip(),
        subject=subject, starts_on=starts_on, ends_on=ends_on,
        amount=Decimal(str(amount)) if amount not in (None, "") else None, terms=terms,
        relationship_ended_on=owner.relationship_ended_on,  # type: ignore[union-attr]
    )
    term.full_clean(exclude=["organisation", "person"])
    term.save()
    do_record_event(EventType.CRM_CONTRACT_TERM_ADDED, actor=actor, obj=term)
    return term


@transaction.atomic
def do_add_note(*, organisation: Organisation | None = None, person: Person | None = None, kind: str, text: str,
                actor: Actor) -> TimelineNote:
    """Put a contact moment on the timeline; it counts as activity for the retention of the person."""
    if not text.strip():
        raise ValidationError(_lazy("a note needs text"))
    note = TimelineNote.objects.create(organisation=organisation, person=person, kind=kind, text=text.strip(),
                                       by=actor.label or actor.type)
    now = timezone.now()
    for owner in (organisation, person):
        if owner is not None:
            type(owner).objects.filter(pk=owner.pk).update(last_activity_at=now)
    do_record_event(EventType.CRM_NOTE_ADDED, actor=actor, obj=note, details={"kind": kind})
    return note


# -- consent (P03) ---------------------------------------------------------------------------------------


def consent_token(consent: Consent, action: str) -> str:
    """A signed, timestamped token for a confirmation or re-permission link (Django's signing, HMAC-SHA256)."""
    return signing.dumps({"c": consent.pk, "a": action}, salt=_TOKEN_SALT, compress=True)


def read_consent_token(token: str) -> tuple[Consent, str]:
    """The consent and action a token names. Raises ValidationError for a bad, expired or unknown token."""
    try:
        data = signing.loads(token, salt=_TOKEN_SALT, max_age=WITHDRAW_MAX_AGE)
        if data["a"] != "withdraw":  # confirmations are short-lived; a mailing's withdrawal link lasts
            signing.loads(token, salt=_TOKEN_SALT, max_age=TOKEN_MAX_AGE)
        return Consent.objects.select_related("person", "purpose").get(pk=data["c"]), data["a"]
    except signing.SignatureExpired:
        raise ValidationError(_lazy("this link has expired; ask for a new one")) from None
    except (signing.BadSignature, Consent.DoesNotExist, KeyError, TypeError):
        raise ValidationError(_lazy("this link is not valid")) from None


def _link(path_name: str, token: str) -> str:
    return settings.PUBLIC_URL.rstrip("/") + reverse(path_name, args=[token])


@transaction.atomic
def do_record_consent(person: Person, purpose: Purpose, *, text_shown: str, method: str, actor: Actor,
                      given_at: dt.datetime | None = None) -> Consent:
    """Record a consent with its proof. Consents given online (form, e-mail) need a confirmation by a
    link sent to the person's e-mail (double opt-in) before they hold; the e-mail goes after commit.

    Raises ValidationError without the text shown, or when an online consent has no e-mail to confirm by.
    """
    if not text_shown.strip():
        raise ValidationError(_lazy("record the text the person agreed to"))
    if not purpose.active:
        raise ValidationError(_lazy("this purpose is no longer in use"))
    online = method in ONLINE_METHODS
    if online and not person.email:
        raise ValidationError(_lazy("a consent given online is confirmed by e-mail; this person has no e-mail address"))
    given_at = given_at or timezone.now()
    consent = Consent.objects.create(
        person=person, purpose=purpose, text_shown=text_shown.strip(), method=method, given_at=given_at,
        recorded_by=actor.label or actor.type, needs_confirmation=online,
        expires_at=expiry_for(given_at, purpose.valid_days),
    )
    Person.objects.filter(pk=person.pk).update(last_activity_at=timezone.now())
    do_record_event(EventType.CRM_CONSENT_RECORDED, actor=actor, obj=consent,
                    details={"person": person.pk, "purpose": purpose.code, "method": method, "double_opt_in": online})
    if online:
        consent_id = consent.pk
        transaction.on_commit(lambda: _send_consent_mail(consent_id, "confirm", actor))
    return consent


def _send_consent_mail(consent_id: int, action: str, actor: Actor) -> None:
    consent = Consent.objects.select_related("person", "purpose").get(pk=consent_id)
    link = _link("crm:consent_link", consent_token(consent, action))
    with translation.override("nl"):
        subject = render_to_string(
            f"crm/mail_{action}_subject.txt", {"consent": consent, "house": settings.HOUSE_NAME}
        ).strip()
        body = render_to_string(
            f"crm/mail_{action}.txt", {"consent": consent, "link": link, "house": settings.HOUSE_NAME}
        )
    EmailMessage(subject, body, to=[consent.person.email]).send()
    event = EventType.CRM_CONSENT_CONFIRMATION_SENT if action == "confirm" else EventType.CRM_CONSENT_RENEWAL_REQUESTED
    do_record_event(
        event, actor=actor, obj=consent, details={"person": consent.person_id, "purpose": consent.purpose.code}
    )


@transaction.atomic
def do_confirm_consent(token: str, *, actor: Actor) -> Consent:
    """Follow a confirmation link (double opt-in) or a re-permission link.

    confirm: the pending consent holds from now. renew: a new consent for the same purpose and text,
    given by e-mail and confirmed by this click, replaces the lapsing one. Raises ValidationError for a
    bad or expired link, or a consent withdrawn in the meantime.
    """
    consent, action = read_consent_token(token)
    consent = Consent.objects.select_for_update().select_related("person", "purpose").get(pk=consent.pk)
    now = timezone.now()
    if consent.withdrawn_at is not None:
        raise ValidationError(_lazy("this consent was withdrawn; it cannot be confirmed"))
    if action == "confirm":
        if consent.confirmed_at is None:
            consent.confirmed_at = now
            consent.save(update_fields=["confirmed_at"])
            do_record_event(EventType.CRM_CONSENT_CONFIRMED, actor=actor, obj=consent,
                            details={"person": consent.person_id, "purpose": consent.purpose.code})
        return consent
    if action != "renew":
        raise ValidationError(_lazy("this link is not valid"))
    renewed = Consent.objects.create(
        person=consent.person, purpose=consent.purpose, text_shown=consent.text_shown, method="email",
        given_at=now, recorded_by="re-permission link", needs_confirmation=True, confirmed_at=now,
        expires_at=expiry_for(now, consent.purpose.valid_days),
    )
    do_record_event(EventType.CRM_CONSENT_CONFIRMED, actor=actor, obj=renewed,
                    details={"person": consent.person_id, "purpose": consent.purpose.code, "renews": consent.pk})
    return renewed


@transaction.atomic
def do_withdraw_consent(consent: Consent, *, method: str, actor: Actor, at: dt.datetime | None = None) -> Consent:
    """Withdraw a consent (from ``at``, default now). Idempotent: a second withdrawal changes nothing."""
    consent = Consent.objects.select_for_update().get(pk=consent.pk)
    if consent.withdrawn_at is not None:
        return consent
    consent.withdrawn_at = max(at or timezone.now(), consent.given_at)
    consent.withdrawn_by = actor.label or actor.type
    consent.withdrawal_method = method
    consent.save(update_fields=["withdrawn_at", "withdrawn_by", "withdrawal_method"])
    Person.objects.filter(pk=consent.person_id).update(last_activity_at=timezone.now())
    do_record_event(EventType.CRM_CONSENT_WITHDRAWN, actor=actor, obj=consent,
                    details={"person": consent.person_id, "purpose": consent.purpose_id, "method": method})
    return consent


def do_request_renewals(*, actor: Actor, now: dt.datetime | None = None) -> int:
    """Send a re-permission request for every holding consent about to lapse (once each); return how many."""
    now = now or timezone.now()
    sent = 0
    for consent in (
        consents_holding(now)
        .filter(expires_at__isnull=False, renewal_requested_at__isnull=True)
        .select_related("person")
    ):
        if not renewal_due(ConsentFacts.of(consent), now, consent.renewal_requested_at) or not consent.person.email:
            continue
        with transaction.atomic():
            updated = Consent.objects.filter(pk=consent.pk, renewal_requested_at__isnull=True).update(
                renewal_requested_at=now
            )
            if updated:
                consent_id = consent.pk
                transaction.on_commit(lambda cid=consent_id: _send_consent_mail(cid, "renew", actor))  # type: ignore[misc]
                sent += 1
    return sent


@transaction.atomic
def do_change_purpose(purpose: Purpose, *, actor: Actor, **changes) -> Purpose:
    """Change a purpose's name, description, validity or active flag (the privacy officer's screen)."""
    allowed = {k: v for k, v in changes.items() if k in ("name", "description", "valid_days", "active")}
    for k, v in allowed.items():
        setattr(purpose, k, v)
    purpose.full_clean()
    purpose.save()
    do_record_event(EventType.CRM_PURPOSE_CHANGED, actor=actor, obj=purpose, details={"fields": sorted(allowed)})
    return purpose


def do_send_service_message(person: Person, *, subject: str, body: str, actor: Actor) -> None:
    """Send a service message (invoice, contract mail): a distinct kind that needs no consent, so an
    opt-in never blocks it. Raises ValidationError when the person has no e-mail address."""
    to = person.email or (person.organisation.email if person.organisation else "")
    if not to:
        raise ValidationError(_lazy("this person has no e-mail address"))
    EmailMessage(subject, body, to=[to]).send()
    do_add_note(person=person, kind="email", text=f"[service] {subject}", actor=actor)


# -- purpose-bound fields (P04) ---------------------------------------------------------------------------


@transaction.atomic
def do_set_extra_data(person: Person, extra: ExtraData, declaration: Declaration, *, actor: Actor) -> Person:
    """Seal the purpose-bound fields of a person whose consent for the declared purpose holds.

    Raises PurposeNotDeclared for a purpose that may not use them or a person without that consent.
    An empty ``extra`` removes the sealed data (and its key).
    """
    purpose = Purpose.objects.filter(code=declaration.purpose, uses_extra_data=True, active=True).first()
    if purpose is None or not consents_holding().filter(person=person, purpose=purpose).exists():
        raise PurposeNotDeclared(f"{declaration.where}: no holding consent for a purpose that may use the extra data")

    if extra.is_empty():
        person.extra_key = person.extra_data = None
        person.extra_master_key_id = ""
    else:
        key = master_key()
        person.extra_key, person.extra_data = seal(key, person.key, extra)
        person.extra_master_key_id = crypto.key_id(key)
    person.save(update_fields=["extra_key", "extra_data", "extra_master_key_id"])
    do_record_event(EventType.CRM_EXTRA_DATA_CHANGED, actor=actor, obj=person,
                    details={"purpose": declaration.purpose, "where": declaration.where, "cleared": extra.is_empty()})
    return person


def do_rewrap_extra_keys(old_key: bytes, new_key: bytes, *, actor: Actor) -> dict:
    """During a master-key rotation (``verwerker vault rotate-key`` calls it): re-wrap every sealed person's
    data key under the new master key, one transaction each, so a rerun after an interruption skips those
    done. Returns {"rewrapped", "under_new_key", "other"} and records one event when any was re-wrapped.
    Raises VaultError when a key claiming the old master does not unwrap with it."""
    from verwerker.crm.extra import SEALING  # local: same layer or upward, a cycle at the top

    old_id, new_id = crypto.key_id(old_key), crypto.key_id(new_key)
    done = 0
    for pk in Person.objects.filter(extra_master_key_id=old_id).values_list("pk", flat=True):
        with transaction.atomic():
            person = Person.objects.select_for_update().get(pk=pk)
            if person.extra_master_key_id != old_id:
                continue
            wrapped = SEALING.rewrap(old_key, new_key, person.key, person.extra_key)  # type: ignore[arg-type]
            if wrapped is not None:  # None: under the new key already (its id recorded wrongly), left as it is
                person.extra_key = wrapped
            person.extra_master_key_id = new_id
            person.save(update_fields=["extra_key", "extra_master_key_id"])
            done += 1
    sealed = Person.objects.filter(extra_key__isnull=False)
    result = {"rewrapped": done, "under_new_key": sealed.filter(extra_master_key_id=new_id).count(),
              "other": sealed.exclude(extra_master_key_id__in=[old_id, new_id]).count()}
    if done:
        do_record_event(EventType.CRM_EXTRA_KEYS_REWRAPPED, actor=actor,
                        details={"old_key_id": old_id, "new_key_id": new_id, **result})
    return result


# -- suppression lists and the house client ----------------------------------------------------------------

# The columns of a suppression list that identify whom or which delivery point it names.
SUPPRESSION_KINDS = frozenset(ADDRESS_MAPPING.values()) | {"street_and_number"}


def do_ensure_house_client(*, actor: Actor):
    """The client the house's own letters run under in production, with its agreement in force (P09)."""

    link = HouseClient.objects.select_related("client").first()
    if link is not None and get_active_agreement(link.client) is not None:
        return link.client
    with transaction.atomic():
        if link is None:
            name = f"{settings.HOUSE_NAME} (eigen relaties)"
            client = Client.objects.filter(name=name).first() or do_create_client(
                name, contact_email=settings.DEFAULT_FROM_EMAIL, actor=actor)
            link = HouseClient.objects.create(client=client)
        agreement = do_create_agreement(
            link.client, reference=f"EIGEN-{timezone.localdate():%Y%m%d}", subject="Own information mailings",
            nature_and_purpose="Letters to the house's own relations who consented to the mailing's purpose",
            data_types="NAW", data_subject_categories="Prospects, clients and suppliers of the house", actor=actor,
        )
        do_activate_agreement(agreement, actor=actor)
        do_record_event(EventType.CRM_HOUSE_CLIENT_SET_UP, actor=actor, client_id=link.client_id, obj=link)
    return link.client


def do_import_suppression_list(data: bytes, *, file_name: str, name: str, kind: str, mapping: dict | None = None,
                               actor: Actor) -> SuppressionList:
    """Store a suppression list (Postfilter, deceased register) encrypted in the vault, in the production
    engine's format (columns mapped to address kinds; without ``mapping`` the address columns production
    detects, from the one reading of the file). Like every file of the house client it is purged after
    the agreement's maximum retention, so a current list is imported each month. Raises ValidationError
    for an unreadable file or a mapping that names a missing column."""

    try:
        frame, detected = read_client_table(data, name=file_name)
        if mapping is None:
            mapping = {c: k for c, k in detected.items() if k in SUPPRESSION_KINDS}
        apply_mapping(frame, mapping)
    except (UnreadableFile, MappingError, ValueError) as exc:
        raise ValidationError(f"{file_name}: {exc}") from None
    client = do_ensure_house_client(actor=actor)
    blob = do_store_blob(io.BytesIO(data), client=client, purpose="other", name=file_name, actor=actor)
    with transaction.atomic():
        listed = SuppressionList.objects.create(name=name, kind=kind, blob=blob, file_name=file_name, mapping=mapping,
                                                rows=frame.height, imported_by=actor.label or actor.type)
        do_record_event(EventType.CRM_SUPPRESSION_LIST_IMPORTED, actor=actor, obj=listed,
                        details={"kind": kind, "rows": frame.height})
    return listed


# -- mailings (P03) -------------------------------------------------------------------------------------------


@transaction.atomic
def do_create_mailing(*, name: str, purpose: Purpose, channel: str, criteria: dict | None = None, subject: str = "",
                      body: str = "", actor: Actor) -> Mailing:
    """Create a mailing for one purpose; it has no recipients until its selection is computed."""
    if not purpose.active:
        raise ValidationError(_lazy("this purpose is no longer in use"))
    if channel == MailingChannel.EMAIL and not (subject.strip() and body.strip()):
        raise ValidationError(_lazy("an e-mail mailing needs a subject and a text"))
    mailing = Mailing.objects.create(name=name.strip(), purpose=purpose, channel=channel,
                                     criteria={k: v for k, v in (criteria or {}).items() if v not in (None, "")},
                                     subject=subject, body=body, created_by=actor.label or actor.type)
    do_record_event(EventType.CRM_MAILING_CREATED, actor=actor, obj=mailing,
                    details={"purpose": purpose.code, "channel": channel, "criteria": sorted(mailing.criteria)})
    return mailing


@transaction.atomic
def do_select_mailing(mailing: Mailing, *, actor: Actor, at: dt.datetime | None = None):
    """Compute the mailing's selection now (queries.select_mailing_recipients) and record it as the
    consent snapshot: one recipient row per person with the consent it rests on. Returns the Selection.

    Raises ValidationError for a mailing that was produced or sent already.
    """
    mailing = Mailing.objects.select_for_update().get(pk=mailing.pk)
    if mailing.state in (MailingState.PRODUCED, MailingState.SENT):
        raise ValidationError(_lazy("this mailing has gone out; its selection is final"))
    selection = select_mailing_recipients(mailing, at=at, actor=actor)
    mailing.recipients.all().delete()
    MailingRecipient.objects.bulk_create([
        MailingRecipient(mailing=mailing, person=p, consent=c, consent_ref=c.pk, consent_given_at=c.given_at,
                         consent_method=c.method, consent_text_sha256=s["text_sha256"])
        for (p, c), s in zip(selection.chosen, selection.snapshot(), strict=True)
    ])
    snapshot = json.dumps(selection.snapshot(), sort_keys=True, separators=(",", ":")).encode()
    mailing.state = MailingState.SELECTED
    mailing.selected_at = selection.at
    mailing.selected_count = len(selection.chosen)
    mailing.suppressed_count = len(selection.suppressed)
    mailing.snapshot_sha256 = hashlib.sha256(snapshot).hexdigest()
    mailing.save()
    do_record_event(EventType.CRM_MAILING_SELECTED, actor=actor, obj=mailing, details={
        "purpose": mailing.purpose.code, "at": selection.at.isoformat(), "selected": len(selection.chosen),
        "suppressed": len(selection.suppressed), "unaddressable": len(selection.unaddressable),
        "snapshot_sha256": mailing.snapshot_sha256, "consents": [c.pk for _p, c in selection.chosen],
    })
    return selection


def _letters_csv(people: list[Person]) -> bytes:
    frame = address_frame(people)
    buffer = io.BytesIO()
    frame.write_csv(buffer, separator=";")
    return buffer.getvalue()


def do_produce_mailing_letters(mailing: Mailing, *, template, user, actor: Actor):
    """Hand the mailing to production as letters of the house's own client: the selection is computed
    again at this moment (so a withdrawal up to now counts), written as an address file into the vault
    through intake, profiled, and drafted as a job (the database department releases it as any job).
    The job's consent snapshot is the mailing's recipient rows; the event names job and snapshot hash.

    Raises ValidationError for an e-mail mailing, a finished one, or an empty selection; StepRefused
    from production when the job cannot be drafted.
    """

    if mailing.channel != MailingChannel.LETTER:
        raise ValidationError(_lazy("this is an e-mail mailing"))
    selection = do_select_mailing(mailing, actor=actor)
    if not selection.chosen:
        raise ValidationError(_lazy("nobody in the selection: no letters to produce"))
    client = do_ensure_house_client(actor=actor)
    name = f"relaties-mailing-{mailing.pk}.csv"
    upload = do_register_upload(client, channel=UploadChannel.WEB, name=name, user=user, actor=actor)
    writer = open_blob_writer(client=client, purpose=BlobPurpose.UPLOAD, name=name, actor=actor)
    writer.write(_letters_csv([p for p, _c in selection.chosen]))
    with transaction.atomic():
        do_complete_upload(upload, writer, actor=actor)
    data_file = do_receive_upload(upload.pk, actor=actor)
    if data_file is None:
        raise ValidationError(_lazy("the house's own client has no agreement in force"))
    data_file = do_profile_data_file(data_file.pk, actor=actor)
    mapping = {c: k for c, k in ADDRESS_MAPPING.items() if c in data_file.column_kinds}
    job = do_draft_job(data_file, name=f"{mailing.name} ({mailing.purpose})", template=template, user=user,
                       mapping=mapping, actor=actor)
    with transaction.atomic():
        Mailing.objects.filter(pk=mailing.pk).update(job=job, state=MailingState.PRODUCED)
        do_record_event(EventType.CRM_MAILING_PRODUCED, actor=actor, client_id=client.pk, obj=mailing, details={
            "job": job.pk, "data_file": data_file.pk, "letters": len(selection.chosen),
            "snapshot_sha256": Mailing.objects.get(pk=mailing.pk).snapshot_sha256,
        })
    return job


def do_send_mailing_email(mailing: Mailing, *, actor: Actor) -> int:
    """Send an e-mail mailing through Django's mail backend to the selection computed now; each message
    carries a link to withdraw the consent it rests on. Returns how many went."""

    if mailing.channel != MailingChannel.EMAIL:
        raise ValidationError(_lazy("this is a letter mailing"))
    selection = do_select_mailing(mailing, actor=actor)
    sent = 0
    # One connection to the mail server for the whole mailing, not one per recipient.
    with get_connection() as connection:
        for person, consent in selection.chosen:
            with translation.override("nl"):
                body = render_to_string("crm/mail_mailing.txt", {
                    "mailing": mailing, "person": person, "house": settings.HOUSE_NAME,
                    "withdraw": _link("crm:consent_link", consent_token(consent, "withdraw")),
                })
            EmailMessage(mailing.subject, body, to=[person.email or person.organisation.email],
                         connection=connection).send()
            sent += 1
    with transaction.atomic():
        now = timezone.now()
        Mailing.objects.filter(pk=mailing.pk).update(state=MailingState.SENT, sent_at=now, sent_count=sent)
        do_record_event(EventType.CRM_MAILING_SENT, actor=actor, obj=mailing, details={
            "sent": sent, "snapshot_sha256": Mailing.objects.get(pk=mailing.pk).snapshot_sha256})
    return sent


@transaction.atomic
def do_withdraw_by_link(token: str, *, actor: Actor) -> Consent:
    """The withdrawal link in a mailing: withdraws the consent it names (method e-mail)."""
    consent, action = read_consent_token(token)
    if action != "withdraw":
        raise ValidationError(_lazy("this link is not valid"))
    return do_withdraw_consent(consent, method="email", actor=actor)
