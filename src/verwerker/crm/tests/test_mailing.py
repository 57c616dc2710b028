"""Mailings become a production job of the house's own client through the existing pipeline (letters) or
e-mails through Django's mail backend, from the selection at that moment, minus suppression lists."""

import pytest

from verwerker.audit.actors import Actor
from verwerker.crm.queries import EXTRA_PURPOSE
from verwerker.vault.models import ReadPurpose


@pytest.fixture
def template(db):
    from verwerker.production.models import Template
    from verwerker.production.render import EXAMPLES

    return Template.objects.create(name="Brief", source=(EXAMPLES / "letter.typ").read_text())


@pytest.fixture
def readers(purposes, org, make_person, system_actor):
    from verwerker.crm.actions import do_record_consent

    people = {name: make_person(name, organisation=org, house_number=str(i + 1))
              for i, name in enumerate(["Aalders", "Bakker", "Claes", "Dekker", "Evers"])}
    for name in ["Aalders", "Bakker", "Claes", "Dekker"]:
        do_record_consent(people[name], purposes["nieuwsbrief"], text_shown="Ja", method="phone", actor=system_actor)
    return people


def test_letters_go_to_production_as_a_drafted_job_of_the_house_client_with_only_consenting_people(
        readers, purposes, template, relation_manager, manager_actor, system_actor):
    from verwerker.crm.actions import (
        do_create_mailing,
        do_produce_mailing_letters,
        do_update_person,
        do_withdraw_consent,
    )
    from verwerker.crm.models import HouseClient, Mailing, MailingRecipient
    from verwerker.datafiles.read import read_table
    from verwerker.production.workflow import JobState
    from verwerker.vault.actions import read_blob_bytes

    mailing = do_create_mailing(name="Najaar", purpose=purposes["nieuwsbrief"], channel="letter", actor=manager_actor)
    do_withdraw_consent(readers["Claes"].consents.get(), method="email", actor=system_actor)
    do_update_person(readers["Dekker"], {"deceased": True}, actor=system_actor)
    job = do_produce_mailing_letters(mailing, template=template, user=relation_manager, actor=manager_actor)
    assert job.state == JobState.DRAFTED and job.client_id == HouseClient.objects.get().client_id
    names = (
        read_table(
            read_blob_bytes(job.data_file.blob, actor=Actor.system("test reader"), purpose=ReadPurpose.VERIFICATION),
            name="x.csv",
        )
        .frame.get_column("Achternaam")
        .to_list()
    )
    assert sorted(names) == ["Aalders", "Bakker"]
    mailing.refresh_from_db()
    assert mailing.job_id == job.pk and mailing.state == "produced" and len(mailing.snapshot_sha256) == 64
    snapshot = MailingRecipient.objects.filter(mailing=mailing)
    assert {r.person.last_name for r in snapshot} == {"Aalders", "Bakker"}
    assert all(r.consent.purpose_id == purposes["nieuwsbrief"].pk for r in snapshot)
    assert Mailing.objects.get(pk=mailing.pk).selected_count == 2


def test_a_postfilter_list_in_the_production_format_removes_a_person(readers, purposes, manager_actor):
    from verwerker.crm.actions import do_create_mailing, do_import_suppression_list, do_select_mailing

    listed = b"Voorletters;Achternaam;Straat;Huisnummer;Postcode;Plaats\nA.;Bakker;Dorpsweg;2;2345CD;LEIDEN\n"
    do_import_suppression_list(listed, file_name="postfilter.csv", name="Postfilter 2026", kind="postfilter",
                               mapping={"Voorletters": "initials", "Achternaam": "last_name", "Straat": "street",
                                        "Huisnummer": "house_number", "Postcode": "postcode", "Plaats": "city"},
                               actor=manager_actor)
    mailing = do_create_mailing(name="Winter", purpose=purposes["nieuwsbrief"], channel="letter", actor=manager_actor)
    selection = do_select_mailing(mailing, actor=manager_actor)
    assert sorted(p.last_name for p, _c in selection.chosen) == ["Aalders", "Claes", "Dekker"]
    assert [(p.last_name, name) for p, name in selection.suppressed] == [("Bakker", "Postfilter 2026")]


