"""The relation manager's client screens: clients, contacts (P07), agreements as versions (P09, P23),
client users at the client's request (P05); the privacy officer's approval and subprocessors (P21, P22)."""

import datetime as dt

import pytest
from django.urls import reverse

from verwerker.accounts.models import User
from verwerker.accounts.roles import Role
from verwerker.audit.events import EventType
from verwerker.audit.models import AuditEvent
from verwerker.clients.models import Agreement, AgreementStatus, Client, Contact, Subprocessor
from verwerker.clients.queries import get_active_agreement

pytestmark = pytest.mark.django_db

TERMS = {
    "subject": "Huurdersbrieven", "nature_and_purpose": "Printen en verzenden", "data_types": "NAW",
    "data_subject_categories": "Huurders", "end_of_service": "delete", "max_retention_days": 31,
    "breach_notice_hours": 18,
}


@pytest.fixture
def rm(make_staff, login):
    return login(make_staff(Role.RELATION, "relatiebeheer"))


def _new_client(rm) -> Client:
    rm.post(reverse("clients:create"), {"name": "Stichting Deeland", "contact_name": "D. Contact",
                                        "contact_email": "contact@deeland.example"})
    return Client.objects.get(name="Stichting Deeland")


def test_the_relation_manager_creates_a_client_with_its_designated_contact_and_edits_it(rm):
    client = _new_client(rm)
    assert client.contacts.get().is_designated
    rm.post(reverse("clients:edit", args=[client.pk]), {"name": "Stichting Deeland NV"})
    client.refresh_from_db()
    assert client.name == "Stichting Deeland NV" and client.second_factor_for_high_risk is False
    assert AuditEvent.objects.filter(action=EventType.CLIENT_CHANGED, client_id=client.pk).count() == 1


def test_contacts_are_added_changed_and_removed_but_one_designated_contact_stays(rm):
    client = _new_client(rm)
    first = client.contacts.get()
    rm.post(reverse("clients:contact_add", args=[client.pk]), {"email": "tweede@deeland.example", "name": "Tweede"})
    second = client.contacts.get(email="tweede@deeland.example")
    assert not second.is_designated
    rm.post(reverse("clients:contact", args=[first.pk]), {"remove": "1"})
    assert Contact.objects.filter(pk=first.pk).exists()  # the last designated one stays
    rm.post(reverse("clients:contact", args=[second.pk]), {"email": second.email, "is_designated": "on"})
    rm.post(reverse("clients:contact", args=[first.pk]), {"remove": "1"})
    assert list(client.contacts.values_list("email", flat=True)) == ["tweede@deeland.example"]
    assert AuditEvent.objects.filter(action=EventType.CONTACT_REMOVED, client_id=client.pk).count() == 1


def test_an_agreement_is_drafted_and_activated_on_the_screens_and_then_files_may_come(rm):
    client = _new_client(rm)
    rm.post(reverse("clients:agreement_new", args=[client.pk]), {**TERMS, "reference": "VO-D-1",
                                                                   "starts_on": dt.date.today().isoformat()})
    agreement = Agreement.objects.get(client=client)
    assert agreement.status == AgreementStatus.DRAFT and get_active_agreement(client) is None
    rm.post(reverse("clients:agreement_activate", args=[agreement.pk]))
    assert get_active_agreement(client) == agreement


def test_high_risk_terms_wait_for_the_privacy_officer_whom_the_relation_manager_cannot_replace(rm, make_staff, login):
    client = _new_client(rm)
    rm.post(reverse("clients:agreement_new", args=[client.pk]), {
        **TERMS, "reference": "VO-D-H", "starts_on": dt.date.today().isoformat(), "high_risk_allowed": "on",
        "high_risk_measures": "Vier ogen bij vrijgave"})
    agreement = Agreement.objects.get(client=client)
    rm.post(reverse("clients:agreement_activate", args=[agreement.pk]))
    rm.post(reverse("clients:agreement_approve", args=[agreement.pk]))
    agreement.refresh_from_db()
    assert agreement.status == AgreementStatus.DRAFT and agreement.approved_at is None
    officer = login(make_staff(Role.PRIVACY, "fg"))  # the same test client now belongs to the officer
    officer.post(reverse("clients:agreement_approve", args=[agreement.pk]))
    rm = login(User.objects.get(username="relatiebeheer"))
    rm.post(reverse("clients:agreement_activate", args=[agreement.pk]))
    agreement.refresh_from_db()
    assert agreement.status == AgreementStatus.ACTIVE and agreement.approved_by.username == "fg"


