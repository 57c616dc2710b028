"""The breach register and its 18-hour clock (P24)."""

import datetime as dt
import zoneinfo

import pytest
import time_machine
from django.core import mail
from django.core.exceptions import ValidationError
from django.urls import reverse

from verwerker.accounts.roles import Role
from verwerker.audit.actions import do_record_event
from verwerker.audit.events import EventType
from verwerker.audit.models import AuditEvent
from verwerker.clients.queries import get_active_agreement
from verwerker.privacy.actions import (
    do_analyse_breach_impact,
    do_change_breach_status,
    do_escalate_breaches,
    do_report_breach,
    do_send_breach_notice,
)
from verwerker.privacy.models import BreachEscalation, BreachStatus
from verwerker.vault.models import BlobPurpose

pytestmark = pytest.mark.django_db
AMS = zoneinfo.ZoneInfo("Europe/Amsterdam")


def at(day, hour, minute=0):
    return dt.datetime(2026, 11, day, hour, minute, tzinfo=AMS)


@pytest.fixture
def window_activity(client_a, client_b, system_actor):
    """Client A's file is handled inside the window (10 Nov, 08:00–12:00); client B's only after it."""
    with time_machine.travel(at(10, 9), tick=False):
        do_record_event(
            EventType.CLIENT_CHANGED,
            actor=system_actor,
            client_id=client_a.pk,
            object_type="vault.blob",
            object_id="a-file",
        )
    with time_machine.travel(at(10, 15), tick=False):
        do_record_event(
            EventType.CLIENT_CHANGED,
            actor=system_actor,
            client_id=client_b.pk,
            object_type="vault.blob",
            object_id="b-file",
        )


def _report(system_actor, **extra):
    return do_report_breach(
        title="Envelop met verkeerde brief", description="Een medewerker vond een verkeerd gevouwen brief.",
        discovered_at=at(10, 9), window_start=at(10, 8), window_end=at(10, 12), actor=system_actor, **extra,
    )


@time_machine.travel(at(10, 9, 5), tick=False)
def test_it_lists_exactly_the_clients_in_the_window_with_their_deadline(window_activity, client_a, system_actor):
    breach = _report(system_actor)
    affected = list(breach.affected.all())
    assert [a.client for a in affected] == [client_a]
    # Discovered at 09:00 under an 18-hour agreement: tell the client before 03:00 the next day.
    assert affected[0].deadline == at(11, 3)
    assert AuditEvent.objects.filter(action=EventType.BREACH_CLIENT_ADDED, client_id=client_a.pk).exists()


@time_machine.travel(at(10, 9, 5), tick=False)
def test_a_shorter_agreement_deadline_is_used_for_that_client(window_activity, client_a, system_actor):
    agreement = get_active_agreement(client_a)
    agreement.breach_notice_hours = 6
    agreement.save()
    breach = _report(system_actor)
    assert breach.affected.get().deadline == at(10, 15)


def test_it_escalates_at_each_configured_point_once(window_activity, client_a, make_staff, settings, system_actor):
    settings.BREACH_ESCALATION_HOURS = [12, 6, 1, 0]
    officer = make_staff(Role.PRIVACY, "po")
    officer.email = "po@house.example"
    officer.save()
    with time_machine.travel(at(10, 9, 5), tick=False):
        _report(system_actor)
        assert do_escalate_breaches() == 0  # 17 h 55 left: no point reached
    with time_machine.travel(at(10, 15, 30), tick=False):  # 11.5 h left: the 12-hour point
        assert do_escalate_breaches() == 1
        assert do_escalate_breaches() == 0  # not twice
    with time_machine.travel(at(11, 2, 30), tick=False):  # 30 min left: 6 h and 1 h points both due
        assert do_escalate_breaches() == 2
    with time_machine.travel(at(11, 3, 1), tick=False):  # overdue
        assert do_escalate_breaches() == 1
    points = sorted(BreachEscalation.objects.values_list("hours_before", flat=True))
    assert points == [0, 1, 6, 12]
    assert len(mail.outbox) == 4 and mail.outbox[0].to == ["po@house.example"]
    assert "DL-2026-0001" in mail.outbox[0].subject


@time_machine.travel(at(10, 9, 5), tick=False)
def test_a_notified_client_is_no_longer_escalated_and_the_breach_moves_on(window_activity, client_a, system_actor):
    breach = _report(system_actor)
    affected = breach.affected.get()
    do_send_breach_notice(affected, text=affected.notice_text, sender=None, actor=system_actor)
    assert mail.outbox[-1].to == ["contact@aland.example"]
    breach.refresh_from_db()
    assert breach.status == BreachStatus.NOTIFIED
    with time_machine.travel(at(11, 4), tick=False):
        assert do_escalate_breaches() == 0
    sent = AuditEvent.objects.get(action=EventType.BREACH_NOTICE_SENT)
    assert '"on_time":true' in sent.details
    # the breach's timeline notes are written in the house's language, whoever's request sent the notice
    notes = list(breach.notes.filter(kind__in=["notice_sent", "status"]).values_list("text", flat=True))
    assert notes == ["verzonden aan 1 aangewezen contactpersoon", "vermoed → gemeld."]


