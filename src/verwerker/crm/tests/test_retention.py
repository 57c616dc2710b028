"""P19 over eight years: the retention purge erases (with a certificate) people without relationship or
consent after two years and financial records seven years after the relationship ended, and keeps the
rest, including what a hold names."""

import datetime as dt
import json

import time_machine

from verwerker.audit.actors import Actor

START = dt.datetime(2026, 1, 15, 10, 0, tzinfo=dt.UTC)


def _purge(on: dt.datetime):
    from verwerker.retention.purge import run_purge

    with time_machine.travel(on, tick=False):
        return run_purge(actor=Actor.system("test purge"))


def test_eight_years_of_purges_erase_and_certify_what_is_due_and_keep_the_rest(purposes, system_actor):
    """GIVEN a client in a running relationship, a client whose relationship ends at the start of 2027
    with an invoice, a prospect with a two-year newsletter consent, a prospect without consent and one
    under a hold, a prospect organisation without people and one under a hold
    WHEN the purge runs every year until 2034 THEN each goes exactly when its rule says: an organisation
    after its last person, its invoice kept restricted until its seven years are over."""
    from verwerker.crm import actions
    from verwerker.crm.models import CrmCertificate, FinancialRecord, Organisation, Person
    from verwerker.retention.actions import do_place_hold

    with time_machine.travel(START, tick=False):
        running = actions.do_create_organisation({"name": "Blijft BV", "is_client": True}, actor=system_actor)
        ending = actions.do_create_organisation({"name": "Stopt BV", "is_client": True}, actor=system_actor)
        p_running = actions.do_create_person({"last_name": "Blijft", "organisation": running}, actor=system_actor)
        p_ending = actions.do_create_person({"last_name": "Stopt", "organisation": ending}, actor=system_actor)
        p_consent = actions.do_create_person({"last_name": "Lezer", "email": "lezer@example.test"}, actor=system_actor)
        p_none = actions.do_create_person({"last_name": "Prospect"}, actor=system_actor)
        p_held = actions.do_create_person({"last_name": "Vastgehouden"}, actor=system_actor)
        actions.do_record_consent(
            p_consent, purposes["nieuwsbrief"], text_shown="Ja graag", method="phone", actor=system_actor
        )
        invoice_ending = actions.do_add_financial_record(organisation=ending, kind="invoice", reference="F-1",
                                                         date=dt.date(2026, 6, 1), amount="120.00", actor=system_actor)
        invoice_running = actions.do_add_financial_record(organisation=running, kind="invoice", reference="F-2",
                                                          date=dt.date(2026, 6, 1), amount="80.00", actor=system_actor)
        do_place_hold("crm.person", p_held.pk, reason="legal dispute", actor=system_actor)
        org_prospect = actions.do_create_organisation({"name": "Misschien BV", "is_prospect": True}, actor=system_actor)
        org_held = actions.do_create_organisation({"name": "Geschil BV", "is_prospect": True}, actor=system_actor)
        do_place_hold("crm.organisation", org_held.pk, reason="legal dispute", actor=system_actor)
    with time_machine.travel(dt.datetime(2027, 1, 1, 9, tzinfo=dt.UTC), tick=False):
        actions.do_end_relationship(ending, actor=system_actor)

    def alive():
        return set(Person.objects.values_list("last_name", flat=True))

    def invoices():
        return set(FinancialRecord.objects.values_list("reference", flat=True))

    def organisations():
        return set(Organisation.objects.values_list("name", flat=True))

    seen, orgs = {}, {}
    for year in range(2026, 2035):
        _purge(dt.datetime(year, 1, 20, 3, tzinfo=dt.UTC))
        seen[year] = (alive(), invoices())
        orgs[year] = organisations()
    everyone = {"Blijft", "Stopt", "Lezer", "Prospect", "Vastgehouden"}
    assert seen[2026] == (everyone, {"F-1", "F-2"})
    assert seen[2027] == (everyone, {"F-1", "F-2"})
    # two years without relationship or consent: the prospect without consent goes (created 15 Jan 2026)
    assert seen[2028][0] == everyone - {"Prospect"}
    # the relationship of "Stopt" ended 1 Jan 2027; the consent of "Lezer" lapsed 15 Jan 2028
    assert seen[2029][0] == everyone - {"Prospect", "Stopt"}
    assert seen[2030][0] == {"Blijft", "Vastgehouden"}
    # the invoice stays seven years after the relationship ended (1 Jan 2027 + 2557 days = 3 Jan 2034)
    assert seen[2033][1] == {"F-1", "F-2"}
    assert seen[2034] == ({"Blijft", "Vastgehouden"}, {"F-2"})
    assert FinancialRecord.objects.get(pk=invoice_running.pk).relationship_ended_on is None
    # organisations: the prospect without people after two years, "Stopt BV" in the run that erased its
    # last person (its invoice restricted, still under its own name), the held one never
    all_orgs = {"Blijft BV", "Stopt BV", "Misschien BV", "Geschil BV"}
    assert orgs[2027] == all_orgs and orgs[2028] == all_orgs - {"Misschien BV"}
    assert orgs[2029] == orgs[2034] == {"Blijft BV", "Geschil BV"}
    assert not FinancialRecord.objects.filter(pk=invoice_ending.pk).exists()
    # each erasure is certified, naming ids and never names
    certified = {}
    for cert in CrmCertificate.objects.all():
        body = json.loads(cert.body)
        for item in body["deleted"]:
            certified[(item["object"], item["id"])] = cert.record_class
        assert "Prospect" not in cert.body and "Stopt" not in cert.body
    assert certified[("crm.person", p_none.pk)] == "crm"
    assert certified[("crm.person", p_ending.pk)] == "crm"
    assert certified[("crm.person", p_consent.pk)] == "crm"
    assert certified[("crm.financialrecord", invoice_ending.pk)] == "financieel"
    assert certified[("crm.organisation", org_prospect.pk)] == certified[("crm.organisation", ending.pk)] == "crm"
    assert ("crm.organisation", org_held.pk) not in certified and ("crm.organisation", running.pk) not in certified
    assert ("crm.person", p_running.pk) not in certified and ("crm.person", p_held.pk) not in certified


