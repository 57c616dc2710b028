"""P07 for the house's own relations: access (a complete export as CSV and JSON), rectification and
erasure (financial records kept restricted, and the receipt says so), with a one-month deadline."""

import datetime as dt
import json

import pytest
from django.urls import reverse

from verwerker.audit.actors import Actor
from verwerker.crm.extra import ExtraData
from verwerker.crm.queries import EXTRA_PURPOSE, Declaration


@pytest.fixture
def customer(purposes, org, make_person, system_actor):
    from verwerker.crm import actions

    person = make_person("Verzoeker", organisation=org, first_name="Vera", phone="071-5123456")
    actions.do_record_consent(
        person, purposes["passende-acties"], text_shown="Acties die bij mij passen", method="card", actor=system_actor
    )
    actions.do_set_extra_data(person, ExtraData(dt.date(1980, 2, 29), ("golf",), ("https://social.example/vera",)),
                              Declaration(EXTRA_PURPOSE, "test"), actor=system_actor)
    actions.do_add_note(person=person, kind="call", text="Belde over de offerte", actor=system_actor)
    actions.do_add_financial_record(person=person, kind="invoice", reference="F-77", date=dt.date(2026, 3, 1),
                                    amount="99.50", actor=system_actor)
    actions.do_add_contract_term(person=person, reference="C-9", subject="Jaarcontract", starts_on=dt.date(2026, 1, 1),
                                 actor=system_actor)
    return person


def test_an_access_request_exports_everything_held_on_the_person_as_json_and_csv(customer, login, officer):
    from verwerker.crm.requests import do_log_relation_request

    request = do_log_relation_request(customer, "access", actor=Actor.for_user(officer))
    assert request.deadline.month == request.received_at.month % 12 + 1
    web = login(officer)
    data = json.loads(web.get(reverse("crm:request_export", args=[request.pk, "json"])).content)
    assert data["person"]["last_name"] == "Verzoeker" and data["person"]["phone"] == "+31715123456"
    assert data["organisation"]["kvk"] == "12345678"
    assert data["purpose_bound_data"] == {"birth_date": "1980-02-29", "interests": ["golf"],
                                          "social_profiles": ["https://social.example/vera"]}
    assert [c["text_shown"] for c in data["consents"]] == ["Acties die bij mij passen"]
    assert [n["text"] for n in data["notes"]] == ["Belde over de offerte"]
    assert data["financial_records"][0]["reference"] == "F-77" and data["contracts"][0]["reference"] == "C-9"
    csv_text = web.get(reverse("crm:request_export", args=[request.pk, "csv"])).content.decode()
    for value in ("Verzoeker", "1980-02-29", "golf", "F-77", "C-9", "Belde over de offerte"):
        assert value in csv_text
    web.post(reverse("crm:request", args=[request.pk]), {"execute": ""})
    request.refresh_from_db()
    assert not request.is_open and "CSV en JSON" in request.receipt


def test_an_erasure_removes_the_person_but_keeps_the_invoice_restricted_and_says_so(customer, system_actor):
    from verwerker.crm.models import Consent, ContractTerm, CrmCertificate, FinancialRecord, Person
    from verwerker.crm.requests import do_execute_relation_request, do_log_relation_request

    request = do_log_relation_request(customer, "erasure", actor=system_actor)
    receipt = do_execute_relation_request(request, actor=system_actor)
    assert not Person.objects.filter(pk=customer.pk).exists() and not Consent.objects.exists()
    invoice = FinancialRecord.objects.get()
    assert invoice.person is None and invoice.restricted_at is not None and invoice.party == "Vera Verzoeker"
    assert ContractTerm.objects.get().restricted_at is not None
    assert "2 financiële record(s) zijn niet verwijderd maar beperkt" in receipt and "art. 52 AWR" in receipt
    cert = json.loads(CrmCertificate.objects.get().body)
    assert cert["reason"] == "data_subject_request" and cert["deleted"][0]["financial_records_restricted"] == 2
    request.refresh_from_db()
    assert request.person is None and request.receipt == receipt


def test_a_rectification_corrects_the_fields_through_the_same_rules(customer, login, officer):
    from verwerker.crm.requests import do_log_relation_request

    request = do_log_relation_request(customer, "rectification", actor=Actor.system("test"))
    web = login(officer)
    page = web.get(reverse("crm:request", args=[request.pk]))
    form = page.context["form"]
    data = {k: ("" if v is None else v) for k, v in form.initial.items() if k in form.fields}
    data.update({"last_name": "Verzoeker-Smit", "organisation": customer.organisation_id, "postcode": "2345cd"})
    data = {k: v for k, v in data.items() if v not in (False,)}
    web.post(reverse("crm:request", args=[request.pk]), data)
    customer.refresh_from_db()
    request.refresh_from_db()
    assert customer.last_name == "Verzoeker-Smit" and "last_name" in request.receipt


def test_a_request_is_executed_once(customer, system_actor):
    from django.core.exceptions import ValidationError

    from verwerker.crm.requests import do_execute_relation_request, do_log_relation_request

    request = do_log_relation_request(customer, "access", actor=system_actor)
    do_execute_relation_request(request, actor=system_actor)
    with pytest.raises(ValidationError):
        do_execute_relation_request(request, actor=system_actor)


def test_a_relations_request_is_an_entry_of_the_one_request_register_with_its_deadline(customer, login, officer):
    from django.core.exceptions import ValidationError

    from verwerker.crm.requests import do_log_relation_request
    from verwerker.privacy.models import DataSubjectRequest, RequestConcerns
    from verwerker.privacy.subject_requests import do_execute_subject_request

    request = do_log_relation_request(customer, "erasure", actor=Actor.for_user(officer))
    entry = DataSubjectRequest.objects.get(concerns=RequestConcerns.OWN_RELATION)
    assert entry.pk == request.request_id and entry.client is None and entry.kind == "erasure"
    assert entry.deadline == request.deadline and entry.status == "open" and "Verzoeker" not in entry.subject_mask
    web = login(officer)
    listing = web.get(reverse("privacy:requests")).content.decode()
    assert f'data-request="{entry.reference}"' in listing
    assert web.get(reverse("privacy:request", args=[entry.pk])).url == reverse("crm:request", args=[request.pk])
    with pytest.raises(ValidationError, match="wordt beantwoord op het scherm"):
        do_execute_subject_request(entry, actor=Actor.for_user(officer))
    web.post(reverse("crm:request", args=[request.pk]), {"execute": ""})
    entry.refresh_from_db()
    assert entry.status == "executed" and "art. 52 AWR" in entry.receipt and entry.closed_at is not None


def test_a_relations_request_is_extended_in_the_register_by_two_months_with_reasons(customer, login, officer):
    from django.utils import timezone

    from verwerker.crm.requests import do_log_relation_request
    from verwerker.privacy.subject_requests import add_months

    request = do_log_relation_request(customer, "access", actor=Actor.for_user(officer))
    web = login(officer)
    web.post(reverse("crm:request", args=[request.pk]), {"extend": "", "reason": ""})
    request.request.refresh_from_db()
    assert request.request.extended_to is None
    web.post(reverse("crm:request", args=[request.pk]), {"extend": "", "reason": "Veel gegevens in het archief"})
    request.request.refresh_from_db()
    assert request.request.extended_to == add_months(timezone.localdate(request.received_at), 3)
    assert request.deadline == request.request.extended_to and request.is_open