def test_a_postfilter_entry_of_only_postcode_and_house_number_suppresses_the_person_living_there(
        readers, purposes, manager_actor):
    """GIVEN a Postfilter list that names delivery points only (postcode, house number, addition), as the
    register is delivered WHEN a newsletter selection is computed THEN whoever lives at a listed point is
    suppressed, a listed point with another addition suppresses nobody."""
    from verwerker.crm.actions import do_create_mailing, do_import_suppression_list, do_select_mailing

    listed = b"postcode;huisnummer;toevoeging\n2345 cd;3;\n2345CD;4;B\n"
    do_import_suppression_list(listed, file_name="postfilter.csv", name="Postfilter 2026", kind="postfilter",
                               mapping={"postcode": "postcode", "huisnummer": "house_number",
                                        "toevoeging": "house_number_addition"}, actor=manager_actor)
    mailing = do_create_mailing(name="Lente", purpose=purposes["nieuwsbrief"], channel="letter", actor=manager_actor)
    selection = do_select_mailing(mailing, actor=manager_actor)
    assert [(p.last_name, name) for p, name in selection.suppressed] == [("Claes", "Postfilter 2026")]
    assert sorted(p.last_name for p, _c in selection.chosen) == ["Aalders", "Bakker", "Dekker"]


def test_the_production_engine_suppresses_by_postcode_and_house_number_alone():
    import polars as pl

    from verwerker.production.dedupe import suppress
    from verwerker.production.records import apply_mapping, normalise_records, normalise_suppression_list

    people = pl.DataFrame({"naam": ["J. Jansen", "P. Peters"], "straat": ["Kerkstraat", "Kerkstraat"],
                           "nr": ["10", "12a"], "pc": ["1234AB", "1234AB"], "plaats": ["Utrecht", "Utrecht"]})
    records, _ = normalise_records(apply_mapping(people, {"naam": "full_name", "straat": "street", "nr": "house_number",
                                                          "pc": "postcode", "plaats": "city"}))
    listed = normalise_suppression_list(pl.DataFrame({"pc": ["1234 ab"], "nr": ["12 A"]}),
                                        {"pc": "postcode", "nr": "house_number"})
    kept, rejects = suppress(records, [("Postfilter", listed)])
    assert [r.related for r in rejects] == ["Postfilter"] and kept.height == 1


def test_an_unreadable_suppression_list_is_refused_in_one_line(purposes, manager_actor):
    from django.core.exceptions import ValidationError

    from verwerker.crm.actions import do_import_suppression_list

    with pytest.raises(ValidationError) as exc:
        do_import_suppression_list(b"\x00\x01\x02", file_name="kapot.xlsx", name="x", kind="deceased", mapping={},
                                   actor=manager_actor)
    assert "kapot.xlsx" in exc.value.messages[0] and "\n" not in exc.value.messages[0]


def test_an_e_mail_mailing_reaches_only_consenting_people_and_carries_a_withdrawal_link(
        readers, purposes, manager_actor, client, mailoutbox):
    from verwerker.crm.actions import do_create_mailing, do_send_mailing_email
    from verwerker.crm.models import Consent

    mailing = do_create_mailing(name="Nieuws", purpose=purposes["nieuwsbrief"], channel="email", subject="Nieuws",
                                body="Het laatste nieuws.", actor=manager_actor)
    assert do_send_mailing_email(mailing, actor=manager_actor) == 4
    assert sorted(m.to[0] for m in mailoutbox) == ["aalders@example.test", "bakker@example.test",
                                                   "claes@example.test", "dekker@example.test"]
    message = next(m for m in mailoutbox if m.to == ["bakker@example.test"])
    link = next(line for line in message.body.splitlines() if "/relaties/toestemming/" in line)
    client.post(link[link.index("/relaties/"):])
    assert not Consent.objects.get(person=readers["Bakker"]).holds()


def test_interests_cannot_be_a_criterion_of_a_newsletter(readers, purposes, login, relation_manager):
    from django.urls import reverse

    from verwerker.crm.models import Mailing

    web = login(relation_manager)
    response = web.post(reverse("crm:mailings"), {"name": "Slim", "purpose": "nieuwsbrief", "channel": "letter",
                                                  "interest": "zeilen"})
    assert response.status_code == 200 and not Mailing.objects.exists()
    assert EXTRA_PURPOSE == "passende-acties"


class CountingBackend:
    """Django's in-memory mail backend, counting the connections made (each would be one SMTP session)."""

    opened = 0

    def __new__(cls, *args, **kwargs):
        from django.core.mail.backends.locmem import EmailBackend

        CountingBackend.opened += 1
        return EmailBackend(*args, **kwargs)


def test_an_e_mail_mailing_opens_one_connection_to_the_mail_server_for_all_its_recipients(
        readers, purposes, manager_actor, settings, mailoutbox):
    from verwerker.crm.actions import do_create_mailing, do_send_mailing_email

    settings.EMAIL_BACKEND = f"{__name__}.CountingBackend"
    CountingBackend.opened = 0
    mailing = do_create_mailing(name="Nieuws", purpose=purposes["nieuwsbrief"], channel="email", subject="Nieuws",
                                body="Het laatste nieuws.", actor=manager_actor)
    assert do_send_mailing_email(mailing, actor=manager_actor) == 4
    assert len(mailoutbox) == 4 and CountingBackend.opened == 1
