"""Reprint before shredding, in a real browser: the print operator records spoiled pieces after a paper
jam, the reprint part (marked "herdruk") reaches the station's hot folder, and only the final
confirmation (count of pieces, a box ticked) shreds the job; the certificate lists the original parts
and the reprint.

The job is produced and delivered in-process (test_job_flow.py drives those screens); the reprint
task is run by the same worker loop `verwerker worker --batch` runs, against the live server's database.
"""

from __future__ import annotations

import io
import json
import re

import pikepdf
import pytest

from tests.browser.conftest import confirm_dialog
from verwerker.accounts.roles import Role

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

RECORDS = 120
SPOILED = "12-15, 40"


def _run_queued_tasks() -> list[str]:
    from django.utils import timezone
    from django_tasks_db.management.commands.db_worker import Worker
    from django_tasks_db.models import DBTaskResult

    started = timezone.now()
    Worker(
        queue_names=["*"], interval=0, batch=True, backend_name="default", startup_delay=False, max_tasks=None,
        worker_id="e2e-in-process", excluded_queue_names=[],
    ).run()
    failed = DBTaskResult.objects.filter(status="FAILED")
    assert [(r.task_path, r.exception_class_path, r.traceback[-400:]) for r in failed] == []
    return sorted(DBTaskResult.objects.filter(finished_at__gte=started).values_list("task_path", flat=True))


@pytest.fixture
def delivered(client_a, make_staff, tmp_path, settings):
    """A job of 120 made-up records in parts of 50 (three parts), produced and delivered to a station."""
    from verwerker.audit.actors import Actor
    from verwerker.datafiles.synthetic import address_csv
    from verwerker.production.actions import do_deliver_job, do_draft_job, do_release_job
    from verwerker.production.models import PrintStation, Template
    from verwerker.production.render import EXAMPLES
    from verwerker.production.tests.conftest import produce
    from verwerker.testing import receive_file

    settings.JOB_PART_SIZE = 50
    hot = tmp_path / "hot"
    station = PrintStation.objects.create(name="Pers 2", hot_folder=str(hot))
    template = Template.objects.create(name="Brief", source=(EXAMPLES / "letter.typ").read_text())
    drafter = make_staff(Role.DATABASE, "db-opsteller")
    job = do_draft_job(receive_file(client_a, "herdruk.csv", address_csv(RECORDS, seed=5)), name="Herdrukbrief",
                       template=template, user=drafter, actor=Actor.for_user(drafter), station=station)
    job = produce(do_release_job(job, user=drafter, actor=Actor.for_user(drafter)))
    job = do_deliver_job(job, actor=Actor.system("delivery"))
    assert job.parts_total == 3 and job.records_out == RECORDS
    return job, hot, make_staff(Role.PRINT, "drukker")


def test_the_print_operator_reprints_spoiled_pieces_then_confirms_and_the_certificate_lists_both(
    live_server, staff_page, delivered
):
    """GIVEN a delivered three-part job in the station's hot folder
    WHEN the print operator records pieces 12-15 and 40 as spoiled, and the reprint task runs
    THEN a part "job-N-herdruk-01.pdf" with exactly those five letters, marked herdruk in its DPart
         metadata, is in the hot folder beside the parts; confirming needs the count and the box;
         after it the hot folder is empty, the job certified, and the certificate lists the three
         parts and the reprint."""
    from playwright.sync_api import expect

    from verwerker.lib.testing import pdf_text
    from verwerker.production.models import Job
    from verwerker.production.workflow import JobState
    from verwerker.retention.certificates import render_certificate_pdf
    from verwerker.retention.models import DeletionCertificate

    job, hot, printer_user = delivered
    parts = [job.part_name(i) for i in (1, 2, 3)]
    reprint = job.reprint_name(1)
    assert sorted(p.name for p in hot.iterdir()) == parts

    printer = staff_page(printer_user)
    printer.goto("/werk/drukkerij/")
    printer.locator("tr", has_text="Herdrukbrief").locator(f"a[href$='/drukkerij/{job.pk}/']").click()
    printer.wait_for_url(re.compile(rf"/werk/drukkerij/{job.pk}/$"))
    expect(printer.locator("#pieces-expected")).to_have_text(str(RECORDS))

    # A range outside the job is refused with its one line; nothing is recorded.
    printer.fill("input[name=ranges]", "118-130")
    printer.locator("#spoilage-form button").click()
    expect(printer.locator(".messages li.error")).to_contain_text("118-130")
    assert Job.objects.get(pk=job.pk).reprints == 0

    printer.fill("input[name=ranges]", SPOILED)
    printer.locator("#spoilage-form button").click()
    expect(printer.locator(".messages li.success")).to_contain_text(reprint)
    expect(printer.locator("#reprint-pending")).to_have_count(1)
    # While the reprint is being made, the final step is refused.
    printer.fill("input[name=pieces]", str(RECORDS))
    printer.check("input[name=confirm]")
    printer.locator("#confirm-form button").click()
    confirm_dialog(printer)
    expect(printer.locator(".messages li.error")).to_contain_text("herdruk")
    assert Job.objects.get(pk=job.pk).state == JobState.DELIVERED

    assert "verwerker.production.tasks.reprint_job" in _run_queued_tasks()
    assert sorted(p.name for p in hot.iterdir()) == sorted([*parts, reprint])
    with pikepdf.open(io.BytesIO((hot / reprint).read_bytes())) as pdf:
        root = pdf.Root.DPartRoot.DPartRootNode
        assert bool(root.DPM.Verwerker_Part.Herdruk) is True
        assert int(root.DPM.Verwerker_Part.Records) == 5
        assert [int(leaf.DPM.Verwerker_Record.Sequence) for leaf in root.DParts[0]] == [12, 13, 14, 15, 40]
        assert str(pdf.docinfo.Title) == "Verwerker herdruk"
    printer.reload()
    expect(printer.locator("#reprint-pending")).to_have_count(0)
    expect(printer.locator("[data-reprint='1']")).to_contain_text(reprint)
    expect(printer.locator("[data-spoiled='1']")).to_have_text("12–15, 40")

    # The final, destructive step asks for the box (the server checks it too, not only the browser).
    printer.fill("input[name=pieces]", str(RECORDS))
    printer.locator("#confirm-form input[name=confirm]").evaluate("box => box.removeAttribute('required')")
    printer.locator("#confirm-form button").click()
    confirm_dialog(printer)
    expect(printer.locator(".messages li.error")).to_have_count(1)
    assert Job.objects.get(pk=job.pk).state == JobState.DELIVERED
    printer.fill("input[name=pieces]", str(RECORDS))
    printer.check("input[name=confirm]")
    printer.locator("#confirm-form button").click()
    confirm_dialog(printer)
    expect(printer.locator(".messages li.success")).to_have_count(1)

    job.refresh_from_db()
    assert job.state == JobState.CERTIFIED and job.pieces_printed == RECORDS
    assert list(hot.iterdir()) == []
    cert = DeletionCertificate.objects.get(pk=job.certificate_id)
    # The certificate names each file as the client knows it (the house's language, Dutch).
    listed = [f"drukbestand deel {i} van opdracht «{job.name}»" for i in (1, 2, 3)]
    listed.append(f"herdruk 1 van opdracht «{job.name}»")
    names = [item["name"] for item in json.loads(cert.body)["deleted"]]
    assert set(listed) <= set(names)
    text = " ".join(pdf_text(render_certificate_pdf(cert)).split())
    for name in listed:
        assert name in text