def test_an_erased_organisations_invoice_stays_restricted_under_its_name_until_its_seven_years(purposes, system_actor):
    from verwerker.crm import actions
    from verwerker.crm.models import FinancialRecord, Organisation

    with time_machine.travel(START, tick=False):
        ending = actions.do_create_organisation({"name": "Oud Klant BV", "is_client": True}, actor=system_actor)
        actions.do_add_financial_record(organisation=ending, kind="invoice", reference="F-9", date=dt.date(2026, 1, 10),
                                        amount="10.00", actor=system_actor)
        actions.do_end_relationship(ending, actor=system_actor)
    _purge(START + dt.timedelta(days=2 * 365 + 5))
    assert not Organisation.objects.filter(pk=ending.pk).exists()
    invoice = FinancialRecord.objects.get(reference="F-9")
    assert invoice.organisation is None and invoice.restricted_at is not None and invoice.party == "Oud Klant BV"
    assert invoice.relationship_ended_on == START.date()
    _purge(START + dt.timedelta(days=7 * 365 + 5))
    assert not FinancialRecord.objects.filter(reference="F-9").exists()


def test_every_class_of_own_relations_is_managed_by_the_purge(purposes):
    report = _purge(START)
    managed = {c["record_class"]: c["managed"] for c in report["classes"]}
    assert managed["crm"] and managed["financieel"] and "crm_financial" not in managed


def test_a_certificate_hash_is_in_the_audit_log(purposes, system_actor):
    import hashlib

    from verwerker.audit.events import EventType
    from verwerker.audit.models import AuditEvent
    from verwerker.crm.actions import do_create_person
    from verwerker.crm.models import CrmCertificate

    with time_machine.travel(START, tick=False):
        do_create_person({"last_name": "Oud"}, actor=system_actor)
    report = _purge(START + dt.timedelta(days=800))
    assert {c["record_class"]: c["purged"] for c in report["classes"]}["crm"] == 1
    cert = CrmCertificate.objects.get()
    event = AuditEvent.objects.get(action=EventType.CRM_CERTIFICATE_ISSUED)
    assert json.loads(event.details)["sha256"] == cert.sha256 == hashlib.sha256(cert.body.encode()).hexdigest()


def test_the_crm_period_is_configurable(purposes, system_actor):
    from verwerker.crm.actions import do_create_person
    from verwerker.crm.models import Person
    from verwerker.retention.actions import do_change_retention_schedule

    with time_machine.travel(START, tick=False):
        do_create_person({"last_name": "Kort"}, actor=system_actor)
    do_change_retention_schedule("crm", keep_days=400, actor=system_actor)
    _purge(START + dt.timedelta(days=390))
    assert Person.objects.filter(last_name="Kort").exists()
    _purge(START + dt.timedelta(days=410))
    assert not Person.objects.filter(last_name="Kort").exists()


def test_a_crm_certificate_is_issued_as_a_pdf_signed_by_the_house_that_carries_its_json(purposes, system_actor,
                                                                                       login, officer):
    import subprocess

    import pytest
    from django.urls import reverse

    from verwerker.crm.actions import do_create_person
    from verwerker.crm.certificates import verify_crm_certificate_pdf
    from verwerker.crm.models import CrmCertificate
    from verwerker.retention.certificates import CertificateInvalid

    with time_machine.travel(START, tick=False):
        person = do_create_person({"last_name": "Vergeten"}, actor=system_actor)
    _purge(START + dt.timedelta(days=800))
    cert = CrmCertificate.objects.get()
    response = login(officer).get(reverse("crm:certificate_pdf", args=[cert.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    pdf = response.content
    found = verify_crm_certificate_pdf(pdf)
    assert found["certificate_id"] == str(cert.pk) and found["sha256"] == cert.sha256
    text = subprocess.run(["pdftotext", "-", "-"], input=pdf, capture_output=True, check=True).stdout.decode()
    assert "Vernietigingsverklaring eigen relaties" in text and "persoon" in text and str(person.pk) in text
    assert "Vergeten" not in text and "de bewaartermijn is verstreken" in text
    tampered = bytearray(pdf)
    at = pdf.index(b"/Title")
    tampered[at + 8] ^= 1
    with pytest.raises(CertificateInvalid):
        verify_crm_certificate_pdf(bytes(tampered))
