"""The compliance dashboard checks P02, P03, P04 and P19 (CRM and financial classes) against live data."""

import pytest

pytestmark = pytest.mark.usefixtures("english")  # the evidence read as written, in English


def _rows():
    from verwerker.privacy.compliance import evaluate

    return {r["promise"].id: r["finding"] for r in evaluate()}


def test_the_dashboard_evaluates_the_crm_promises_from_live_data(purposes, org, make_person, system_actor):
    from verwerker.crm.actions import do_create_mailing, do_record_consent, do_select_mailing

    person = make_person("Lezer", organisation=org)
    do_record_consent(person, purposes["nieuwsbrief"], text_shown="Ja", method="phone", actor=system_actor)
    do_select_mailing(
        do_create_mailing(name="N", purpose=purposes["nieuwsbrief"], channel="letter", actor=system_actor),
        actor=system_actor,
    )
    rows = _rows()
    assert rows["P02"].state == "ok" and "1 organisations and 1 people" in rows["P02"].evidence
    assert rows["P03"].state == "ok" and "1 mailing recipients recorded, 0 without" in rows["P03"].evidence
    assert rows["P04"].state == "ok"
    assert rows["P19"].state == "ok" and "financieel: 2557" in rows["P19"].evidence
    assert "CRM: 730 days" in rows["P19"].evidence and "financial: 2557 days" in rows["P19"].evidence


def test_a_recipient_whose_consent_did_not_hold_at_selection_turns_p03_red(purposes, make_person, system_actor):
    from verwerker.crm.actions import do_create_mailing, do_record_consent, do_select_mailing
    from verwerker.crm.models import Consent

    person = make_person("Lezer")
    consent = do_record_consent(person, purposes["nieuwsbrief"], text_shown="Ja", method="phone", actor=system_actor)
    mailing = do_create_mailing(name="N", purpose=purposes["nieuwsbrief"], channel="letter", actor=system_actor)
    do_select_mailing(mailing, actor=system_actor)
    # a row changed behind the actions' back (say, by hand in the database) is what the check is there for
    Consent.objects.filter(pk=consent.pk).update(given_at=consent.given_at.replace(year=2099))
    assert _rows()["P03"].state == "failing"


def test_an_invalid_stored_number_turns_p02_red(org):
    from verwerker.crm.models import Organisation

    Organisation.objects.filter(pk=org.pk).update(iban="NL00ABNA0417164300")
    assert _rows()["P02"].state == "failing"


@pytest.mark.parametrize("missing", ["crm", "financieel"])
def test_p19_fails_without_the_crm_classes(missing, db):
    from verwerker.retention.models import RetentionSchedule

    RetentionSchedule.objects.filter(record_class=missing).delete()
    assert _rows()["P19"].state == "failing"
