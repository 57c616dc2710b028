"""A new house runs itself from its screens (issue 16), in a real browser on a fresh install.

The first administrator (created at first start) logs in with the one-time password, enrols a second
factor and chooses a password; creates a relation manager and a privacy officer, and a print station.
The relation manager creates a client with a contact and an agreement, issues its SFTP account and a
client user; the client user logs in and uploads a file with birth dates (high risk). The database
department drafts a job on it, which waits because the agreement does not allow high-risk files; the
relation manager amends the agreement, the privacy officer approves the high-risk terms, the relation
manager activates the new version, and the drafted job follows it without being cancelled.

Every person's header is checked to fit on one line at 1280 px. Screenshots of the new screens go to
docs/screenshots/ (05- to 09-).
"""

from __future__ import annotations

import datetime as dt
import re

import pytest

from tests.browser.test_job_flow import SCREENSHOTS, _run_queued_tasks, _screenshot, shown
from tests.browser.test_login import _code_from_uri
from verwerker.accounts.roles import Role

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

CLIENT = "Woonstichting Zonnedal"
FILE_NAME = "huurders-zonnedal.csv"


def _first_login(new_page, live_server, username: str, one_time: str, new_password: str, *, second_factor: bool):
    """Log in with a one-time password: enrol the second factor (staff), choose a password, reach home."""
    page = new_page()
    page.goto("/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", one_time)
    page.locator("main form button[type=submit]").click()
    if second_factor:
        page.wait_for_url(re.compile(r"/accounts/tweede-factor/"))
        page.fill("#id_token", _code_from_uri(page.locator("[data-otp-secret]").text_content()))
        page.locator("main form button[type=submit]").click()
    page.wait_for_url(re.compile(r"/accounts/wachtwoord/"))
    page.fill("#id_old_password", one_time)
    page.fill("#id_new_password1", new_password)
    page.fill("#id_new_password2", new_password)
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(f"{live_server.url}/")
    return page


def _header_on_one_line(page) -> None:
    """Every item of the header (brand, menu links, language, user, log out) sits on one line."""
    tops = page.evaluate(
        "() => [...document.querySelectorAll('header > *, header nav > a, header summary')]"
        ".map(e => Math.round(e.getBoundingClientRect().top + e.getBoundingClientRect().height / 2))"
    )
    assert max(tops) - min(tops) <= 4, tops
    assert page.evaluate("() => document.querySelector('header').scrollWidth <= window.innerWidth")


def _one_time_password(page) -> tuple[str, str]:
    page.locator("[data-one-time]").wait_for()
    return page.locator("[data-username]").text_content(), page.locator("[data-password]").text_content()


