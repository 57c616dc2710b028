"""Writes of the clients app: clients, contacts, agreements, subprocessors. Atomic and audited."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import formats, timezone
from django.utils.translation import gettext_lazy as _lazy

from verwerker.audit.actions import do_record_event
from verwerker.audit.actors import Actor
from verwerker.audit.events import EventType, Outcome
from verwerker.clients.eea import is_eea
from verwerker.clients.models import (
    Agreement,
    AgreementStatus,
    Client,
    Contact,
    SubprocessingAgreement,
    Subprocessor,
    SubprocessorUser,
)
from verwerker.lib.hostkey import format_host_key_pin, parse_host_key_pin


@transaction.atomic
def do_create_client(name: str, *, contact_email: str, contact_name: str = "", actor: Actor) -> Client:
    """Create a client with its designated contact. Raises ValidationError for a taken name or bad e-mail."""
    name = name.strip()
    if not name:
        raise ValidationError(_lazy("a client needs a name"))
    if Client.objects.filter(name__iexact=name).exists():
        raise ValidationError(_lazy("a client named '%(name)s' exists already"), params={"name": name})
    client = Client.objects.create(name=name)
    contact = Contact(client=client, email=contact_email, name=contact_name, is_designated=True)
    contact.full_clean()
    contact.save()
    do_record_event(EventType.CLIENT_CREATED, actor=actor, client_id=client.pk, obj=client)
    do_record_event(EventType.CONTACT_ADDED, actor=actor, client_id=client.pk, obj=contact)
    return client


# The terms of an agreement that a draft or an amendment sets (Art. 28(3), DOMAIN.md §4.1).
AGREEMENT_TERMS = (
    "subject", "nature_and_purpose", "data_types", "data_subject_categories", "instructions", "security_measures",
    "end_of_service", "breach_contact", "max_retention_days", "breach_notice_hours", "high_risk_allowed",
    "high_risk_measures", "starts_on", "ends_on",
)


def _set_subprocessors(agreement: Agreement, subprocessors) -> list[int]:
    subprocessors = list(subprocessors)
    for sub in subprocessors:
        if sub.receives_personal_data and not is_eea(sub.country):
            raise ValidationError(_lazy("%(name)s is outside the EU/EEA (P22)"), params={"name": sub.name})
    agreement.subprocessors.set(subprocessors)
    return sorted(s.pk for s in subprocessors)


@transaction.atomic
def do_change_client(client: Client, *, actor: Actor, name: str | None = None,
                     second_factor_for_high_risk: bool | None = None) -> Client:
    """Rename a client or change its second-factor setting. Raises ValidationError for a taken name."""
    client = Client.objects.select_for_update().get(pk=client.pk)
    changed = []
    if name is not None and name.strip() != client.name:
        name = name.strip()
        if not name:
            raise ValidationError(_lazy("a client needs a name"))
        if Client.objects.filter(name__iexact=name).exclude(pk=client.pk).exists():
            raise ValidationError(_lazy("a client named '%(name)s' exists already"), params={"name": name})
        client.name = name
        changed.append("name")
    if second_factor_for_high_risk is not None and second_factor_for_high_risk != client.second_factor_for_high_risk:
        client.second_factor_for_high_risk = second_factor_for_high_risk
        changed.append("second_factor_for_high_risk")
    client.save()
    do_record_event(EventType.CLIENT_CHANGED, actor=actor, client_id=client.pk, obj=client, details={"fields": changed})
    return client


@transaction.atomic
def do_add_contact(client: Client, *, email: str, actor: Actor, name: str = "", phone: str = "",
                   is_designated: bool = True) -> Contact:
    """Add a contact person at the client; a designated one may make requests on its behalf (P07).

    Raises ValidationError for a bad or already known e-mail address.
    """
    if Contact.objects.filter(client=client, email__iexact=email.strip()).exists():
        raise ValidationError(
            _lazy("%(client)s has a contact with that e-mail address already"),
            params={"client": client.name},
        )
    contact = Contact(client=client, email=email.strip(), name=name.strip(), phone=phone.strip(),
                      is_designated=is_designated)
    contact.full_clean()
    contact.save()
    do_record_event(EventType.CONTACT_ADDED, actor=actor, client_id=client.pk, obj=contact,
                    details={"designated": is_designated})
    return contact


def _designated_left(contact: Contact) -> bool:
    return Contact.objects.filter(client_id=contact.client_id, is_designated=True).exclude(pk=contact.pk).exists()


@transaction.atomic
def do_change_contact(contact: Contact, *, actor: Actor, email: str, name: str = "", phone: str = "",
                      is_designated: bool = True) -> Contact:
    """Change a contact. Raises ValidationError if the client would be left without a designated contact."""
    contact = Contact.objects.select_for_update().get(pk=contact.pk)
    if not is_designated and contact.is_designated and not _designated_left(contact):
        raise ValidationError(_lazy("a client keeps at least one designated contact (P07)"))
    if Contact.objects.filter(client_id=contact.client_id, email__iexact=email.strip()).exclude(pk=contact.pk).exists():
        raise ValidationError(_lazy("the client has a contact with that e-mail address already"))
    values = {"email": email.strip(), "name": name.strip(), "phone": phone.strip(), "is_designated": is_designated}
    changed = sorted(k for k, v in values.items() if getattr(contact, k) != v)
    for key, value in values.items():
        setattr(contact, key, value)
    contact.full_clean()
    contact.save()
    do_record_event(EventType.CONTACT_CHANGED, actor=actor, client_id=contact.client_id, obj=contact,
                    details={"fields": changed})
    return contact


@transaction.atomic
def do_remove_contact(contact: Contact, *, actor: Actor) -> None:
    """Remove a contact. Raises ValidationError for the client's last designated contact."""
    contact = Contact.objects.select_for_update().get(pk=contact.pk)
    if contact.is_designated and not _designated_left(contact):
        raise ValidationError(_lazy("a client keeps at least one designated contact (P07)"))
    contact_id, client_id = contact.pk, contact.client_id
    contact.delete()
    do_record_event(EventType.CONTACT_REMOVED, actor=actor, client_id=client_id, object_type="clients.contact",
                    object_id=contact_id)


