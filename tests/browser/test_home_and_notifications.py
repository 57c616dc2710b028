"""Each role's home page and the notification list in a real browser (Chromium, Dutch).

The state is built through the actions (files received and profiled, jobs drafted, produced, failed,
delivered, a breach, a request); each person then opens their home page and finds their work there.
Screenshots go to docs/screenshots/ (1280x800, overwritten each run).
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
import time_machine
from django.utils import timezone
from playwright.sync_api import expect

from tests.browser.conftest import confirm_dialog
from verwerker.accounts.roles import Role
from verwerker.audit.actors import Actor
from verwerker.datafiles.synthetic import address_csv
from verwerker.production.tests.conftest import draft, produce, staff, station, template  # noqa: F401 (fixtures)
from verwerker.testing import receive_file

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
ACTOR = Actor.system("test")


def _screenshot(page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


def _named(job, name: str):
    job.name = name
    job.save(update_fields=["name"])
    return job


@pytest.fixture
def busy_house(client_a, client_b, draft, staff, station, system_actor):  # noqa: F811
    """A working day's state: work for every role."""
    from verwerker.privacy.actions import do_add_affected_client, do_report_breach
    from verwerker.privacy.models import RequestKind
    from verwerker.privacy.subject_requests import do_log_subject_request
    from verwerker.privacy.subjects import Criteria
    from verwerker.production.actions import do_deliver_job, do_fail_production, do_release_job

    client_a.agreements.update(high_risk_allowed=True, ends_on=timezone.localdate() + dt.timedelta(days=25))
    with time_machine.travel(timezone.now() - dt.timedelta(days=27)):
        receive_file(client_a, "ledenlijst-2025.csv", address_csv(40, seed=31))
    newsletter = address_csv(25, seed=32)
    double = newsletter.split(b"\r\n")[3]
    receive_file(client_b, "nieuwsbrief-leden.csv",
                 newsletter + b"P.;;Zonderpostcode;Kerkpad;3;;NERGENS;K9\r\n" + double + b"\r\n")
    risky = receive_file(client_a, "verjaardagen.csv", address_csv(12, seed=33, with_birth_date=True))
    _named(draft(risky), "Verjaardagskaart")
    failed = _named(draft(receive_file(client_a, "huurverhoging.csv", address_csv(15, seed=34))), "Huurverhoging 2027")
    do_fail_production(do_release_job(failed, user=staff.drafter, actor=Actor.for_user(staff.drafter)),
                       error="sjabloon regel 4: onbekend veld", actor=ACTOR)
    delivered = _named(draft(receive_file(client_b, "contributie.csv", address_csv(30, seed=35))), "Contributienota")
    delivered = produce(do_release_job(delivered, user=staff.drafter, actor=Actor.for_user(staff.drafter)))
    do_deliver_job(delivered, actor=ACTOR)
    proof = _named(draft(receive_file(client_a, "bewonersbrief.csv", address_csv(20, seed=36)), proof_required=True),
                   "Bewonersbrief voorjaar")
    produce(do_release_job(proof, user=staff.drafter, actor=Actor.for_user(staff.drafter)))
    breach = do_report_breach(title="Doos retourpost zoek", description="Bij de expeditie.",
                              discovered_at=timezone.now() - dt.timedelta(hours=3), actor=system_actor)
    do_add_affected_client(breach, client_a, actor=system_actor)
    do_log_subject_request(client_b, RequestKind.ERASURE, Criteria(email="lid@example.test"),
                           from_contact=client_b.contacts.get(is_designated=True), actor=system_actor)
    return {"breach": breach, "proof": proof}