@time_machine.travel(at(10, 9, 5), tick=False)
def test_the_draft_notice_has_every_section_of_the_ap_form(window_activity, system_actor):
    notice = _report(system_actor).affected.get().notice_text
    for section in ["0. Over deze melding", "1. Contactgegevens", "2. Tijdlijn", "3. Wat er is gebeurd",
                    "4. Persoonsgegevens", "5. De groep mensen", "6. Maatregelen vóór het lek", "7. Gevolgen",
                    "8. Vervolgacties", "9. Overig"]:
        assert section in notice
    assert "11-11-2026 03:00" in notice and "Woningstichting Aland" in notice and "VO-A-1" in notice


@time_machine.travel(at(10, 9, 5), tick=False)
def test_the_status_flow_refuses_shortcuts_and_demands_reasons(window_activity, system_actor):
    breach = _report(system_actor)
    with pytest.raises(ValidationError, match="meld het eerst aan elke getroffen klant"):
        do_change_breach_status(breach, BreachStatus.NOTIFIED, actor=system_actor)
    with pytest.raises(ValidationError, match="kan niet .* worden"):
        do_change_breach_status(breach, BreachStatus.CLOSED, actor=system_actor)
    with pytest.raises(ValidationError, match="waarom"):
        do_change_breach_status(breach, BreachStatus.NOT_A_BREACH, actor=system_actor)
    do_change_breach_status(
        breach, BreachStatus.NOT_A_BREACH, reason="De brief was van dezelfde klant.", actor=system_actor
    )
    breach.refresh_from_db()
    assert breach.status == BreachStatus.NOT_A_BREACH and breach.closed_at is not None


@time_machine.travel(at(10, 9, 5), tick=False)
def test_accounts_named_in_the_breach_narrow_the_impact(client_a, client_b, system_actor):
    from verwerker.audit.actors import Actor

    do_record_event(
        EventType.CLIENT_CHANGED,
        actor=Actor("sftp", "1", "sftp-aland"),
        client_id=client_a.pk,
        object_type="intake.upload",
        object_id="x",
    )
    do_record_event(
        EventType.CLIENT_CHANGED,
        actor=Actor("sftp", "2", "sftp-beeland"),
        client_id=client_b.pk,
        object_type="intake.upload",
        object_id="y",
    )
    breach = do_report_breach(
        title="Gelekt SFTP-wachtwoord", description="…", discovered_at=at(10, 9), window_start=at(10, 8),
        window_end=at(10, 10), accounts=["sftp-beeland"], actor=system_actor,
    )
    assert [a.client for a in breach.affected.all()] == [client_b]
    do_analyse_breach_impact(breach, actor=system_actor)  # rerun keeps one row per client
    assert breach.affected.count() == 1


# Screens: any staff member reports; only the privacy officer handles; clients never see the register.


def test_any_staff_member_can_report_a_suspected_breach(login, make_staff):
    web = login(make_staff(Role.PRINT))
    response = web.post(reverse("privacy:report_breach"), {
        "title": "USB-stick kwijt", "description": "Onderweg verloren.", "discovered_at": "2026-11-10T09:00",
    })
    assert response.status_code == 302
    assert web.get(reverse("privacy:breaches")).status_code == 404  # but cannot browse the register


def test_a_client_user_cannot_reach_the_breach_register(login, user_a, window_activity, system_actor):
    with time_machine.travel(at(10, 9, 5), tick=False):
        breach = _report(system_actor)
    web = login(user_a)
    assert web.get(reverse("privacy:breaches")).status_code == 404
    assert web.get(reverse("privacy:breach", args=[breach.pk])).status_code == 404
    assert web.get(reverse("privacy:report_breach")).status_code == 403


def test_the_privacy_officer_sees_the_countdown_on_every_page(login, make_staff, window_activity, system_actor):
    with time_machine.travel(at(10, 9, 5), tick=False):
        _report(system_actor)
    with time_machine.travel(at(10, 20), tick=False):
        web = login(make_staff(Role.PRIVACY))
        page = web.get(reverse("home")).content.decode()
    assert "data-breach-clock" in page and "7 h 00 min" in page and "Woningstichting Aland" in page