@transaction.atomic
def do_create_agreement(
    client: Client,
    *,
    reference: str,
    subject: str,
    nature_and_purpose: str,
    data_types: str,
    data_subject_categories: str,
    starts_on: dt.date | None = None,
    ends_on: dt.date | None = None,
    max_retention_days: int | None = None,
    breach_notice_hours: int | None = None,
    high_risk_allowed: bool = False,
    high_risk_measures: str = "",
    instructions: str = "",
    security_measures: str = "",
    end_of_service: str = "",
    breach_contact: str = "",
    subprocessors=None,
    supersedes: Agreement | None = None,
    actor: Actor,
) -> Agreement:
    """Record a processing agreement as a draft; it takes effect with do_activate_agreement.

    Raises ValidationError for a taken reference, missing terms or a subprocessor outside the EU/EEA.
    """
    reference = reference.strip()
    if Agreement.objects.filter(client=client, reference__iexact=reference).exists():
        raise ValidationError(
            _lazy("%(client)s has an agreement '%(reference)s' already"),
            params={"client": client.name, "reference": reference},
        )
    if high_risk_allowed and not high_risk_measures.strip():
        raise ValidationError(_lazy("an agreement that allows high-risk files must state the extra measures (P23)"))
    agreement = Agreement(
        client=client,
        reference=reference,
        subject=subject,
        nature_and_purpose=nature_and_purpose,
        data_types=data_types,
        data_subject_categories=data_subject_categories,
        starts_on=starts_on or timezone.localdate(),
        ends_on=ends_on,
        high_risk_allowed=high_risk_allowed,
        high_risk_measures=high_risk_measures,
        instructions=instructions,
        security_measures=security_measures,
        breach_contact=breach_contact,
        supersedes=supersedes,
        version=(supersedes.version + 1) if supersedes else 1,
    )
    if end_of_service:
        agreement.end_of_service = end_of_service
    if max_retention_days is not None:
        agreement.max_retention_days = max_retention_days
    if breach_notice_hours is not None:
        agreement.breach_notice_hours = breach_notice_hours
    agreement.full_clean()
    agreement.save()
    subs = _set_subprocessors(agreement, subprocessors or [])
    do_record_event(
        EventType.AGREEMENT_CREATED, actor=actor, client_id=client.pk, obj=agreement,
        details={"version": agreement.version, "supersedes": supersedes.pk if supersedes else None,
                 "high_risk_allowed": agreement.high_risk_allowed, "subprocessors": subs},
    )
    return agreement