def test_each_role_finds_its_work_on_its_home_page(
        staff_page, make_staff, staff, user_a, busy_house, client_a, client_b):  # noqa: F811
    second = staff_page(staff.second)
    second.goto("/")
    work = second.locator("[data-work=database]")
    expect(work).to_contain_text("nieuwsbrief-leden.csv")
    expect(work).to_contain_text("Verjaardagskaart")
    expect(work).to_contain_text("Huurverhoging 2027")
    expect(second.locator("[data-work-waiting]")).not_to_have_attribute("data-work-waiting", "0")
    _screenshot(second, "10-home-database")
    work.get_by_role("link", name="Verjaardagskaart").click()
    expect(second.locator("h1")).to_contain_text("Verjaardagskaart")
    second.goto("/")
    second.get_by_role("link", name="nieuwsbrief-leden.csv").click()
    second.locator("#rejects-preview button[type=submit]").click()
    expect(second.locator("[data-reject-row]")).to_have_count(2)
    expect(second.locator("#rejects-preview")).not_to_contain_text("Zonderpostcode")
    expect(second.locator("#rejects-preview")).to_contain_text("Z*********")
    second.locator("details.template-samples summary").click()
    second.wait_for_function("() => [...document.querySelectorAll('.template-samples img')]"
                             ".every(i => i.complete && i.naturalWidth > 0)")
    _screenshot(second, "18-rows-left-out-and-template-sample")
    second.goto("/werk/opdrachten/?state=delivered")
    second.get_by_role("link", name="Contributienota").click()
    expect(second.locator("#job-outputs a[data-output=proof]")).to_be_visible()
    expect(second.locator("#job-outputs a[data-output=manifest]")).to_be_visible()
    _screenshot(second, "19-job-outputs")
    href = second.locator("#job-outputs a[data-output=manifest]").get_attribute("href")
    opened = second.request.get(href)  # the link, with this browser's session
    assert opened.status == 200 and opened.headers["content-type"] == "text/csv"

    printer = staff_page(staff.printer)
    printer.goto("/")
    expect(printer.locator("[data-station='Pers 1']")).to_contain_text("Contributienota")
    expect(printer.locator("[data-work=database]")).to_have_count(0)
    _screenshot(printer, "11-home-print")

    relation = staff_page(make_staff(Role.RELATION, "relatiebeheer"))
    relation.goto("/")
    rel = relation.locator("[data-work=relation]")
    expect(rel).to_contain_text("VO-A-1")
    expect(rel).to_contain_text(client_b.name)
    _screenshot(relation, "12-home-relation")

    officer = staff_page(make_staff(Role.PRIVACY, "privacyofficer"))
    officer.goto("/")
    office = officer.locator("[data-work=privacy]")
    expect(office).to_contain_text(busy_house["breach"].reference)
    expect(office).to_contain_text("ledenlijst-2025.csv")
    expect(office).to_contain_text("BV-")
    _screenshot(officer, "13-home-privacy")

    client = staff_page(user_a)
    client.goto("/")
    expect(client.locator("[data-work=proofs]")).to_contain_text("Bewonersbrief voorjaar")
    expect(client.locator("body")).not_to_contain_text("Contributienota")  # client B's job
    _screenshot(client, "14-home-client")
    client.locator("[data-work=proofs] a").first.click()
    expect(client.locator("[data-proof-sheet]")).to_be_visible()
    client.wait_for_function(
        "() => { const i = document.querySelector('[data-proof-sheet]'); return i.complete && i.naturalWidth > 0; }")
    _screenshot(client, "15-proof-with-thumbnails")
    client.fill("#proof-note", "Op pagina 1 staat het oude logo.")
    client.locator("button[value=reject]").click()
    confirm_dialog(client)  # a proof decision asks first (issue 17)
    expect(client.locator(".messages li.success")).to_be_visible()

    from verwerker.notifications.actions import do_notify_now

    do_notify_now()
    second.goto(f"/werk/opdrachten/{busy_house['proof'].pk}/")
    expect(second.locator("[data-proof-rejection]")).to_contain_text("het oude logo")


def test_the_notification_list_tells_marks_read_and_keeps_breach_mail_on(staff_page, make_staff, client_a):
    from django.core import mail

    from verwerker.notifications.actions import do_notify_now
    from verwerker.notifications.models import Notification

    officer_user = make_staff(Role.PRIVACY, "privacyofficer")
    officer_user.email = "po@huis.example"
    officer_user.save(update_fields=["email"])
    printer = staff_page(make_staff(Role.PRINT, "drukker"))
    printer.goto("/privacy/datalekken/melden/")
    printer.fill("#id_title", "Laptop in de trein laten liggen")
    printer.fill("#id_description", "Versleuteld, maar toch.")
    printer.fill("#id_discovered_at", timezone.localtime().strftime("%Y-%m-%dT%H:%M"))
    printer.locator("main form button[type=submit]").click()
    expect(printer.locator(".messages li.success")).to_contain_text("privacyofficers")
    do_notify_now()
    assert [m.to for m in mail.outbox] == [["po@huis.example"]]

    officer = staff_page(officer_user)
    officer.goto("/")
    expect(officer.locator("[data-unread]")).to_have_attribute("data-unread", "1")
    officer.locator("[data-unread]").click()
    expect(officer.locator("[data-notification=breach_reported]")).to_contain_text("DL-")
    expect(officer.locator("input[value=breach_reported]")).to_be_disabled()
    _screenshot(officer, "16-notifications")
    officer.locator("[data-notification=breach_reported] button[name=go]").click()
    expect(officer).to_have_url(re.compile(r"/privacy/datalekken/\d+/$"))
    _screenshot(officer, "17-breach-page")
    expect(officer.locator("[data-unread]")).to_have_attribute("data-unread", "0")
    officer.goto("/meldingen/")
    officer.locator("input[value=job_failed]").uncheck()
    officer.locator("#email-preferences button[type=submit]").click()
    expect(officer.locator(".messages li.success")).to_be_visible()
    assert Notification.objects.get().read_at is not None
    expect(officer.locator("input[value=job_failed]")).not_to_be_checked()
