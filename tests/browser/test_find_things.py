"""Finding things in a real browser: search, sort and page a list; a file's life on one line, followed to
its events in the audit log; and the upload page, where two files are dropped at once and a third is
refused before a byte is sent.

Screenshots go to docs/screenshots/ (1280x800, overwritten each run).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from verwerker.accounts.roles import Role

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


def _screenshot(page, name: str, full_page: bool = False) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=full_page)


def test_a_privacy_officer_searches_sorts_and_pages_clients_and_follows_a_files_life_into_the_log(
    live_server, staff_page, make_staff, client_a, client_b, system_actor, tmp_path
):
    """GIVEN 60 more clients, and a file of client A made into a job that was produced, delivered, printed,
         shredded and certified
    WHEN the privacy officer searches, sorts and pages the clients, opens the file's page and follows the
         "Printed" step of its timeline
    THEN the search narrows the list, the header sorts and reverses it, the pager walks all pages, the
         timeline runs from received to certified, and the step opens the log at its own event, in words."""
    from playwright.sync_api import expect

    from verwerker.audit.actors import Actor
    from verwerker.clients.actions import do_create_client
    from verwerker.datafiles.synthetic import address_csv
    from verwerker.production.actions import do_confirm_printed, do_deliver_job, do_draft_job, do_release_job
    from verwerker.production.models import PrintStation, Template
    from verwerker.production.render import EXAMPLES
    from verwerker.production.tests.conftest import produce
    from verwerker.testing import receive_file

    for i in range(60):
        do_create_client(f"Drukwerkklant {i:02d}", contact_email=f"klant{i}@example.test", actor=system_actor)
    drafter, printer = make_staff(Role.DATABASE, "db-opsteller"), make_staff(Role.PRINT, "drukker")
    template = Template.objects.create(name="Brief", source=(EXAMPLES / "letter.typ").read_text())
    (tmp_path / "hot").mkdir()
    station = PrintStation.objects.create(name="Pers 1", hot_folder=str(tmp_path / "hot"))
    data_file = receive_file(client_a, "nieuwsbrief-najaar.csv", address_csv(20, seed=11))
    job = do_draft_job(data_file, name="Nieuwsbrief najaar", template=template, user=drafter,
                       actor=Actor.for_user(drafter), station=station)
    do_release_job(job, user=drafter, actor=Actor.for_user(drafter))
    job = produce(job)
    do_deliver_job(job, actor=Actor.for_user(drafter))
    job.refresh_from_db()
    do_confirm_printed(job, user=printer, actor=Actor.for_user(printer), pieces=job.records_out)

    officer = staff_page(make_staff(Role.PRIVACY, "privacy"))

    # 1. Search, sort and page the clients.
    officer.goto("/klanten/")
    rows = officer.locator("table.list tr:has(td a)")
    expect(rows).to_have_count(50)
    expect(officer.locator("[data-pager]")).to_contain_text("62 resultaten")
    officer.fill("#list-q", "drukwerkklant 4")
    officer.locator("form.list-search button[type=submit]").click()
    expect(rows).to_have_count(15)  # every word in the name: 04, 14, ..., 40-49, 54
    assert all("Drukwerkklant" in t and "4" in t for t in rows.all_text_contents())
    _screenshot(officer, "find-01-list-search")
    officer.locator("th a.sort[data-sort=name]").click()  # sorted by name already: reverse it
    expect(rows.first).to_contain_text("Drukwerkklant 54")
    expect(officer.locator("th[aria-sort=descending]")).to_have_count(1)
    assert "q=drukwerkklant+4" in officer.url  # the search is kept
    officer.locator("form.list-search a", has_text="Wissen").click()  # the search goes, the sort stays
    expect(officer.locator("[data-pager]")).to_contain_text("62 resultaten")
    expect(rows.first).to_contain_text("Woningstichting Aland")
    expect(rows.nth(2)).to_contain_text("Drukwerkklant 59")
    officer.locator("[data-pager] a[rel=next]").click()
    expect(officer.locator("[data-pager]")).to_contain_text("pagina 2 van 2")
    expect(rows).to_have_count(12)
    expect(rows.first).to_contain_text("Drukwerkklant 11")
    assert "sort=-name" in officer.url and "page=2" in officer.url

    # 2. The file's life on one line; a step opens the log at its events.
    officer.goto(f"/werk/bestanden/{data_file.pk}/")
    timeline = officer.locator("[data-timeline] ol.timeline > li")
    phases = [p for p in timeline.evaluate_all("items => items.map(i => i.dataset.step)")]
    order = ["received", "profiled", "drafted", "released", "produced", "delivered", "confirmed", "destroyed",
             "certified"]
    assert [p for p in dict.fromkeys(phases) if p in order] == order
    expect(officer.locator("[data-timeline] h2")).to_have_text("Levensloop van dit bestand")
    printed = officer.locator("[data-timeline] li[data-step=confirmed]")
    expect(printed).to_contain_text("Gedrukt")
    expect(printed).to_contain_text("drukker")
    officer.locator("[data-timeline]").scroll_into_view_if_needed()
    printed.scroll_into_view_if_needed()
    _screenshot(officer, "find-02-file-timeline")
    seq = printed.get_attribute("data-seq")
    printed.locator("a.audit").click()
    officer.wait_for_url(re.compile(rf"/audit/\?object_type=production\.job&object_id={job.pk}#e{seq}$"))
    row = officer.locator(f"tr#e{seq}")
    expect(row).to_contain_text("Drukken of productie bevestigd")
    expect(row.locator("td.about a")).to_have_text("Opdracht «Nieuwsbrief najaar»")
    expect(row).to_contain_text(client_a.name)
    expect(officer.locator("[data-narrowed]")).to_contain_text("Opdracht «Nieuwsbrief najaar»")
    assert officer.evaluate("document.documentElement.scrollWidth") <= 1280  # the log fits the screen
    assert "{&quot;" not in officer.content() and '{"' not in officer.locator("table.audit-log").inner_text()
    _screenshot(officer, "find-03-audit-log-step")

    # 3. A saved filter on the log: saved, shown, and it brings the selection back.
    officer.fill("#filter-name", "Nieuwsbrief najaar")
    officer.locator("form.save-filter button").click()
    expect(officer.locator("[data-saved='Nieuwsbrief najaar']")).to_have_count(1)
    officer.goto("/audit/")
    officer.locator("[data-saved='Nieuwsbrief najaar']").click()
    expect(officer.locator("[data-narrowed]")).to_contain_text("Nieuwsbrief najaar")


def test_a_client_drops_two_files_sees_their_progress_and_the_list_updated_and_a_third_is_refused_first(
    live_server, new_page, client_a, system_actor
):
    """GIVEN a client user on the upload page, which shows the limit per file and the room left
    WHEN they drop two CSV files and a Word file on it at once
    THEN the Word file is refused before it is sent, with its name and why; the two CSV files each show a
         progress bar with speed and time left, end with a message naming them, and appear in the list
         without reloading the page; the server has them in the vault."""
    from playwright.sync_api import expect

    from verwerker.accounts.actions import do_create_client_user
    from verwerker.datafiles.synthetic import address_csv
    from verwerker.intake.models import Upload, UploadState

    user, password = do_create_client_user(client_a, "alice-a", email="alice@example.test", actor=system_actor)
    user.must_change_password = False
    user.save(update_fields=["must_change_password"])
    page = new_page()
    page.goto("/accounts/login/")
    page.fill("#id_username", "alice-a")
    page.fill("#id_password", password)
    page.locator("form button[type=submit]").click()
    page.wait_for_url(f"{live_server.url}/")
    page.goto("/aanleveren/")
    expect(page.locator("[data-limits]")).to_contain_text("ten hoogste 2048 MiB per bestand")
    expect(page.locator("[data-quota]")).to_contain_text("Ruimte over in uw opslag: 10,0")

    big = address_csv(30000, seed=1)  # a few MB, so that the upload takes a moment
    small = address_csv(40, seed=2)
    files = [
        {"name": "leden-januari.csv", "body": big.decode("utf-8")},
        {"name": "leden-februari.csv", "body": small.decode("utf-8")},
        {"name": "notities.docx", "body": "geen adresbestand"},
    ]
    # Record what the progress line says while a file is sent (it is replaced by the answer after).
    page.evaluate("""() => {
      window.seenStatus = [];
      new MutationObserver(() => document.querySelectorAll('[data-queue] li.pending .status')
        .forEach(s => window.seenStatus.push(s.textContent))).observe(document.querySelector('[data-queue]'),
        {subtree: true, childList: true, characterData: true});
    }""")
    cdp = page.context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send("Network.emulateNetworkConditions", {"offline": False, "latency": 0, "downloadThroughput": -1,
                                                  "uploadThroughput": 1_000_000})
    transfer = page.evaluate_handle("""(files) => {
      const dt = new DataTransfer();
      files.forEach(f => dt.items.add(new File([f.body], f.name, {type: 'text/csv'})));
      return dt;
    }""", files)
    page.dispatch_event("[data-dropzone]", "dragover", {"dataTransfer": transfer})
    expect(page.locator("[data-dropzone].over")).to_have_count(1)
    page.dispatch_event("[data-dropzone]", "drop", {"dataTransfer": transfer})

    queue = page.locator("[data-queue] li")
    expect(queue).to_have_count(3)
    refused = page.locator("[data-queue] li.error", has_text="notities.docx")
    expect(refused).to_contain_text("notities.docx is geweigerd: alleen csv")
    expect(page.locator("[data-queue] li.pending progress")).not_to_have_count(0)
    _screenshot(page, "find-04-upload-progress")
    for name in ("leden-januari.csv", "leden-februari.csv"):
        done = page.locator("[data-queue] li.success", has_text=name)
        expect(done).to_contain_text(f"{name} is ontvangen", timeout=60_000)
    listed = page.locator("[data-upload-list] table tr", has_text=re.compile(r"leden-(januari|februari)\.csv"))
    expect(listed).to_have_count(2)
    seen = page.evaluate("window.seenStatus")
    assert any(re.search(r"verzenden .+/s · .+ te gaan", s) for s in seen), seen
    _screenshot(page, "find-05-upload-done")
    cdp.send("Network.emulateNetworkConditions", {"offline": False, "latency": 0, "downloadThroughput": -1,
                                                  "uploadThroughput": -1})

    uploads = {u.name: u for u in Upload.objects.filter(client=client_a)}
    assert set(uploads) == {"leden-januari.csv", "leden-februari.csv"}  # the refused file never reached the server
    assert all(u.state == UploadState.COMPLETED and u.blob_id for u in uploads.values())
    assert uploads["leden-januari.csv"].size == len(big)