@transaction.atomic
def do_amend_agreement(agreement: Agreement, *, reference: str, starts_on: dt.date, actor: Actor, subprocessors=None,
                       **terms) -> Agreement:
    """Draft the next version of an agreement in force: it supersedes the old one from ``starts_on``
    once activated. Terms not given are copied from the old version. Raises ValidationError when the
    old one is not active or the new start is not after the old one's."""
    if agreement.status != AgreementStatus.ACTIVE:
        raise ValidationError(
            _lazy("agreement %(reference)s is %(status)s: only an active one is amended"),
            params={"reference": agreement.reference, "status": agreement.get_status_display()},
        )
    if starts_on <= agreement.starts_on:
        raise ValidationError(
            _lazy("the new version must start after %(start)s, the start of %(reference)s"),
            params={"start": formats.date_format(agreement.starts_on, "SHORT_DATE_FORMAT"),
                    "reference": agreement.reference},
        )
    unknown = set(terms) - set(AGREEMENT_TERMS)
    if unknown:
        raise ValidationError(_lazy("unknown term(s): %(terms)s"), params={"terms": ", ".join(sorted(unknown))})
    values = {name: getattr(agreement, name) for name in AGREEMENT_TERMS if name not in ("starts_on", "ends_on")}
    values.update(terms)
    values["starts_on"] = starts_on
    values.setdefault("ends_on", agreement.ends_on)
    return do_create_agreement(
        agreement.client, reference=reference, supersedes=agreement, actor=actor,
        subprocessors=agreement.subprocessors.all() if subprocessors is None else subprocessors, **values,
    )


@transaction.atomic
def do_change_draft_agreement(agreement: Agreement, *, actor: Actor, subprocessors=None, **terms) -> Agreement:
    """Change the terms of a draft; a change withdraws an earlier approval of its high-risk terms."""
    agreement = Agreement.objects.select_for_update().get(pk=agreement.pk)
    if agreement.status != AgreementStatus.DRAFT:
        raise ValidationError(
            _lazy("agreement %(reference)s is %(status)s: only a draft is changed"),
            params={"reference": agreement.reference, "status": agreement.get_status_display()},
        )
    unknown = set(terms) - set(AGREEMENT_TERMS)
    if unknown:
        raise ValidationError(_lazy("unknown term(s): %(terms)s"), params={"terms": ", ".join(sorted(unknown))})
    changed = sorted(name for name, value in terms.items() if getattr(agreement, name) != value)
    for name, value in terms.items():
        setattr(agreement, name, value)
    if agreement.high_risk_allowed and not agreement.high_risk_measures.strip():
        raise ValidationError(_lazy("an agreement that allows high-risk files must state the extra measures (P23)"))
    if changed:
        agreement.approved_by, agreement.approved_at = None, None
    agreement.full_clean()
    agreement.save()
    if subprocessors is not None:
        before = set(agreement.subprocessors.values_list("pk", flat=True))
        if set(_set_subprocessors(agreement, subprocessors)) != before:
            changed.append("subprocessors")
    do_record_event(EventType.AGREEMENT_CHANGED, actor=actor, client_id=agreement.client_id, obj=agreement,
                    details={"fields": changed})
    return agreement


@transaction.atomic
def do_approve_agreement(agreement: Agreement, *, user, actor: Actor) -> None:
    """The privacy officer approves a draft's high-risk terms (P23); only then may it be activated.

    Raises ValidationError for someone without the privacy role, or an agreement that is not a draft.
    """
    from verwerker.accounts.roles import is_privacy_officer  # local: same layer or upward, a cycle at the top

    if not is_privacy_officer(user):
        raise ValidationError(_lazy("only the privacy officer approves an agreement's high-risk terms"))
    agreement = Agreement.objects.select_for_update().get(pk=agreement.pk)
    if agreement.status != AgreementStatus.DRAFT:
        raise ValidationError(
            _lazy("agreement %(reference)s is %(status)s, not a draft"),
            params={"reference": agreement.reference, "status": agreement.get_status_display()},
        )
    agreement.approved_by, agreement.approved_at = user, timezone.now()
    agreement.save(update_fields=["approved_by", "approved_at"])
    do_record_event(EventType.AGREEMENT_APPROVED, actor=actor, client_id=agreement.client_id, obj=agreement,
                    details={"high_risk_allowed": agreement.high_risk_allowed})