def test_files_held_in_the_window_are_found_even_after_shredding(client_a, client_b, system_actor):
    """GIVEN client A's file stored before the window and shredded during it, and client B's file stored
    after the window WHEN a breach over the window is analysed THEN only client A is affected, with its file."""
    from verwerker.vault.actions import do_shred_blob, do_store_blob

    with time_machine.travel(at(9, 12), tick=False):
        held = do_store_blob(
            b"synthetic;rows\n", client=client_a, purpose=BlobPurpose.UPLOAD, name="leden.csv", actor=system_actor
        )
    with time_machine.travel(at(10, 10), tick=False):
        do_shred_blob(held, actor=system_actor, reason="job_completed")
    with time_machine.travel(at(10, 14), tick=False):
        do_store_blob(b"later\n", client=client_b, purpose=BlobPurpose.UPLOAD, name="later.csv", actor=system_actor)
    with time_machine.travel(at(10, 16), tick=False):
        breach = do_report_breach(
            title="Werkstation gestolen", description="…", discovered_at=at(10, 15),
            window_start=at(10, 8), window_end=at(10, 12), systems=["workstation"], actor=system_actor,
        )
    affected = breach.affected.get()
    assert affected.client == client_a
    names = [e["name"] for e in affected.impact["exposures"] if "vault" in e["source"]]
    assert names == ["leden.csv"]
    assert "leden.csv" in affected.notice_text


def test_the_impact_counts_records_and_data_categories_of_the_files(client_a, system_actor):
    from verwerker.testing import receive_file

    with time_machine.travel(at(10, 9), tick=False):
        receive_file(
            client_a,
            "klanten.csv",
            b"Achternaam;Postcode;Huisnummer;IBAN\nJansen;1234 AB;1;NL91ABNA0417164300\nBakker;2345 CD;2;\n",
        )
    with time_machine.travel(at(10, 16), tick=False):
        breach = do_report_breach(title="Laptop kwijt", description="…", discovered_at=at(10, 15),
                                  window_start=at(10, 8), window_end=at(10, 12), actor=system_actor)
    impact = breach.affected.get(client=client_a).impact
    assert impact["records"] == 2 and "iban" in impact["kinds"] and impact["risks"] == ["high"]
    assert "ongeveer 2" in breach.affected.get(client=client_a).notice_text



def test_administrative_events_expose_nobody(client_a, system_actor):
    """GIVEN only an administrative event of client A inside the window (its agreement changed)
    WHEN the breach is analysed THEN nobody is affected; a blob event in the window would count."""
    with time_machine.travel(at(10, 9), tick=False):
        do_record_event(
            EventType.AGREEMENT_CHANGED, actor=system_actor, client_id=client_a.pk, obj=get_active_agreement(client_a)
        )
    with time_machine.travel(at(10, 9, 5), tick=False):
        breach = do_report_breach(
            title="t", description="d", discovered_at=at(10, 9), window_start=at(10, 8), window_end=at(10, 10),
            actor=system_actor,
        )
    assert breach.affected.count() == 0
    with time_machine.travel(at(10, 9, 30), tick=False):
        do_record_event(
            EventType.BLOB_READ, actor=system_actor, client_id=client_a.pk, object_type="vault.blob", object_id="b"
        )
    do_analyse_breach_impact(breach, actor=system_actor)
    assert [a.client for a in breach.affected.all()] == [client_a]



def test_the_notice_is_also_a_pdf_with_the_same_sections(window_activity, login, make_staff, system_actor):
    from verwerker.lib.testing import pdf_text

    with time_machine.travel(at(10, 9, 5), tick=False):
        breach = _report(system_actor)
    affected = breach.affected.get()
    response = login(make_staff(Role.PRIVACY)).get(
        reverse("privacy:breach_notice", args=[breach.pk, affected.pk]), {"format": "pdf"}
    )
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    text = pdf_text(response.content)
    assert "4. Persoonsgegevens" in text and "9. Overig" in text and "Woningstichting Aland" in text



@time_machine.travel(at(10, 9, 5), tick=False)
def test_new_findings_redraft_only_unsent_notices_and_name_what_changed(window_activity, system_actor):
    from verwerker.privacy.actions import do_update_breach_details

    breach = _report(system_actor)
    changed = do_update_breach_details(
        breach,
        details={"consequences": "Eén adres zichtbaar voor een andere huurder.", "nature": ""},
        actor=system_actor,
    )
    assert changed == ["consequences"]
    assert "Eén adres zichtbaar" in breach.affected.get().notice_text
    assert breach.notes.filter(text="details updated: consequences").exists()
    assert do_update_breach_details(breach, details={"nature": ""}, actor=system_actor) == []