def test_an_amendment_supersedes_the_old_version_from_its_date_and_the_history_shows_both(rm, client_a):
    old = get_active_agreement(client_a)
    start = dt.date.today() + dt.timedelta(days=10)
    rm.post(reverse("clients:agreement_new", args=[client_a.pk]) + f"?amend={old.pk}", {
        **TERMS, "amend": old.pk, "reference": "VO-A-2", "starts_on": start.isoformat(), "max_retention_days": 14})
    new = Agreement.objects.get(reference="VO-A-2")
    assert (new.supersedes, new.version, new.max_retention_days) == (old, 2, 14)
    rm.post(reverse("clients:agreement_activate", args=[new.pk]))
    old.refresh_from_db()
    assert old.ends_on == start - dt.timedelta(days=1)
    assert get_active_agreement(client_a) == old
    assert get_active_agreement(client_a, on=start) == new
    page = rm.get(reverse("clients:agreement", args=[new.pk]))
    assert [a.reference for a in page.context["history"]] == ["VO-A-2", "VO-A-1"]
    assert [a.standing for a in page.context["history"]] == ["scheduled", "in_force"]
    assert AuditEvent.objects.filter(action=EventType.AGREEMENT_SUPERSEDED, object_id=str(old.pk)).count() == 1


def test_a_client_user_is_created_at_the_designated_contacts_request_with_its_reference(rm, client_a):
    contact = client_a.contacts.get()
    answer = rm.post(reverse("clients:client_user_create", args=[client_a.pk]), {
        "username": "aland-kees", "email": "kees@aland.example", "requested_by": contact.pk,
        "request_reference": "Brief 2026-118"})
    user = User.objects.get(username="aland-kees")
    assert user.client == client_a and user.requested_by == contact and user.request_reference == "Brief 2026-118"
    assert user.check_password(answer.context["password"])
    event = AuditEvent.objects.get(action=EventType.USER_CREATED, object_id=str(user.pk))
    assert "Brief 2026-118" in event.details
    # Without the request's reference nobody is created.
    rm.post(reverse("clients:client_user_create", args=[client_a.pk]), {
        "username": "zonder-verzoek", "email": "z@aland.example", "requested_by": contact.pk})
    assert not User.objects.filter(username="zonder-verzoek").exists()


def test_subprocessors_are_kept_by_the_privacy_officer_and_refused_outside_the_eea(make_staff, login):
    officer = login(make_staff(Role.PRIVACY, "fg"))
    officer.post(reverse("clients:subprocessors"), {"name": "Drukkerij Oost", "country": "de",
                                                    "receives_personal_data": "on"})
    answer = officer.post(reverse("clients:subprocessors"), {"name": "Far Print", "country": "US",
                                                             "receives_personal_data": "on"})
    assert "EU/EER" in answer.content.decode()
    assert list(Subprocessor.objects.values_list("name", "country")) == [("Drukkerij Oost", "DE")]
    sub = Subprocessor.objects.get()
    officer.post(reverse("clients:subprocessor_agreement", args=[sub.pk]), {
        "reference": "SVO-1", "starts_on": dt.date.today().isoformat(), "active": "on"})
    assert sub.active_agreement().reference == "SVO-1"


