"""The main job end to end in a real browser: upload, profile, draft, the high-risk gate, release,
production, delivery to a hot folder, printing confirmed, shredding, the certificate, and another
client who sees none of it.

The web server is pytest-django's live server on loopback; the queued tasks (reception, profiling,
production, delivery) are run in this process by the same worker loop `verwerker worker --batch` runs,
against the live server's (test) database: a subprocess could not reach SQLite's in-memory test
database. Staff are logged in with a session cookie carrying a verified second factor (the second
factor itself is driven through the browser in test_login.py); client users log in on the form.

Screenshots of the key screens go to docs/screenshots/ (1280x800, overwritten each run).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from tests.browser.conftest import confirm_dialog
from verwerker.accounts.roles import Role

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
FILE_NAME = "huurders-voorjaar.csv"
JOB_NAME = "Huurdersbrief voorjaar"
MEASURES = "Bestand alleen op de afgeschermde werkplek; vier-ogen bij vrijgave; geboortedatum niet afdrukken."


# -- helpers -------------------------------------------------------------------------------------


def shown(label) -> str:
    """A choice label as the page shows it: in Dutch, the interface's default language."""
    from django.utils import translation

    with translation.override("nl"):
        return str(label)


def _client_user(client, username: str, system_actor) -> tuple:
    """A client user who has already chosen a password (the forced change is test_login's subject)."""
    from verwerker.accounts.actions import do_create_client_user

    user, password = do_create_client_user(client, username, email=f"{username}@example.test", actor=system_actor)
    user.must_change_password = False
    user.save(update_fields=["must_change_password"])
    return user, password


