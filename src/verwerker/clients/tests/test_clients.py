"""Clients, agreements (P09) and subprocessors (P21, P22)."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse

from verwerker.accounts.roles import Role
from verwerker.audit.events import EventType, Outcome
from verwerker.audit.models import AuditEvent
from verwerker.clients.actions import (
    do_allow_subprocessor,
    do_create_agreement,
    do_create_client,
    do_create_subprocessor,
    do_end_agreement,
)
from verwerker.clients.models import Subprocessor
from verwerker.clients.queries import get_active_agreement

pytestmark = pytest.mark.django_db


def test_a_subprocessor_outside_the_eea_that_receives_data_is_refused_and_audited(system_actor):
    with pytest.raises(ValidationError, match="US ligt buiten de EU/EER"):
        do_create_subprocessor("Print Corp", country="us", actor=system_actor)
    assert not Subprocessor.objects.exists()
    refusal = AuditEvent.objects.get(action=EventType.SUBPROCESSOR_REFUSED)
    assert refusal.outcome == Outcome.REFUSED and '"US"' in refusal.details


def test_a_refusal_with_names_in_it_reads_in_the_language_of_whoever_reads_it(client_a, system_actor):
    """GIVEN a refusal that names what it refuses (a taken client name) WHEN a Dutch and an English reader see
    it THEN each reads it in their language, the name filled in (the text is translated when read)."""
    from django.utils import translation

    with pytest.raises(ValidationError) as refused:
        do_create_client(client_a.name, contact_email="x@example.test", actor=system_actor)
    assert refused.value.messages == [f"er bestaat al een klant met de naam '{client_a.name}'"]
    with translation.override("en"):
        assert refused.value.messages == [f"a client named '{client_a.name}' exists already"]


def test_the_database_itself_refuses_a_non_eea_subprocessor_with_data():
    with pytest.raises(IntegrityError), transaction.atomic():
        Subprocessor.objects.create(name="Sneaky", country="CN", receives_personal_data=True)


def test_eea_subprocessors_and_non_eea_ones_without_data_are_accepted(system_actor):
    assert do_create_subprocessor("Drukkerij Noord", country="no", actor=system_actor).country == "NO"
    assert do_create_subprocessor("Papier Inc", country="US", receives_personal_data=False, actor=system_actor)


def test_only_an_agreement_in_force_lets_a_client_send_files(client_a, system_actor):
    assert get_active_agreement(client_a).reference == "VO-A-1"
    draft_only = do_create_client("Zonder Overeenkomst", contact_email="x@example.test", actor=system_actor)
    do_create_agreement(
        draft_only, reference="D-1", subject="s", nature_and_purpose="n", data_types="NAW",
        data_subject_categories="c", actor=system_actor,
    )
    assert get_active_agreement(draft_only) is None
    do_end_agreement(get_active_agreement(client_a), actor=system_actor, on=dt.date.today())
    assert get_active_agreement(client_a, on=dt.date.today() + dt.timedelta(days=1)) is None
    assert get_active_agreement(client_a, on=dt.date.today() - dt.timedelta(days=400)) is None


def test_agreement_terms_default_to_the_statements_figures(client_a):
    agreement = get_active_agreement(client_a)
    assert agreement.max_retention_days == 31 and agreement.breach_notice_hours == 18


def test_a_non_eea_subprocessor_cannot_be_named_in_an_agreement(client_a, system_actor):
    outsider = Subprocessor.objects.create(name="Bulk Paper", country="US", receives_personal_data=False)
    outsider.receives_personal_data = True  # as if someone flipped it in memory
    with pytest.raises(ValidationError):
        do_allow_subprocessor(get_active_agreement(client_a), outsider, actor=system_actor)


# Cross-client denial: a user of client A gets the same 404 for client B's objects in every view.


def test_a_client_user_sees_only_their_own_client(login, user_a, client_a, client_b):
    web = login(user_a)
    assert web.get(reverse("clients:detail", args=[client_a.pk])).status_code == 200
    assert web.get(reverse("clients:detail", args=[client_b.pk])).status_code == 404
    assert web.get(reverse("clients:detail", args=[999999])).status_code == 404
    assert web.get(reverse("clients:list")).status_code == 403


def test_a_client_user_sees_only_their_own_agreements(login, user_a, client_a, client_b):
    web = login(user_a)
    own = get_active_agreement(client_a)
    other = get_active_agreement(client_b)
    home = web.get(reverse("home"))
    assert own.reference in home.content.decode() and other.reference not in home.content.decode()
    assert web.get(reverse("clients:agreement", args=[own.pk])).status_code == 200
    assert web.get(reverse("clients:agreement", args=[other.pk])).status_code == 404


def test_staff_without_client_rights_get_404_for_a_client(login, make_staff, client_a):
    web = login(make_staff(Role.PRINT))
    assert web.get(reverse("clients:detail", args=[client_a.pk])).status_code == 404
    assert web.get(reverse("clients:agreement", args=[get_active_agreement(client_a).pk])).status_code == 404


def test_the_relation_manager_sees_every_client(login, make_staff, client_a, client_b):
    web = login(make_staff(Role.RELATION))
    listing = web.get(reverse("clients:list")).content.decode()
    assert client_a.name in listing and client_b.name in listing
    assert web.get(reverse("clients:detail", args=[client_b.pk])).status_code == 200