@transaction.atomic
def do_activate_agreement(agreement: Agreement, *, actor: Actor) -> None:
    """Put a draft agreement in force; an amendment supersedes its old version from its start date.

    Raises ValidationError if it is not a draft, has expired, or allows high-risk files without the
    privacy officer's approval.
    """
    agreement = Agreement.objects.select_for_update().get(pk=agreement.pk)
    if agreement.status != AgreementStatus.DRAFT:
        raise ValidationError(
            _lazy("agreement %(reference)s is %(status)s, not a draft"),
            params={"reference": agreement.reference, "status": agreement.get_status_display()},
        )
    if agreement.ends_on and agreement.ends_on < timezone.localdate():
        raise ValidationError(
            _lazy("agreement %(reference)s ended on %(end)s"),
            params={"reference": agreement.reference,
                    "end": formats.date_format(agreement.ends_on, "SHORT_DATE_FORMAT")},
        )
    if agreement.needs_approval:
        raise ValidationError(
            _lazy("agreement %(reference)s allows high-risk files: the privacy officer must approve it first"),
            params={"reference": agreement.reference},
        )
    old = Agreement.objects.select_for_update().filter(pk=agreement.supersedes_id).first()  # type: ignore[misc]
    if old is not None and old.status != AgreementStatus.ACTIVE:
        raise ValidationError(
            _lazy("%(reference)s, which this version amends, is %(status)s, not active"),
            params={"reference": old.reference, "status": old.get_status_display()},
        )
    if old is not None and agreement.starts_on <= old.starts_on:
        raise ValidationError(
            _lazy("the new version must start after %(start)s, the start of %(reference)s"),
            params={"start": formats.date_format(old.starts_on, "SHORT_DATE_FORMAT"), "reference": old.reference},
        )
    agreement.status = AgreementStatus.ACTIVE
    agreement.save(update_fields=["status"])
    do_record_event(EventType.AGREEMENT_ACTIVATED, actor=actor, client_id=agreement.client_id, obj=agreement,
                    details={"version": agreement.version, "starts_on": agreement.starts_on.isoformat()})
    if old is not None:
        last_day = agreement.starts_on - dt.timedelta(days=1)
        old.ends_on = min(last_day, old.ends_on or dt.date.max)
        # From its last day on, the old version is over; before that it stays in force until then.
        if old.ends_on < timezone.localdate():
            old.status = AgreementStatus.ENDED
        old.save(update_fields=["ends_on", "status"])
        do_record_event(EventType.AGREEMENT_SUPERSEDED, actor=actor, client_id=old.client_id, obj=old,
                        details={"by": agreement.pk, "ends_on": old.ends_on.isoformat()})


@transaction.atomic
def do_end_agreement(agreement: Agreement, *, actor: Actor, on: dt.date | None = None) -> None:
    """End an agreement; from then on the client's files are refused (P09)."""
    agreement = Agreement.objects.select_for_update().get(pk=agreement.pk)
    agreement.status = AgreementStatus.ENDED
    agreement.ends_on = min(on or timezone.localdate(), agreement.ends_on or dt.date.max)
    if agreement.ends_on < agreement.starts_on:
        agreement.ends_on = agreement.starts_on
    agreement.save(update_fields=["status", "ends_on"])
    do_record_event(EventType.AGREEMENT_ENDED, actor=actor, client_id=agreement.client_id, obj=agreement)


def do_create_subprocessor(
    name: str, *, country: str, receives_personal_data: bool = True, contact_email: str = "", actor: Actor
) -> Subprocessor:
    """Register a subprocessor. Outside the EU/EEA one that receives personal data is refused (P22).

    Raises ValidationError with the reason; the refusal itself is audited.
    """
    country = country.strip().upper()
    if receives_personal_data and not is_eea(country):
        do_record_event(
            EventType.SUBPROCESSOR_REFUSED,
            actor=actor,
            object_type="clients.subprocessor",
            outcome=Outcome.REFUSED,
            details={"country": country, "reason": "outside EU/EEA (P22)"},
        )
        raise ValidationError(
            _lazy(
                "%(name)s: %(country)s is outside the EU/EEA, so this subprocessor may not receive personal data "
                "(P22)."
            ),
            params={"name": name, "country": country},
        )
    with transaction.atomic():
        sub = Subprocessor(
            name=name, country=country, receives_personal_data=receives_personal_data, contact_email=contact_email
        )
        sub.full_clean()
        sub.save()
        do_record_event(EventType.SUBPROCESSOR_CREATED, actor=actor, obj=sub, details={"country": country})
    return sub