def _log_in_on_the_form(new_page, live_server, username: str, password: str):
    page = new_page()
    page.goto("/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.locator("form button[type=submit]").click()
    page.wait_for_url(re.compile(r"/$|/accounts/tweede-factor/"))
    if "/tweede-factor/" in page.url:  # a client whose agreement allows high-risk files asks a second factor
        from tests.browser.test_login import _code_from_uri

        page.fill("#id_token", _code_from_uri(page.locator("[data-otp-secret]").text_content()))
        page.locator("main form button[type=submit]").click()
    page.wait_for_url(f"{live_server.url}/")
    return page


def _run_queued_tasks() -> list[str]:
    """Run every queued task (and those they enqueue) as `verwerker worker --batch` would; return their paths.

    Fails the test if any task failed, with the task's error.
    """
    from django.utils import timezone
    from django_tasks_db.management.commands.db_worker import Worker
    from django_tasks_db.models import DBTaskResult

    started = timezone.now()
    Worker(
        queue_names=["*"], interval=0, batch=True, backend_name="default", startup_delay=False, max_tasks=None,
        worker_id="e2e-in-process", excluded_queue_names=[],
    ).run()
    ran = DBTaskResult.objects.filter(finished_at__gte=started)
    failed = DBTaskResult.objects.filter(status="FAILED")
    assert [(r.task_path, r.exception_class_path, r.traceback[-400:]) for r in failed] == []
    assert not DBTaskResult.objects.ready().exists(), "tasks left in the queue"
    return sorted(r.task_path for r in ran)


def _screenshot(page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"))


def _step_button(page, step: str):
    return page.locator(f"form[action$='/{step}/'] button")


# -- the flow ------------------------------------------------------------------------------------


@pytest.fixture
def setup(client_a, client_b, make_staff, system_actor, tmp_path):
    """Client A whose agreement allows high-risk files (with extra measures), its user and client B's;
    two database-department staff, a print operator, a template and a print station with a hot folder."""
    from types import SimpleNamespace

    from verwerker.production.models import PrintStation, Template
    from verwerker.production.render import EXAMPLES

    client_a.agreements.update(high_risk_allowed=True, high_risk_measures=MEASURES)
    alice, alice_password = _client_user(client_a, "alice-a", system_actor)
    bob, bob_password = _client_user(client_b, "bob-b", system_actor)
    hot = tmp_path / "hot"
    hot.mkdir()
    return SimpleNamespace(
        client_a=client_a, alice=alice, alice_password=alice_password, bob=bob, bob_password=bob_password,
        drafter=make_staff(Role.DATABASE, "db-opsteller"), second=make_staff(Role.DATABASE, "db-tweede"),
        printer=make_staff(Role.PRINT, "drukker"), hot=hot,
        template=Template.objects.create(name="Huurdersbrief", source=(EXAMPLES / "letter.typ").read_text()),
        station=PrintStation.objects.create(name="Pers 1", hot_folder=str(hot)),
    )


def test_a_high_risk_job_goes_from_web_upload_to_certificate_and_another_client_sees_none_of_it(
    live_server, new_page, staff_page, setup
):
    """GIVEN a client whose agreement allows high-risk files, and a file with a birth-date column
    WHEN the client uploads it on the web page, the database department drafts a job and tries to
         release it, a second person approves, production runs, and the print operator confirms printing
    THEN release is refused until the measures are ticked off and a second person approved; the print
         files reach the hot folder and leave it on confirmation; every blob of the job is shredded; the
         client downloads the deletion certificate; and a user of another client sees none of it."""
    from playwright.sync_api import expect

    from verwerker.datafiles.models import DataFile, DataFileState, Risk
    from verwerker.datafiles.synthetic import address_csv
    from verwerker.intake.models import OutboxFile, Upload
    from verwerker.lib.testing import pdf_text
    from verwerker.production.actions import job_blob_ids
    from verwerker.production.models import Job
    from verwerker.production.workflow import JobState
    from verwerker.retention.models import DeletionCertificate
    from verwerker.vault.models import Blob, BlobState

    s = setup
    records = 40
    data = address_csv(records, seed=7, with_birth_date=True)  # made-up people; the birth date makes it high risk

    # 1. The client uploads the file on the web page; a worker receives and profiles it.
    client = _log_in_on_the_form(new_page, live_server, "alice-a", s.alice_password)
    client.locator("nav a[href='/aanleveren/']").click()
    client.set_input_files("input[name=file]", files=[{"name": FILE_NAME, "mimeType": "text/csv", "buffer": data}])
    client.locator("form[enctype='multipart/form-data'] button[type=submit]").click()
    expect(client.locator(".messages li.success")).to_contain_text(FILE_NAME)
    expect(client.locator("table tr", has_text=FILE_NAME)).to_have_count(1)
    _screenshot(client, "01-upload")

    ran = _run_queued_tasks()
    assert "verwerker.datafiles.tasks.profile_data_file" in ran
    data_file = DataFile.objects.get(client=s.client_a, name=FILE_NAME)
    assert (data_file.state, data_file.risk, data_file.record_count) == (DataFileState.PROFILED, Risk.HIGH, records)

    # 2. The database department sees the file with its profile and drafts a job on the screens.
    drafter = staff_page(s.drafter)
    drafter.goto("/werk/bestanden/")
    drafter.locator("table a", has_text=FILE_NAME).click()
    expect(drafter.locator("[data-state]")).to_have_attribute("data-state", DataFileState.PROFILED.value)
    expect(drafter.locator("main")).to_contain_text(shown(Risk.HIGH.label))
    # why it is high, in Dutch (the profile keeps the reasons as codes with their column)
    expect(drafter.locator("[data-risk-reasons]")).to_have_text("Geboortedatum: geen naam- en adresgegevens")
    _screenshot(drafter, "21-high-risk-file")
    drafter.fill("input[name=name]", JOB_NAME)
    drafter.select_option("select[name=template]", str(s.template.pk))
    drafter.select_option("select[name=station]", str(s.station.pk))
    drafter.locator("form[action$='/opdracht/'] button[type=submit]").click()
    drafter.wait_for_url(re.compile(r"/werk/opdrachten/\d+/$"))
    job = Job.objects.get(data_file=data_file)
    assert (job.name, job.state, job.drafted_by) == (JOB_NAME, JobState.DRAFTED, s.drafter)
    assert {g.get_attribute("data-gate") for g in drafter.locator("[data-gate]").all()} == {"measures", "approval"}
    assert MEASURES in drafter.content()
    # The drafter is not offered the approval that only a second person may give.
    assert _step_button(drafter, "approve").count() == 0

    # ... and tries to release it: refused, first for the measures, then for the missing second person.
    _step_button(drafter, "release").click()
    expect(drafter.locator(".messages li.error")).to_contain_text("maatregelen")
    _step_button(drafter, "measures").click()
    expect(drafter.locator("[data-gate='measures']")).to_have_count(0)
    _step_button(drafter, "release").click()
    expect(drafter.locator(".messages li.error")).to_contain_text("tweede persoon")
    assert [g.get_attribute("data-gate") for g in drafter.locator("[data-gate]").all()] == ["approval"]
    _screenshot(drafter, "02-job-release-refused")
    job.refresh_from_db()
    assert job.state == JobState.DRAFTED and job.measures_confirmed

    # 3. A second staff member approves; the drafter releases; workers produce and deliver it.
    second = staff_page(s.second)
    second.goto(f"/werk/opdrachten/{job.pk}/")
    _step_button(second, "approve").click()
    expect(second.locator(".messages li.success")).to_have_count(1)
    expect(second.locator("[data-gate]")).to_have_count(0)
    drafter.reload()
    _step_button(drafter, "release").click()
    expect(drafter.locator("#job-state")).to_have_text(shown(JobState.RELEASED.label))
    # Leave the page before the worker runs: it polls the progress while the job is released.
    drafter.goto("/werk/opdrachten/")

    ran = _run_queued_tasks()
    assert {"verwerker.production.tasks.produce_job", "verwerker.production.tasks.render_job_part",
            "verwerker.production.tasks.deliver_job"} <= set(ran)
    job.refresh_from_db()
    assert job.state == JobState.DELIVERED and job.delivery_target == f"station:{s.station.name}"
    delivered = sorted(p.name for p in s.hot.iterdir())
    assert delivered and all(name.endswith(".pdf") and not name.startswith(".") for name in delivered)
    assert all((s.hot / name).read_bytes().startswith(b"%PDF-") for name in delivered)
    drafter.goto(f"/werk/opdrachten/{job.pk}/")
    expect(drafter.locator("#job-state")).to_have_text(shown(JobState.DELIVERED.label))

    # 4. The print operator sees it in the station's queue and confirms printing.
    printer = staff_page(s.printer)
    printer.goto("/")
    printer.locator("nav a[href='/werk/drukkerij/']").click()
    row = printer.locator("tr", has_text=JOB_NAME)
    expect(row).to_have_count(1)
    expect(row).to_contain_text(s.client_a.name)
    _screenshot(printer, "03-print-queue")
    row.locator(f"a[href$='/drukkerij/{job.pk}/']").click()
    printer.fill("input[name=pieces]", str(job.records_out))
    printer.check("input[name=confirm]")
    printer.locator("#confirm-form button").click()
    confirm_dialog(printer)
    expect(printer.locator(".messages li.success")).to_have_count(1)
    expect(printer.locator("tr", has_text=JOB_NAME)).to_have_count(0)

    job.refresh_from_db()
    assert job.state == JobState.CERTIFIED and job.certificate_id is not None
    assert list(s.hot.iterdir()) == []  # the plaintext print files left the hot folder
    blob_ids = job_blob_ids(job)
    assert data_file.blob_id in blob_ids and len(blob_ids) > 1  # the file and the production outputs
    assert set(Blob.objects.filter(pk__in=blob_ids).values_list("state", flat=True)) == {BlobState.SHREDDED}
    cert = DeletionCertificate.objects.get(pk=job.certificate_id)
    assert cert.client_id == s.client_a.pk

    # 5. The client downloads the deletion certificate from their page (PDF from the outbox, JSON beside it).
    client.locator("nav a[href='/werk/mijn/']").click()
    expect(client.locator("tr", has_text=JOB_NAME).locator("td")).to_have_text(
        [JOB_NAME, shown(JobState.CERTIFIED.label), str(job.records_out), str(job.rejects)]
    )
    expect(client.locator(f"a[href='/vernietigingsverklaringen/{cert.pk}/']")).to_have_count(1)
    client.locator(".card", has_text=JOB_NAME).evaluate("card => card.scrollIntoView()")  # jobs to certificates
    _screenshot(client, "04-client-certificates")
    outbox = OutboxFile.objects.get(client=s.client_a, name=f"vernietigingsverklaring-job-{job.pk}.pdf")
    with client.expect_download() as info:
        client.locator(f"a[href='/werk/mijn/uitvoer/{outbox.pk}/']").click()
    assert info.value.suggested_filename == outbox.name
    pdf = Path(info.value.path()).read_bytes()
    assert pdf.startswith(b"%PDF-")
    assert str(cert.pk) in pdf_text(pdf)
    client.locator(f"a[href='/vernietigingsverklaringen/{cert.pk}/']").click()
    with client.expect_download() as info:
        client.locator(f"a[href='/vernietigingsverklaringen/{cert.pk}/json/']").click()
    body = json.loads(Path(info.value.path()).read_text(encoding="utf-8"))
    assert body["certificate_id"] == str(cert.pk)
    assert body["controller"]["client_id"] == s.client_a.pk

    # 6. A user of another client sees none of it: empty lists, and 404 at every direct address.
    other = _log_in_on_the_form(new_page, live_server, "bob-b", s.bob_password)
    upload = Upload.objects.get(client=s.client_a, name=FILE_NAME)
    # Each list shows its "nothing here" row: my files and jobs (2 tables), my uploads, my certificates.
    for url, empty_tables in (("/werk/mijn/", 2), ("/aanleveren/", 1), ("/vernietigingsverklaringen/", 1)):
        assert other.goto(url).status == 200, url
        expect(other.locator("main table td[colspan]")).to_have_count(empty_tables)
        text = other.locator("main").inner_text()
        assert FILE_NAME not in text and JOB_NAME not in text and s.client_a.name not in text, url
        links = other.locator("main a[href^='/vernietigingsverklaringen/'], main a[href^='/werk/mijn/uitvoer/']")
        expect(links).to_have_count(0)
    for url in (
        f"/vernietigingsverklaringen/{cert.pk}/", f"/vernietigingsverklaringen/{cert.pk}/pdf/",
        f"/vernietigingsverklaringen/{cert.pk}/json/", f"/werk/mijn/uitvoer/{outbox.pk}/",
        f"/aanleveren/{upload.pk}/", f"/werk/mijn/opdrachten/{job.pk}/proef/",
        f"/werk/opdrachten/{job.pk}/", f"/werk/opdrachten/{job.pk}/voortgang/",
    ):
        assert other.goto(url).status == 404, url
