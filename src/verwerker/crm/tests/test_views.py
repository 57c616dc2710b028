"""Every CRM screen: who may open it (the relation manager, the privacy officer, nobody else: client users
of any client and other staff roles get the same 404 as for a missing page), and the flows behind them."""

import datetime as dt

import pytest
from django.urls import reverse

MANAGER_PAGES = ["organisation_new", "organisation_edit", "person_new", "person_edit", "person_extra", "import",
                 "export", "suppression"]
SHARED_PAGES = ["search", "organisation", "person", "mailings", "mailing"]
OFFICER_PAGES = ["privacy", "purpose", "request", "request_export", "certificate"]


@pytest.fixture
def world(purposes, org, make_person, system_actor):
    from verwerker.crm.actions import do_create_mailing
    from verwerker.crm.purge import erase_people
    from verwerker.crm.requests import do_log_relation_request

    person = make_person("Jansen", organisation=org)
    mailing = do_create_mailing(name="Voorjaar", purpose=purposes["nieuwsbrief"], channel="letter", actor=system_actor)
    request = do_log_relation_request(person, "access", actor=system_actor)
    erase_people([make_person("Weg").pk], actor=system_actor, reason="test")
    from verwerker.crm.models import CrmCertificate

    return {"organisation": org.pk, "person": person.pk, "mailing": mailing.pk, "request": request.pk,
            "purpose": purposes["nieuwsbrief"].pk, "certificate": CrmCertificate.objects.get().pk}


def _url(name, w):
    args = {
        "organisation": [w["organisation"]], "organisation_edit": [w["organisation"]], "person": [w["person"]],
        "person_edit": [w["person"]], "person_extra": [w["person"]], "mailing": [w["mailing"]],
        "purpose": [w["purpose"]], "request": [w["request"]], "request_export": [w["request"], "json"],
        "certificate": [w["certificate"]],
    }.get(name, [])
    return reverse(f"crm:{name}", args=args)


ALL = MANAGER_PAGES + SHARED_PAGES + OFFICER_PAGES


@pytest.mark.parametrize("who", ["client_a", "client_b", "database", "print", "admin"])
def test_client_users_and_other_roles_get_a_404_on_every_crm_page(who, world, login, make_staff, user_a, user_b):
    user = {"client_a": user_a, "client_b": user_b}.get(who) or make_staff(who)
    web = login(user)
    for name in ALL:
        assert web.get(_url(name, world)).status_code == 404, name
        assert web.post(_url(name, world), {}).status_code in (404, 405), name


def test_the_relation_manager_opens_the_daily_screens_but_not_the_privacy_officers(world, login, relation_manager):
    web = login(relation_manager)
    for name in MANAGER_PAGES + SHARED_PAGES:
        assert web.get(_url(name, world)).status_code == 200, name
    for name in OFFICER_PAGES:
        assert web.get(_url(name, world)).status_code == 404, name


def test_the_privacy_officer_opens_consents_mailings_and_requests_but_does_not_edit_relations(world, login, officer):
    web = login(officer)
    for name in OFFICER_PAGES + SHARED_PAGES:
        assert web.get(_url(name, world)).status_code == 200, name
    for name in MANAGER_PAGES:
        assert web.get(_url(name, world)).status_code == 404, name
    assert web.post(_url("person", world), {"action": "note", "kind": "note", "text": "x"}).status_code == 404


def test_anonymous_visitors_are_sent_to_the_login(world, client):
    for name in ALL:
        response = client.get(_url(name, world))
        assert response.status_code == 302 and "/accounts/" in response["Location"], name


def test_an_unknown_id_looks_the_same_as_a_forbidden_one(world, login, relation_manager):
    web = login(relation_manager)
    assert web.get(reverse("crm:person", args=[999999])).status_code == 404


def test_the_manager_creates_an_organisation_and_bad_numbers_are_named_per_field(purposes, login, relation_manager):
    from verwerker.crm.models import Organisation

    web = login(relation_manager)
    bad = web.post(reverse("crm:organisation_new"), {"name": "Fout BV", "kvk": "123", "iban": "NL00ABNA0417164300",
                                                    "country": "NL"})
    assert bad.status_code == 200 and not Organisation.objects.exists()
    errors = bad.context["form"].errors
    assert "kvk" in errors and "iban" in errors
    good = web.post(reverse("crm:organisation_new"), {"name": "Goed BV", "is_client": "on", "kvk": "1234 5678",
                                                     "vat": "NL004495445B01", "iban": "nl91 abna 0417 1643 00",
                                                     "postcode": "1234ab", "country": "Nederland",
                                                     "phone": "030 123 4567", "website": "goed.example"})
    org = Organisation.objects.get()
    assert good.status_code == 302 and (org.kvk, org.iban, org.postcode, org.phone, org.website) == (
        "12345678", "NL91ABNA0417164300", "1234 AB", "+31301234567", "https://goed.example")


def test_the_manager_records_a_consent_by_phone_and_withdraws_it(world, login, relation_manager, purposes):
    from verwerker.crm.models import Consent

    web = login(relation_manager)
    url = _url("person", world)
    web.post(url, {"action": "consent", "purpose": purposes["uitnodigingen"].pk, "method": "phone",
                   "text_shown": "Mogen wij u uitnodigen voor onze open dag?"})
    consent = Consent.objects.get()
    assert consent.holds() and consent.recorded_by == "relatiebeheerder"
    web.post(url, {"action": "withdraw", "consent": consent.pk, "method": "phone"})
    consent.refresh_from_db()
    assert consent.withdrawn_at is not None and not consent.holds()


