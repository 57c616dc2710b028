"""Writes of the clients app: clients, contacts, agreements, subprocessors. Atomic and audited."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from verwerker.audit.actions import do_record_event
from verwerker.audit.actors import Actor
from verwerker.audit.events import EventType, Outcome
from verwerker.clients.eea import is_eea
from verwerker.clients.models import (
    Agreement,
    AgreementStatus,
    Client,
    Contact,
    Subprocessor,
    SubprocessingAgreement,
    SubprocessorUser,
)
from verwerker.lib.hostkey import format_host_key_pin, parse_host_key_pin


@transaction.atomic
def do_create_client(name: str, *, contact_email: str, contact_name: str = "", actor: Actor) -> Client:
    """Create a client with its designated contact. Raises ValidationError for a taken name or bad e-mail."""
    name = name.strip()
    if not name:
        raise ValidationError("a client needs a name")
    if Client.objects.filter(name__iexact=name).exists():
        raise ValidationError(f"a client named {name!r} exists already")
    client = Client.objects.create(name=name)
    contact = Contact(client=client, email=contact_email, name=contact_name, is_designated=True)
    contact.full_clean()
    contact.save()
    do_record_event(EventType.CLIENT_CREATED, actor=actor, client_id=client.pk, obj=client)
    do_record_event(EventType.CONTACT_ADDED, actor=actor, client_id=client.pk, obj=contact)
    return client


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
    actor: Actor,
) -> Agreement:
    """Record a processing agreement as a draft; it takes effect with do_activate_agreement."""
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
    )
    if max_retention_days is not None:
        agreement.max_retention_days = max_retention_days
    if breach_notice_hours is not None:
        agreement.breach_notice_hours = breach_notice_hours
    agreement.full_clean()
    agreement.save()
    do_record_event(EventType.AGREEMENT_CREATED, actor=actor, client_id=client.pk, obj=agreement)
    return agreement


@transaction.atomic
def do_activate_agreement(agreement: Agreement, *, actor: Actor) -> None:
    """Put a draft agreement in force. Raises ValidationError if it is not a draft or has expired."""
    agreement = Agreement.objects.select_for_update().get(pk=agreement.pk)
    if agreement.status != AgreementStatus.DRAFT:
        raise ValidationError(f"agreement {agreement.reference} is {agreement.status}, not a draft")
    if agreement.ends_on and agreement.ends_on < timezone.localdate():
        raise ValidationError(f"agreement {agreement.reference} ended on {agreement.ends_on}")
    agreement.status = AgreementStatus.ACTIVE
    agreement.save(update_fields=["status"])
    do_record_event(EventType.AGREEMENT_ACTIVATED, actor=actor, client_id=agreement.client_id, obj=agreement)


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
            f"{name}: {country} is outside the EU/EEA, so this subprocessor may not receive personal "
            "data (P22)."
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
        raise ValidationError(f"{subprocessor.name} is outside the EU/EEA (P22)")
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
        raise ValidationError(f"{subprocessor.name}: the SFTP target needs a host and a username")
    if bool(key_file) == bool(password_file):
        raise ValidationError(f"{subprocessor.name}: give either a private key file or a password file")
    if not 0 < int(port) < 65536:
        raise ValidationError(f"{subprocessor.name}: {port} is not a port number")
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
    from verwerker.accounts.actions import do_create_staff_user
    from verwerker.accounts.roles import Role

    user, password = do_create_staff_user(username, email=email, roles=[Role.SUBPROCESSOR], actor=actor)
    SubprocessorUser.objects.create(user=user, subprocessor=subprocessor)
    do_record_event(EventType.SUBPROCESSOR_CHANGED, actor=actor, obj=subprocessor, details={"user_added": user.pk})
    return user, password
