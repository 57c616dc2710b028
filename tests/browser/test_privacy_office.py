"""The privacy office in a real browser: a breach from report to notice, a data-subject erasure request."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import confirm_dialog
from verwerker.accounts.roles import Role
from verwerker.audit.actors import Actor
from verwerker.vault.models import ReadPurpose

READER = Actor.system("test reader")

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

HEADER = "Achternaam;Postcode;Huisnummer;E-mailadres\n"
ROWS = ["Jansen;1234 AB;1;k.jansen@example.test", "Bakker;2345 CD;2;m.bakker@example.test",
        "Visser;3456 EF;3;r.visser@example.test"]


def test_a_breach_is_reported_analysed_and_notified_from_the_screens(staff_page, make_staff, client_a, client_b):
    """GIVEN client A's file held in the vault WHEN a print operator reports a suspected breach covering now,
    and the privacy officer runs the analysis and sends the notice THEN only client A is affected, the
    countdown shows on the officer's pages, and the breach ends up notified."""
    from django.core import mail
    from django.utils import timezone

    from verwerker.privacy.models import Breach, BreachStatus
    from verwerker.testing import receive_file

    receive_file(client_a, "leden.csv", (HEADER + "\n".join(ROWS) + "\n").encode())
    start = (timezone.localtime() - timezone.timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M")
    end = (timezone.localtime() + timezone.timedelta(minutes=5)).strftime("%Y-%m-%dT%H:%M")
    now = timezone.localtime().strftime("%Y-%m-%dT%H:%M")

    printer = staff_page(make_staff(Role.PRINT, "drukker"))
    printer.goto("/")
    printer.locator("a.report-breach").click()
    printer.fill("#id_title", "Map met proefdrukken niet afgesloten")
    printer.fill("#id_description", "Een map lag onbeheerd in de expeditie.")
    printer.fill("#id_discovered_at", now)
    printer.fill("#id_window_start", start)
    printer.fill("#id_window_end", end)
    printer.locator("main form button[type=submit]").click()
    expect(printer.locator(".messages li.success")).to_contain_text("DL-")

    officer = staff_page(make_staff(Role.PRIVACY, "privacyofficer"))
    officer.goto("/")
    expect(officer.locator("[data-breach-clock]")).to_contain_text(client_a.name)
    officer.locator("[data-breach-clock] a").first.click()
    expect(officer.locator("[data-affected]")).to_have_count(1)
    expect(officer.locator(f"[data-affected='{client_a.name}']")).to_contain_text("3")  # records from the profile
    officer.locator(f"[data-affected='{client_a.name}'] a").click()
    notice = officer.locator("textarea[name=text]")
    expect(notice).to_contain_text("4. Persoonsgegevens")
    officer.locator("form.card button[type=submit]").click()
    confirm_dialog(officer)
    expect(officer.locator("[data-status]")).to_have_text(re.compile("gemeld"))
    breach = Breach.objects.get()
    assert breach.status == BreachStatus.NOTIFIED
    assert mail.outbox[-1].to == ["contact@aland.example"]


def test_an_erasure_request_is_logged_searched_and_executed_from_the_screens(staff_page, make_staff, client_a):
    from verwerker.datafiles.read import read_table
    from verwerker.testing import receive_file
    from verwerker.vault.actions import read_blob_bytes

    data_file = receive_file(client_a, "leden.csv", (HEADER + "\n".join(ROWS) + "\n").encode())
    officer = staff_page(make_staff(Role.PRIVACY, "privacyofficer"))
    officer.goto("/privacy/verzoeken/")
    officer.select_option("#id_client", str(client_a.pk))
    officer.select_option("#id_kind", "erasure")
    officer.select_option("#id_from_contact", str(client_a.contacts.get().pk))
    officer.fill("#id_email", "m.bakker@example.test")
    officer.locator("form.card button[type=submit]").click()
    expect(officer.locator("[data-match]")).to_have_count(0)  # a page view decrypts nothing
    officer.locator("button[name=search]").click()
    expect(officer.locator("[data-match]")).to_have_count(1)
    expect(officer.locator("[data-match]")).to_contain_text("Bakker")
    expect(officer.locator("[data-search-counts]")).to_contain_text("1 record(s)")
    officer.locator("button[name=execute]").click()
    confirm_dialog(officer)
    expect(officer.locator("[data-receipt]")).to_contain_text("1 record(s) verwijderd")
    data_file.refresh_from_db()
    names = (
        read_table(read_blob_bytes(data_file.blob, actor=READER, purpose=ReadPurpose.VERIFICATION), name="leden.csv")
        .frame.get_column("Achternaam")
        .to_list()
    )
    assert names == ["Jansen", "Visser"]