def test_an_online_consent_holds_only_after_the_e_mailed_link_is_followed(
    purposes, make_person, system_actor, client, django_capture_on_commit_callbacks, mailoutbox
):
    from verwerker.crm.actions import do_record_consent

    person = make_person("Online")
    with django_capture_on_commit_callbacks(execute=True):
        consent = do_record_consent(person, purposes["nieuwsbrief"], text_shown="Ja", method="form", actor=system_actor)
    assert not consent.holds()
    link = next(line for line in mailoutbox[0].body.splitlines() if "/relaties/toestemming/" in line)
    path = link[link.index("/relaties/"):]
    assert client.get(path).status_code == 200  # a mail scanner's GET changes nothing
    consent.refresh_from_db()
    assert consent.confirmed_at is None
    client.post(path)
    consent.refresh_from_db()
    assert consent.holds()
    assert client.get(path[:-3] + "xyz/").status_code == 400


def test_a_service_message_goes_without_any_consent_even_after_a_withdrawal(
        make_person, purposes, system_actor, mailoutbox, login, relation_manager):
    from verwerker.crm.actions import do_record_consent, do_withdraw_consent

    person = make_person("Klant")
    consent = do_record_consent(person, purposes["nieuwsbrief"], text_shown="Ja", method="phone", actor=system_actor)
    do_withdraw_consent(consent, method="phone", actor=system_actor)
    login(relation_manager).post(reverse("crm:person", args=[person.pk]),
                                 {"action": "service", "subject": "Factuur F-1", "body": "Bijgaand uw factuur."})
    assert [(m.to, m.subject) for m in mailoutbox] == [(["klant@example.test"], "Factuur F-1")]


def test_a_lapsing_consent_gets_one_re_permission_request_and_the_link_renews_it(
        purposes, make_person, system_actor, client, django_capture_on_commit_callbacks, mailoutbox):
    import time_machine

    from verwerker.crm.actions import do_record_consent, do_request_renewals
    from verwerker.crm.models import Consent

    person = make_person("Trouw")
    start = dt.datetime(2026, 2, 1, 12, tzinfo=dt.UTC)
    do_record_consent(
        person, purposes["nieuwsbrief"], text_shown="Ja", method="phone", given_at=start, actor=system_actor
    )
    later = start + dt.timedelta(days=710)
    with time_machine.travel(later, tick=False):
        with django_capture_on_commit_callbacks(execute=True):
            assert do_request_renewals(actor=system_actor) == 1
            assert do_request_renewals(actor=system_actor) == 0
        link = next(line for line in mailoutbox[0].body.splitlines() if "/relaties/toestemming/" in line)
        client.post(link[link.index("/relaties/"):])
    renewed = Consent.objects.filter(person=person).order_by("-given_at").first()
    assert renewed.given_at == later and renewed.holds(start + dt.timedelta(days=740))


def test_the_scheduled_renewal_task_sends_what_is_due(purposes, make_person, system_actor):
    import time_machine

    from verwerker.crm.actions import do_record_consent
    from verwerker.crm.models import Consent
    from verwerker.crm.tasks import request_renewals

    person = make_person("Gepland")
    start = dt.datetime(2026, 2, 1, 12, tzinfo=dt.UTC)
    do_record_consent(
        person, purposes["uitnodigingen"], text_shown="Ja", method="card", given_at=start, actor=system_actor
    )
    with time_machine.travel(start + dt.timedelta(days=715), tick=False):
        assert request_renewals.call() == {"sent": 1}
    assert Consent.objects.get().renewal_requested_at is not None


def test_the_import_screen_takes_the_erp_export_after_a_dry_run(org, login, relation_manager):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from verwerker.crm.models import FinancialRecord

    erp = "Debiteur;KvK-nummer;Soort;Factuurnummer;Factuurdatum;Bedrag\nX;12345678;factuur;F-9;01-05-2026;10,00\n"
    web = login(relation_manager)
    dry = web.post(reverse("crm:import"), {"what": "financial", "go": "dry",
                                           "file": SimpleUploadedFile("erp.csv", erp.encode())})
    assert dry.status_code == 200 and dry.context["report"].records_new == 1 and not FinancialRecord.objects.exists()
    done = web.post(reverse("crm:import"), {"what": "financial", "go": "import",
                                            "file": SimpleUploadedFile("erp.csv", erp.encode())})
    assert done.status_code == 302 and FinancialRecord.objects.get().organisation_id == org.pk


def test_addresses_are_shown_in_dutch_notation_by_the_production_engine(world, login, relation_manager):
    page = login(relation_manager).get(_url("person", world)).content.decode()
    assert "Drukkerij Voorbeeld BV<br>t.a.v. A. Jansen<br>Dorpsweg 5<br>2345 CD  LEIDEN" in page


def test_an_unreadable_export_is_refused_on_the_import_screen_in_dutch(login, relation_manager):
    from django.core.files.uploadedfile import SimpleUploadedFile

    page = login(relation_manager).post(reverse("crm:import"), {
        "what": "relations", "go": "dry", "file": SimpleUploadedFile("scan.csv", b"%PDF-1.4\n% een scan\n")})
    assert page.status_code == 200 and "scan.csv: een PDF-document, geen tabel" in page.content.decode()


def test_the_privacy_page_names_a_certificates_records_and_reason_in_dutch(login, officer, make_person, system_actor):
    from verwerker.crm.purge import erase_people

    erase_people([make_person("Wisman").pk], actor=system_actor, reason="data_subject_request")
    page = login(officer).get(reverse("crm:privacy")).content.decode()
    assert "<td>CRM: eigen relaties zonder relatie of toestemming</td><td>verzoek van een betrokkene</td>" in page
    assert "data_subject_request" not in page