def test_a_new_house_is_set_up_on_its_screens_and_an_amended_agreement_reaches_a_drafted_job(
    live_server, new_page, staff_page, make_staff
):
    from playwright.sync_api import expect

    from verwerker.accounts.actions import do_bootstrap_admin
    from verwerker.accounts.models import User
    from verwerker.audit.events import EventType
    from verwerker.audit.models import AuditEvent
    from verwerker.clients.models import Agreement, AgreementStatus, Client
    from verwerker.datafiles.models import DataFile, DataFileState, Risk
    from verwerker.datafiles.synthetic import address_csv
    from verwerker.intake.models import SftpAccount
    from verwerker.intake.queries import password_matches
    from verwerker.production.models import Job, PrintStation, Template
    from verwerker.production.render import EXAMPLES
    from verwerker.production.workflow import JobState

    assert not User.objects.exists()  # a fresh install
    first_password = do_bootstrap_admin()

    # 1. The administrator: first login, then People and Print stations from the header.
    admin = _first_login(new_page, live_server, "admin", first_password, "Beheer-Vouwmachine-2026", second_factor=True)
    _header_on_one_line(admin)
    admin.locator("header nav a[href='/accounts/mensen/']").click()
    people = {}
    for username, role in (("rm-roos", Role.RELATION), ("fg-frits", Role.PRIVACY)):
        admin.fill("#new-staff input[name=username]", username)
        admin.fill("#new-staff input[name=email]", f"{username}@huis.example")
        admin.locator(f"#new-staff input[name=roles][value={role.value}]").check()
        admin.locator("#new-staff button[type=submit]").click()
        shown_name, people[username] = _one_time_password(admin)
        assert shown_name == username
        if username == "fg-frits":
            _screenshot(admin, "05-one-time-password")
        admin.locator("[data-one-time] a.button").click()
        admin.goto("/accounts/mensen/")
    expect(admin.locator("tr[data-user]")).to_have_count(3)
    admin.select_option("select[name=role]", Role.PRIVACY.value)
    admin.locator("form.filters button[type=submit]").click()
    expect(admin.locator("tr[data-user]")).to_have_count(1)
    admin.goto("/accounts/mensen/")
    _screenshot(admin, "06-people")
    admin.locator("header nav a[href='/werk/drukstations/']").click()
    admin.fill("#new-station input[name=name]", "Pers 1")
    admin.fill("#new-station input[name=hot_folder]", "/srv/drukkerij/pers-1")  # nothing is delivered in this test
    admin.locator("#new-station button[type=submit]").click()
    expect(admin.locator("tr[data-station='Pers 1']")).to_have_count(1)
    _screenshot(admin, "07-print-stations")
    station = PrintStation.objects.get(name="Pers 1")

    # 2. The relation manager: a client with its contact, an agreement, the SFTP account, a client user.
    rm = _first_login(
        new_page, live_server, "rm-roos", people["rm-roos"], "Relatie-Vouwmachine-2026", second_factor=True
    )
    _header_on_one_line(rm)
    rm.locator("header nav a[href='/klanten/']").click()
    rm.fill("#new-client input[name=name]", CLIENT)
    rm.fill("#new-client input[name=contact_name]", "Z. Contact")
    rm.fill("#new-client input[name=contact_email]", "contact@zonnedal.example")
    rm.locator("#new-client button[type=submit]").click()
    expect(rm.locator("h1")).to_have_text(CLIENT)
    client = Client.objects.get(name=CLIENT)
    rm.locator(f"a[href='/klanten/{client.pk}/overeenkomsten/nieuw/']").click()
    signed = dt.date.today() - dt.timedelta(days=7)
    rm.fill("#id_reference", "VO-ZD-1")
    rm.fill("#id_starts_on", signed.isoformat())
    rm.fill("#id_subject", "Brieven aan huurders")
    rm.fill("#id_nature_and_purpose", "Adresbestanden samenvoegen met brieven, printen en verzenden")
    rm.fill("#id_data_types", "Naam, adres, woonplaats")
    rm.fill("#id_data_subject_categories", "Huurders")
    rm.fill("#id_security_measures", "Bijlage 2 van de overeenkomst")
    rm.locator("form.card button[type=submit]").click()
    rm.locator("button[name=activate]").click()
    expect(rm.locator("[data-status]")).to_have_attribute("data-status", AgreementStatus.ACTIVE.value)
    first = Agreement.objects.get(client=client, reference="VO-ZD-1")

    rm.goto(f"/klanten/{client.pk}/")
    rm.locator("#sftp button[name=issue]").click()
    sftp_username, sftp_password = _one_time_password(rm)
    assert password_matches(SftpAccount.objects.get(client=client), sftp_password)
    rm.locator("[data-one-time] a.button").click()
    expect(rm.locator("[data-sftp-username]")).to_have_text(sftp_username)
    assert sftp_password not in rm.content()

    rm.fill("#client-users input[name=username]", "zonnedal-anna")
    rm.fill("#client-users input[name=email]", "anna@zonnedal.example")
    rm.select_option("#client-users select[name=requested_by]", label="Z. Contact <contact@zonnedal.example>")
    rm.fill("#client-users input[name=request_reference]", "E-mail 12 maart")
    rm.locator("#client-users button[type=submit]").click()
    _name, anna_password = _one_time_password(rm)
    rm.locator("[data-one-time] a.button").click()
    expect(rm.locator("#client-users tr[data-user='zonnedal-anna']")).to_have_count(1)
    rm.screenshot(path=str(SCREENSHOTS / "08-client-page.png"), full_page=True)
    assert User.objects.get(username="zonnedal-anna").request_reference == "E-mail 12 maart"

    # 3. The client user logs in (no second factor yet: no high-risk files allowed) and uploads.
    anna = _first_login(new_page, live_server, "zonnedal-anna", anna_password, "Huurder-Vouwmachine-2026",
                        second_factor=False)
    _header_on_one_line(anna)
    anna.locator("nav a[href='/aanleveren/']").click()
    data = address_csv(30, seed=11, with_birth_date=True)  # made-up people; the birth date makes it high risk
    anna.set_input_files("input[name=file]", files=[{"name": FILE_NAME, "mimeType": "text/csv", "buffer": data}])
    anna.locator("form[enctype='multipart/form-data'] button[type=submit]").click()
    expect(anna.locator(".messages li.success")).to_contain_text(FILE_NAME)
    _run_queued_tasks()
    data_file = DataFile.objects.get(client=client, name=FILE_NAME)
    assert (data_file.state, data_file.risk) == (DataFileState.PROFILED, Risk.HIGH)

    # 4. The database department drafts a job: it waits for an agreement that allows high-risk files.
    Template.objects.create(name="Huurdersbrief", source=(EXAMPLES / "letter.typ").read_text())
    drafter = staff_page(make_staff(Role.DATABASE, "db-opsteller"))
    drafter.goto(f"/werk/bestanden/{data_file.pk}/")
    _header_on_one_line(drafter)
    drafter.fill("input[name=name]", "Huurdersbrief voorjaar")
    drafter.select_option("select[name=station]", str(station.pk))
    drafter.locator("form[action$='/opdracht/'] button[type=submit]").click()
    drafter.wait_for_url(re.compile(r"/werk/opdrachten/\d+/$"))
    job = Job.objects.get(data_file=data_file)
    expect(drafter.locator("[data-gate='high_risk']")).to_have_count(1)

    # 5. The relation manager amends the agreement; the privacy officer approves; the manager activates.
    rm.goto(f"/klanten/overeenkomsten/{first.pk}/")
    rm.locator(f"a[href='/klanten/{client.pk}/overeenkomsten/nieuw/?amend={first.pk}']").click()
    expect(rm.locator("#id_reference")).to_have_value("VO-ZD-1-v2")
    rm.fill("#id_starts_on", dt.date.today().isoformat())
    rm.locator("#id_high_risk_allowed").check()
    rm.fill("#id_high_risk_measures", "Bestand alleen op de afgeschermde werkplek; vier ogen bij vrijgave.")
    rm.locator("form.card button[type=submit]").click()
    expect(rm.locator("[data-needs-approval]")).to_have_count(1)
    expect(rm.locator("button[name=activate]")).to_have_count(0)
    amended = Agreement.objects.get(client=client, reference="VO-ZD-1-v2")

    officer = _first_login(new_page, live_server, "fg-frits", people["fg-frits"], "Privacy-Vouwmachine-2026",
                           second_factor=True)
    _header_on_one_line(officer)
    officer.locator("header nav a[href='/klanten/']").click()
    officer.locator("a", has_text=CLIENT).click()
    officer.locator("#agreements a", has_text="VO-ZD-1-v2").click()
    officer.locator("button[name=approve]").click()
    expect(officer.locator("[data-needs-approval]")).to_have_count(0)

    rm.reload()
    rm.locator("button[name=activate]").click()
    expect(rm.locator("[data-status]")).to_have_attribute("data-status", AgreementStatus.ACTIVE.value)
    expect(rm.locator("tr[data-standing='in_force']")).to_have_count(1)
    expect(rm.locator("tr[data-standing='superseded']")).to_have_count(1)
    rm.screenshot(path=str(SCREENSHOTS / "09-agreement-history.png"), full_page=True)
    first.refresh_from_db()
    assert first.ends_on == dt.date.today() - dt.timedelta(days=1) and first.status == AgreementStatus.ENDED

    # 6. The drafted job follows the agreement in force: the high-risk gate is open, the job still drafted.
    drafter.reload()
    expect(drafter.locator("#job-state")).to_have_text(shown(JobState.DRAFTED.label))
    gates = {g.get_attribute("data-gate") for g in drafter.locator("[data-gate]").all()}
    assert "high_risk" not in gates and gates == {"measures", "approval"}
    expect(drafter.locator("main")).to_contain_text("vier ogen bij vrijgave")
    job.refresh_from_db()
    assert job.state == JobState.DRAFTED and job.data_file_id == data_file.pk
    assert not AuditEvent.objects.filter(action=EventType.JOB_CANCELLED).exists()

    # The client user now needs a second factor too (the client's default while high-risk files are allowed).
    anna.goto("/aanleveren/")
    anna.wait_for_url(re.compile(r"/accounts/tweede-factor/"))
    assert AuditEvent.objects.filter(action=EventType.AGREEMENT_APPROVED, object_id=str(amended.pk)).exists()