@transaction.atomic
def do_add_subprocessing_agreement(
    subprocessor: Subprocessor, *, reference: str, starts_on: dt.date | None = None, active: bool = True, actor: Actor
) -> SubprocessingAgreement:
    """Record the subprocessor's own agreement with the house (Art. 28(4))."""
    agreement = SubprocessingAgreement.objects.create(
        subprocessor=subprocessor,
        reference=reference,
        starts_on=starts_on or timezone.localdate(),
        status=AgreementStatus.ACTIVE if active else AgreementStatus.DRAFT,
    )
    do_record_event(EventType.SUBPROCESSOR_CHANGED, actor=actor, obj=subprocessor, details={"agreement": reference})
    return agreement


@transaction.atomic
def do_allow_subprocessor(agreement: Agreement, subprocessor: Subprocessor, *, actor: Actor) -> None:
    """Name a subprocessor in a client's agreement (P21). Refused outside the EU/EEA (P22)."""
    if subprocessor.receives_personal_data and not is_eea(subprocessor.country):
        raise ValidationError(_lazy("%(name)s is outside the EU/EEA (P22)"), params={"name": subprocessor.name})
    agreement.subprocessors.add(subprocessor)
    do_record_event(
        EventType.AGREEMENT_CHANGED,
        actor=actor,
        client_id=agreement.client_id,
        obj=agreement,
        details={"subprocessor_added": subprocessor.pk},
    )


@transaction.atomic
def do_set_subprocessor_sftp_target(
    subprocessor: Subprocessor, *, host: str, username: str, host_key: str, port: int = 22, directory: str = "",
    key_file: str = "", password_file: str = "", actor: Actor,
) -> Subprocessor:
    """Set where jobs for this subprocessor are pushed, with its host key pinned.

    The credential is a file path (a private key, or a file holding the password), never the secret
    itself, and the path is not audited. Raises ValidationError for a bad host key or no credential.
    """
    try:
        key_type, fingerprint = parse_host_key_pin(host_key)
    except ValueError as exc:
        raise ValidationError(f"{subprocessor.name}: {exc}") from None
    if not host.strip() or not username.strip():
        raise ValidationError(
            _lazy("%(name)s: the SFTP target needs a host and a username"),
            params={"name": subprocessor.name},
        )
    if bool(key_file) == bool(password_file):
        raise ValidationError(
            _lazy("%(name)s: give either a private key file or a password file"),
            params={"name": subprocessor.name},
        )
    if not 0 < int(port) < 65536:
        raise ValidationError(
            _lazy("%(name)s: %(port)s is not a port number"),
            params={"name": subprocessor.name, "port": port},
        )
    sub = Subprocessor.objects.select_for_update().get(pk=subprocessor.pk)
    sub.sftp_host, sub.sftp_port, sub.sftp_username = host.strip(), int(port), username.strip()
    sub.sftp_directory = directory.strip()
    sub.sftp_host_key = format_host_key_pin(key_type, fingerprint)
    sub.sftp_key_file, sub.sftp_password_file = key_file, password_file
    sub.save()
    do_record_event(
        EventType.SUBPROCESSOR_CHANGED, actor=actor, obj=sub,
        details={"sftp_target": sub.sftp_target_label(), "host_key": sub.sftp_host_key,
                 "auth": "key" if key_file else "password"},
    )
    return sub


@transaction.atomic
def do_create_subprocessor_user(subprocessor: Subprocessor, username: str, *, email: str = "", actor: Actor):
    """A login for the subprocessor: a staff account with only the ``subprocessor`` role, bound to it.

    It must change its one-time password and enrol a second factor like all staff. Returns (user,
    one-time password). Raises ValidationError for a taken username.
    """
    from verwerker.accounts.actions import do_create_staff_user  # local: same layer or upward, a cycle at the top
    from verwerker.accounts.roles import Role  # local: same layer or upward, a cycle at the top

    user, password = do_create_staff_user(username, email=email, roles=[Role.SUBPROCESSOR], actor=actor)
    SubprocessorUser.objects.create(user=user, subprocessor=subprocessor)
    do_record_event(EventType.SUBPROCESSOR_CHANGED, actor=actor, obj=subprocessor, details={"user_added": user.pk})
    return user, password
