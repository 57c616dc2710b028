"""P03 as a property: over random consent histories (given by various methods, confirmed late or never,
withdrawn, lapsed), a mailing's selection at a random moment holds exactly the people whose consent for
its purpose holds at that moment (and are not deceased or suppressed), never anyone else."""

import datetime as dt
import random

import pytest
import time_machine

from verwerker.audit.actors import Actor

BASE = dt.datetime(2026, 3, 1, 9, 0, tzinfo=dt.UTC)
METHODS = ["form", "email", "phone", "card", "paper"]


def _valid(c: dict, at: dt.datetime) -> bool:
    """The rule as the statement reads, written out independently of consent.py and the query."""
    if at < c["given"]:
        return False
    if c["online"] and (c["confirmed"] is None or at < c["confirmed"]):
        return False
    if c["withdrawn"] is not None and at >= c["withdrawn"]:
        return False
    return c["expires"] is None or at < c["expires"]


def _history(rng, person, purposes, facts, actor):
    from verwerker.crm.actions import consent_token, do_confirm_consent, do_record_consent, do_withdraw_consent

    for _ in range(rng.randint(0, 4)):
        purpose = rng.choice(purposes)
        given = BASE + dt.timedelta(days=rng.randint(0, 900), minutes=rng.randint(0, 1440))
        method = rng.choice(METHODS)
        consent = do_record_consent(person, purpose, text_shown=f"tekst {rng.random()}", method=method,
                                    given_at=given, actor=actor)
        fact = {"person": person.pk, "purpose": purpose.pk, "given": given, "online": method in ("form", "email"),
                "confirmed": None, "withdrawn": None,
                "expires": given + dt.timedelta(days=purpose.valid_days) if purpose.valid_days else None}
        if fact["online"] and rng.random() < 0.7:
            confirm_at = given + dt.timedelta(hours=rng.randint(1, 24 * 20))
            with time_machine.travel(confirm_at, tick=False):
                do_confirm_consent(consent_token(consent, "confirm"), actor=actor)
            fact["confirmed"] = confirm_at
        if rng.random() < 0.4:
            withdraw_at = given + dt.timedelta(days=rng.randint(0, 400))
            do_withdraw_consent(consent, method=rng.choice(METHODS), at=withdraw_at, actor=actor)
            fact["withdrawn"] = withdraw_at
        facts.append(fact)


@pytest.mark.parametrize("seed", [1, 2, 3, 4, 5])
def test_a_mailing_never_holds_anyone_without_a_valid_consent_at_selection(seed, purposes, make_person, system_actor):
    from verwerker.crm.actions import do_create_mailing, do_select_mailing, do_update_person
    from verwerker.crm.models import MailingRecipient

    rng = random.Random(seed)
    actor = Actor.system("property test")
    # Purposes with different lifetimes, one without expiry, so lapses happen inside the window.
    plist = list(purposes.values())
    for purpose, days in zip(plist, [rng.choice([None, 120, 365]), 200, 730], strict=True):
        purpose.valid_days = days
        purpose.save()
    people, facts = [], []
    for i in range(30):
        person = make_person(f"Persoon{seed}x{i}", house_number=str(i + 1))
        if rng.random() < 0.1:
            do_update_person(person, {"deceased": True}, actor=actor)
            person.refresh_from_db()
        _history(rng, person, plist, facts, actor)
        people.append(person)
    deceased = {p.pk for p in people if p.deceased}
    checked = 0
    for round_ in range(12):
        purpose = rng.choice(plist)
        at = BASE + dt.timedelta(days=rng.randint(0, 1300), minutes=rng.randint(0, 1440))
        mailing = do_create_mailing(name=f"m{round_}", purpose=purpose, channel="letter", actor=actor)
        do_select_mailing(mailing, at=at, actor=actor)
        selected = set(MailingRecipient.objects.filter(mailing=mailing).values_list("person_id", flat=True))
        expected = {f["person"] for f in facts if f["purpose"] == purpose.pk and _valid(f, at)} - deceased
        assert selected == expected, (seed, round_, at, purpose.code)
        for r in MailingRecipient.objects.filter(mailing=mailing).select_related("consent"):
            assert r.consent.purpose_id == purpose.pk and r.consent.holds(at)
        checked += len(selected)
    assert checked > 0, "the random histories should select someone at some moment"


def test_criteria_narrow_the_consenting_people_and_can_never_add_anyone(purposes, make_person, org, system_actor):
    from verwerker.crm.actions import do_create_mailing, do_record_consent, do_select_mailing

    with_consent = make_person("Akkoord", organisation=org, city="Utrecht")
    make_person("Zonder", organisation=org, city="Utrecht")
    do_record_consent(with_consent, purposes["nieuwsbrief"], text_shown="Ja", method="phone", actor=system_actor)
    mailing = do_create_mailing(name="Iedereen in Utrecht", purpose=purposes["nieuwsbrief"], channel="letter",
                                criteria={"city": "Utrecht", "kind": "client"}, actor=system_actor)
    selection = do_select_mailing(mailing, actor=system_actor)
    assert [p.last_name for p, _c in selection.chosen] == ["Akkoord"]