@pytest.mark.parametrize("role", [Role.DATABASE, Role.PRINT, Role.PRIVACY])
def test_roles_other_than_the_relation_manager_cannot_change_clients_or_agreements(make_staff, login, client_a, role):
    web = login(make_staff(role, f"niet-rm-{role}"))
    agreement = get_active_agreement(client_a)
    contact = client_a.contacts.get()
    assert web.post(reverse("clients:create"), {"name": "X", "contact_email": "x@x.example"}).status_code == 403
    assert web.post(reverse("clients:edit", args=[client_a.pk]), {"name": "Y"}).status_code == 403
    assert web.post(reverse("clients:contact_add", args=[client_a.pk]), {"email": "n@x.example"}).status_code == 403
    assert web.post(reverse("clients:contact", args=[contact.pk]), {"remove": "1"}).status_code == 403
    assert (
        web.post(reverse("clients:agreement_new", args=[client_a.pk]), {**TERMS, "reference": "Z"}).status_code == 403
    )
    assert web.post(reverse("clients:agreement_activate", args=[agreement.pk])).status_code == 403
    assert web.post(reverse("clients:client_user_create", args=[client_a.pk]), {}).status_code == 403
    assert Client.objects.get(pk=client_a.pk).name == "Woningstichting Aland"
    assert client_a.agreements.count() == 1 and client_a.contacts.count() == 1


def test_the_relation_manager_cannot_add_subprocessors(rm):
    assert rm.post(reverse("clients:subprocessors"), {"name": "Z", "country": "NL"}).status_code == 403
    assert not Subprocessor.objects.exists()


def test_a_client_user_sees_only_their_own_client_and_changes_nothing(user_a, client_a, client_b, login):
    web = login(user_a)
    agreement_b = get_active_agreement(client_b)
    assert web.get(reverse("clients:detail", args=[client_b.pk])).status_code == 404
    assert web.get(reverse("clients:agreement", args=[agreement_b.pk])).status_code == 404
    own = web.get(reverse("clients:detail", args=[client_a.pk]))
    assert own.status_code == 200 and "sftp" not in own.context and "client_user_form" not in own.context
    for url in (reverse("clients:edit", args=[client_b.pk]), reverse("clients:contact_add", args=[client_a.pk]),
                reverse("clients:agreement_activate", args=[agreement_b.pk]),
                reverse("clients:agreement_approve", args=[agreement_b.pk]),
                reverse("clients:client_user_create", args=[client_a.pk])):
        assert web.post(url, {"name": "X", "email": "x@x.example"}).status_code in (403, 404)
    assert web.get(reverse("clients:contact", args=[client_b.contacts.get().pk])).status_code == 403


def test_a_draft_is_changed_on_its_screen_and_a_change_withdraws_the_approval(rm, client_a, make_staff, system_actor):
    from verwerker.clients.actions import do_approve_agreement

    old = get_active_agreement(client_a)
    start = dt.date.today() + dt.timedelta(days=3)
    rm.post(reverse("clients:agreement_new", args=[client_a.pk]), {
        **TERMS, "amend": old.pk, "reference": "VO-A-2", "starts_on": start.isoformat(), "high_risk_allowed": "on",
        "high_risk_measures": "Vier ogen"})
    draft = Agreement.objects.get(reference="VO-A-2")
    do_approve_agreement(draft, user=make_staff(Role.PRIVACY, "fg"), actor=system_actor)
    rm.post(reverse("clients:agreement_edit", args=[draft.pk]), {
        **TERMS, "reference": "ANDERS", "starts_on": start.isoformat(), "high_risk_allowed": "on",
        "high_risk_measures": "Vier ogen en een afgeschermde werkplek"})
    draft.refresh_from_db()
    assert draft.reference == "VO-A-2" and draft.high_risk_measures.endswith("werkplek")
    assert draft.approved_at is None  # changed terms need a new approval
    # An amendment moved to start before its old version is refused at activation, with a message.
    Agreement.objects.filter(pk=draft.pk).update(starts_on=old.starts_on, high_risk_allowed=False)
    answer = rm.post(reverse("clients:agreement_activate", args=[draft.pk]), follow=True)
    assert "moet beginnen na" in str(list(answer.context["messages"])[-1])
    assert Agreement.objects.get(pk=draft.pk).status == AgreementStatus.DRAFT
