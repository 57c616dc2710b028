"""What cannot be undone asks first (issue 17, point 2): cancelling a job and shredding its data, marking a
job printed, a client's proof decision, sending a breach notice (the dialog names the recipients) and
executing an erasure. Each is clicked in Chromium, "Annuleren" is pressed in the dialog and the database
shows nothing happened; then it is confirmed and the database shows it did."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


def _produce(job):
    from verwerker.production.models import Job
    from verwerker.production.tasks import finish_job_production, produce_job, render_job_part

    parts = produce_job.call(job.pk)
    job = Job.objects.get(pk=job.pk)
    for index in range(1, parts + 1):
        render_job_part.call(job.pk, job.attempt, index)
    finish_job_production.call(job.pk, job.attempt)
    return Job.objects.get(pk=job.pk)


@pytest.fixture
def jobs(client_a, make_staff, system_actor, tmp_path):
    from types import SimpleNamespace

    from verwerker.audit.actors import Actor
    from verwerker.datafiles.synthetic import address_csv
    from verwerker.production.actions import do_deliver_job, do_draft_job, do_release_job
    from verwerker.production.models import PrintStation, Template
    from verwerker.production.render import EXAMPLES
    from verwerker.testing import receive_file

    database, printer = make_staff("database", "db-opsteller"), make_staff("print", "drukker")
    hot = tmp_path / "hot"
    hot.mkdir()
    template = Template.objects.create(name="Huurdersbrief", source=(EXAMPLES / "letter.typ").read_text())
    station = PrintStation.objects.create(name="Pers 1", hot_folder=str(hot))
    actor = Actor.for_user(database)

    def draft(name, seed, **kwargs):
        data_file = receive_file(client_a, f"huurders-{seed}.csv", address_csv(6, seed=seed))
        return do_draft_job(
            data_file, name=name, template=template, user=database, actor=actor, station=station, **kwargs
        )

    drafted = draft("Huurdersbrief concept", 1)
    proof = draft("Huurdersbrief met proef", 2, proof_required=True)
    do_release_job(proof, user=database, actor=actor)
    proof = _produce(proof)
    printed = draft("Huurdersbrief drukken", 3)
    do_release_job(printed, user=database, actor=actor)
    printed = do_deliver_job(_produce(printed), actor=actor)
    return SimpleNamespace(database=database, printer=printer, drafted=drafted, proof=proof, printed=printed, hot=hot)


@pytest.fixture
def open_as(new_page, live_server):
    """A browser logged in as ``user`` (staff with a verified second factor)."""

    def open_page(user):
        from django.conf import settings
        from django.test import Client
        from django_otp.plugins.otp_totp.models import TOTPDevice

        web = Client()
        web.force_login(user)
        if user.is_staff:
            device = TOTPDevice.objects.create(user=user, name="browser", confirmed=True)
            session = web.session
            session["otp_device_id"] = device.persistent_id
            session.save()
        page = new_page()
        page.context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": web.session.session_key,
                                   "url": live_server.url, "httpOnly": True}])
        return page

    return open_page


def _ask_then(page, button, *, answer: str, screenshot: str | None = None) -> str:
    """Click ``button``; the dialog opens; return its text after pressing ``answer`` ("Annuleren"/"Ja, doorgaan")."""
    from playwright.sync_api import expect

    button.click()
    dialog = page.locator("dialog#confirm-dialog")
    expect(dialog).to_be_visible()
    text = dialog.inner_text()
    if screenshot:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / f"{screenshot}.png"))
    dialog.get_by_role("button", name=answer).click()
    expect(dialog).to_be_hidden()
    return text


def _confirm(page, button) -> None:
    """Answer "Ja, doorgaan" and wait until the form's answer has loaded: the page's address may not change
    (a post that redirects back), and a test that ends while the server still works its request leaves
    the database locked for the next."""
    with page.expect_navigation():
        _ask_then(page, button, answer="Ja, doorgaan")


def test_cancelling_a_job_asks_first_and_annuleren_leaves_it(open_as, jobs):
    from verwerker.production.models import Job, JobState
    from verwerker.vault.models import Blob, BlobState

    page = open_as(jobs.database)
    page.goto(f"/werk/opdrachten/{jobs.drafted.pk}/")
    button = page.get_by_role("button", name="Opdracht annuleren en gegevens vernietigen")
    text = _ask_then(page, button, answer="Annuleren", screenshot="bevestigen-opdracht-annuleren")
    assert "Huurdersbrief concept" in text and "huurders-1.csv" in text  # says what will be destroyed
    page.wait_for_timeout(300)
    assert Job.objects.get(pk=jobs.drafted.pk).state == JobState.DRAFTED
    assert Blob.objects.get(pk=jobs.drafted.data_file.blob_id).state != BlobState.SHREDDED

    _confirm(page, button)
    assert Job.objects.get(pk=jobs.drafted.pk).state in (JobState.CANCELLED, JobState.PURGED, JobState.CERTIFIED)


def test_marking_printed_asks_first_naming_the_hot_folder_files(open_as, jobs):
    from verwerker.production.models import Job, JobState

    page = open_as(jobs.printer)
    page.goto(f"/werk/drukkerij/{jobs.printed.pk}/")
    page.get_by_label("Geproduceerde stuks").fill("6")
    page.locator("#confirm-form input[type=checkbox]").check()
    button = page.locator("#confirm-form button[name=confirm-printed]")
    files = sorted(p.name for p in jobs.hot.rglob("*.pdf"))
    assert files
    text = _ask_then(page, button, answer="Annuleren", screenshot="bevestigen-gedrukt")
    assert all(name in text for name in files)
    page.wait_for_timeout(300)
    assert Job.objects.get(pk=jobs.printed.pk).state == JobState.DELIVERED
    assert sorted(p.name for p in jobs.hot.rglob("*.pdf")) == files

    _confirm(page, button)
    assert Job.objects.get(pk=jobs.printed.pk).state in (JobState.CONFIRMED, JobState.PURGED, JobState.CERTIFIED)


def test_a_proof_decision_asks_first(open_as, jobs, user_a):
    from verwerker.production.models import Job, JobState

    page = open_as(user_a)
    page.goto(f"/werk/opdrachten/{jobs.proof.pk}/proefpagina/")  # the proof page, linked from "Mijn bestanden"
    button = page.locator('#proof-decision button[value="approve"]')
    text = _ask_then(page, button, answer="Annuleren", screenshot="bevestigen-proef")
    assert "Huurdersbrief met proef" in text
    page.wait_for_timeout(300)
    assert Job.objects.get(pk=jobs.proof.pk).state == JobState.PRODUCED

    _confirm(page, button)
    assert Job.objects.get(pk=jobs.proof.pk).state != JobState.PRODUCED


def test_sending_a_breach_notice_asks_first_and_names_the_recipients(open_as, make_staff, client_a, system_actor):
    from django.utils import timezone

    from verwerker.clients.actions import do_add_contact
    from verwerker.privacy.actions import do_add_affected_client, do_report_breach
    from verwerker.privacy.models import BreachClient

    do_add_contact(client_a, name="F. de Vries", email="fg@aland.example", is_designated=True, actor=system_actor)
    now = timezone.now()
    breach = do_report_breach(
        title="Laptop verloren",
        description="In de trein.",
        discovered_at=now - dt.timedelta(hours=2),
        actor=system_actor,
    )
    affected = do_add_affected_client(breach, client_a, actor=system_actor)
    page = open_as(make_staff("privacy", "privacy-officer"))
    page.goto(f"/privacy/datalekken/{breach.pk}/melding/{affected.pk}/")
    button = page.locator("main form button[type=submit]")
    text = _ask_then(page, button, answer="Annuleren", screenshot="bevestigen-datalekmelding")
    assert "fg@aland.example" in text and "Woningstichting Aland" in text
    page.wait_for_timeout(300)
    assert BreachClient.objects.get(pk=affected.pk).notified_at is None

    _confirm(page, button)
    assert BreachClient.objects.get(pk=affected.pk).notified_at is not None


def test_executing_an_erasure_asks_first(open_as, make_staff, client_a, system_actor):
    from verwerker.clients.actions import do_add_contact
    from verwerker.datafiles.synthetic import address_rows
    from verwerker.privacy.models import DataSubjectRequest, RequestStatus
    from verwerker.privacy.subject_requests import do_log_subject_request
    from verwerker.privacy.subjects import Criteria
    from verwerker.testing import receive_file

    header, rows = address_rows(5, seed=9)
    data = "\n".join(";".join(r) for r in [header, *rows]).encode()
    receive_file(client_a, "leden-erasure.csv", data)
    postcode, number = rows[0][header.index("Postcode")], rows[0][header.index("Huisnummer")]
    contact = do_add_contact(
        client_a, name="F. de Vries", email="fg@aland.example", is_designated=True, actor=system_actor
    )
    dsr = do_log_subject_request(client_a, "erasure", Criteria(postcode=postcode, house_number=number),
                                 from_contact=contact, actor=system_actor)
    page = open_as(make_staff("privacy", "privacy-officer"))
    page.goto(f"/privacy/verzoeken/{dsr.pk}/")
    page.locator("button[name=search]").click()
    page.wait_for_load_state()
    button = page.locator("button[name=execute]")
    text = _ask_then(page, button, answer="Annuleren", screenshot="bevestigen-verwijdering")
    assert dsr.reference in text and "leden-erasure.csv" in text
    page.wait_for_timeout(300)
    assert DataSubjectRequest.objects.get(pk=dsr.pk).status == RequestStatus.OPEN

    _confirm(page, button)
    assert DataSubjectRequest.objects.get(pk=dsr.pk).status != RequestStatus.OPEN
