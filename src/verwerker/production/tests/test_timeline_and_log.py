"""The audit log as people read it: sentences instead of JSON, objects as links, client names, saved
filters, and the timeline of a file and a job built from it."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import translation

from verwerker.accounts.roles import Role
from verwerker.audit.actions import do_record_event
from verwerker.audit.actors import Actor
from verwerker.audit.events import ActorType, EventType
from verwerker.audit.models import AuditEvent
from verwerker.datafiles.synthetic import address_csv
from verwerker.lists.models import SavedFilter
from verwerker.logbook.readable import readable, sentence
from verwerker.testing import receive_file

pytestmark = pytest.mark.django_db


def test_an_sftp_upload_reads_as_a_sentence_with_its_size_in_words(client_a):
    event = AuditEvent(action=EventType.UPLOAD_COMPLETED, actor_type=ActorType.SFTP,
                       details='{"size": 12582912, "blob": "0b7c"}')
    with translation.override("nl"):
        text, rest = sentence(event)
    assert text == "Bestand ontvangen via SFTP (12,0\xa0MB)"  # filesizeformat keeps number and unit together
    assert ("kluisbestand", "0b7c") in rest
    with translation.override("en"):
        assert sentence(event)[0] == "File received via SFTP (12.0\xa0MB)"


def test_the_reasons_the_log_keeps_in_english_or_as_codes_read_in_the_readers_language():
    """An unreadable or refused file's reason is stored in English, an upload's as a code."""
    events = {
        EventType.DATAFILE_UNREADABLE: '{"reason": "a PDF document, not a table"}',
        EventType.DATAFILE_REFUSED: '{"reason": "the client has no processing agreement in force (P09)"}',
        EventType.UPLOAD_REFUSED: '{"channel": "web", "reason": "too_large"}',
        EventType.UPLOAD_ABORTED: '{"channel": "api", "reason": "something new"}',
    }
    with translation.override("nl"):
        texts = [sentence(AuditEvent(action=a, actor_type=ActorType.SYSTEM, details=d))[0] for a, d in events.items()]
    assert texts == ["Bestand kon niet worden gelezen: een PDF-document, geen tabel",
                     "Bestand geweigerd: de klant heeft geen verwerkersovereenkomst die van kracht is (P09)",
                     "Aanlevering via web geweigerd: bestand te groot",
                     "Aanlevering via API afgebroken (something new)"]  # a code without a label as it is


def test_an_action_without_a_sentence_shows_its_label_and_its_details_in_words():
    event = AuditEvent(action=EventType.HOLD_PLACED, actor_type=ActorType.STAFF,
                       details='{"object_type": "datafiles.datafile", "reason": "onderzoek"}')
    text, rest = sentence(event)
    assert text.lower().startswith(str(EventType.HOLD_PLACED.label)[:4].lower())
    assert any(value == "onderzoek" for _key, value in rest)
    assert "{" not in text and all("{" not in v for _k, v in rest)


def test_events_name_their_objects_as_links_and_their_clients_by_name(client_a, draft):
    job = draft(receive_file(client_a, "nieuwsbrief.csv", address_csv(5, seed=3)))
    events = AuditEvent.objects.filter(client_id=client_a.pk).order_by("seq")
    rows = {r.event.action: r for r in readable(events)}
    drafted = rows[EventType.JOB_DRAFTED]
    assert drafted.object.url == reverse("production:job", args=[job.pk]) and "Mailing" in drafted.object.label
    assert drafted.client.label == client_a.name and drafted.client.url == reverse("clients:detail", args=[client_a.pk])
    profiled = rows[EventType.DATAFILE_PROFILED]
    assert profiled.object.url == reverse("production:data_file", args=[job.data_file_id])
    assert "nieuwsbrief.csv" in profiled.object.label and "5" in profiled.text


def test_the_log_page_shows_words_links_and_names_not_json_or_ids(login, make_staff, client_a, draft):
    job = draft(receive_file(client_a, "nieuwsbrief.csv", address_csv(5, seed=3)))
    web = login(make_staff(Role.PRIVACY))
    with translation.override("nl"):
        page = web.get(reverse("audit:list"), {"client": client_a.pk}, HTTP_ACCEPT_LANGUAGE="nl")
    html = page.content.decode()
    assert page.status_code == 200
    assert f'href="{reverse("production:job", args=[job.pk])}"' in html
    assert client_a.name in html and "&quot;step&quot;" not in html and '{"' not in html
    narrowed = web.get(reverse("audit:list"), {"object_type": "production.job", "object_id": job.pk})
    seqs = {r.event.seq for r in narrowed.context["rows"]}
    assert seqs == set(AuditEvent.objects.filter(object_type="production.job", object_id=str(job.pk))
                       .values_list("seq", flat=True)) and seqs
    assert "Mailing" in narrowed.context["narrowed"]


def test_an_officer_saves_a_filter_sees_only_their_own_and_deletes_it(login, make_staff, client_a):
    officer, other = make_staff(Role.PRIVACY, "po-1"), make_staff(Role.PRIVACY, "po-2")
    web = login(officer)
    query = f"client={client_a.pk}&action={int(EventType.AGREEMENT_ACTIVATED)}&page=3"
    response = web.post(reverse("audit:save_filter"), {"name": "Aland activaties", "query": query})
    saved = SavedFilter.objects.get(user=officer)
    assert saved.query == f"client={client_a.pk}&action={int(EventType.AGREEMENT_ACTIVATED)}"  # no page number
    assert response.status_code == 302 and response["Location"].endswith("?" + saved.query)
    page = web.get(reverse("audit:list"))
    assert [f.name for f in page.context["saved"]] == ["Aland activaties"]
    assert [f.name for f in login(other).get(reverse("audit:list")).context["saved"]] == []
    # Another officer cannot delete it; its owner can.
    login(other).post(reverse("audit:delete_filter", args=[saved.pk]))
    assert SavedFilter.objects.filter(pk=saved.pk).exists()
    web = login(officer)
    web.post(reverse("audit:delete_filter", args=[saved.pk]))
    assert not SavedFilter.objects.filter(pk=saved.pk).exists()
    # Nothing to save, or no name: refused with a message.
    web.post(reverse("audit:save_filter"), {"name": "leeg", "query": "page=2"})
    web.post(reverse("audit:save_filter"), {"name": " ", "query": query})
    assert not SavedFilter.objects.exists()


def test_nobody_but_the_privacy_officer_saves_an_audit_filter(login, make_staff):
    web = login(make_staff(Role.DATABASE))
    assert web.post(reverse("audit:save_filter"), {"name": "x", "query": "client=1"}).status_code == 404
    assert not SavedFilter.objects.exists()


def test_a_jobs_timeline_runs_from_received_to_certified_with_gate_target_and_certificate(client_a, draft, staff):
    """GIVEN a file received and profiled, a job drafted, released, produced, delivered to a print station,
         confirmed printed, shredded and certified
    WHEN the job's timeline is built
    THEN its steps run in that order, the rendered parts are one step with a count, the delivery names the
         station, the certificate step links to the certificate, and every step carries its events' numbers."""
    from verwerker.production.actions import do_confirm_printed, do_deliver_job, do_release_job
    from verwerker.production.tests.conftest import produce
    from verwerker.production.timeline import data_file_timeline, job_timeline

    job = draft(receive_file(client_a, "brief.csv", address_csv(30, seed=4)))
    drafter = Actor.for_user(staff.drafter)
    do_release_job(job, user=staff.drafter, actor=drafter)
    job = produce(job)
    do_deliver_job(job, actor=drafter)
    job.refresh_from_db()
    do_confirm_printed(job, user=staff.printer, actor=Actor.for_user(staff.printer), pieces=job.records_out)
    job.refresh_from_db()
    assert job.certificate_id

    with translation.override("nl"):
        steps = job_timeline(job)
    phases = [s.phase for s in steps]
    order = ["received", "profiled", "drafted", "released", "produced", "delivered", "confirmed", "destroyed",
             "certified"]
    assert [p for p in dict.fromkeys(phases) if p in order] == order
    rendered = [s for s in steps if AuditEvent.objects.get(seq=s.seqs[0]).action == EventType.JOB_PART_RENDERED]
    assert len(rendered) == 1 and rendered[0].count == job.parts_total
    delivered = next(s for s in steps if s.phase == "delivered")
    assert any("Pers 1" in link.label for link in delivered.links)
    certified = [s for s in steps if s.phase == "certified"]
    certificate_url = reverse("retention:certificate", args=[job.certificate_id])
    assert any(link.url == certificate_url for s in certified for link in s.links)
    every_seq = [seq for s in steps for seq in s.seqs]
    assert every_seq == sorted(every_seq) and len(every_seq) == len(set(every_seq))
    assert steps[0].audit_url().endswith(f"#e{steps[0].seqs[0]}")
    # The file's timeline holds the job's steps too, and the reads of the file from the vault.
    file_steps = data_file_timeline(job.data_file)
    assert set(every_seq) <= {seq for s in file_steps for seq in s.seqs}
    assert any(s.phase == "read" for s in file_steps)


def test_the_timeline_is_on_the_file_and_job_pages_and_links_to_the_log_only_for_the_officer(
    login, make_staff, client_a, draft, staff
):
    job = draft(receive_file(client_a, "brief.csv", address_csv(5, seed=4)))
    officer = login(make_staff(Role.PRIVACY))
    page = officer.get(reverse("production:job", args=[job.pk]))
    assert b"data-timeline" in page.content
    assert f'{reverse("audit:list")}?object_type=production.job&amp;object_id={job.pk}'.encode() in page.content
    page = officer.get(reverse("production:data_file", args=[job.data_file_id]))
    assert b"data-timeline" in page.content and b"object_type=datafiles.datafile" in page.content
    drafter = login(staff.drafter).get(reverse("production:job", args=[job.pk]))
    assert b"data-timeline" in drafter.content and reverse("audit:list").encode() not in drafter.content


def test_a_recorded_event_about_a_missing_object_still_reads(client_a):
    do_record_event(EventType.JOB_CANCELLED, actor=Actor.system("test"), client_id=client_a.pk,
                    object_type="production.job", object_id="999999")
    row = readable(AuditEvent.objects.filter(action=EventType.JOB_CANCELLED))[0]
    assert row.object.url == "" and "999999" in row.object.label


def test_the_client_and_breach_pages_link_the_officer_to_their_events(login, make_staff, client_a, system_actor):
    from django.utils import timezone

    from verwerker.privacy.actions import do_report_breach

    breach = do_report_breach(title="Laptop kwijt", description="In de trein laten liggen",
                              discovered_at=timezone.now(), actor=system_actor)
    officer = login(make_staff(Role.PRIVACY))
    page = officer.get(reverse("privacy:breach", args=[breach.pk]))
    link = f'{reverse("audit:list")}?object_type=privacy.breach&amp;object_id={breach.pk}'
    assert link.encode() in page.content
    narrowed = officer.get(reverse("audit:list"), {"object_type": "privacy.breach", "object_id": breach.pk})
    assert {r.event.action for r in narrowed.context["rows"]} >= {EventType.BREACH_REPORTED}
    assert breach.reference in narrowed.context["narrowed"]
    page = officer.get(reverse("clients:detail", args=[client_a.pk]))
    assert f'{reverse("audit:list")}?client={client_a.pk}'.encode() in page.content
    relation = login(make_staff(Role.RELATION)).get(reverse("clients:detail", args=[client_a.pk]))
    assert reverse("audit:list").encode() not in relation.content


def test_a_page_of_the_log_costs_the_same_queries_for_five_jobs_as_for_forty(login, make_staff, client_a, client_b):
    """Objects and clients are looked up per type per page, not per row."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from verwerker.production.models import Job

    def jobs(n: int, client) -> None:
        for i in range(n):
            do_record_event(EventType.JOB_CANCELLED, actor=Actor.system("test"), client_id=client.pk,
                            object_type="production.job", object_id=str(900000 + i))

    web = login(make_staff(Role.PRIVACY))
    jobs(5, client_a)
    with CaptureQueriesContext(connection) as few:
        web.get(reverse("audit:list"), {"action": int(EventType.JOB_CANCELLED)})
    jobs(35, client_b)
    with CaptureQueriesContext(connection) as many:
        page = web.get(reverse("audit:list"), {"action": int(EventType.JOB_CANCELLED)})
    assert len(page.context["rows"]) == 40 and not Job.objects.exists()
    assert len(many.captured_queries) == len(few.captured_queries)


def test_a_delivery_target_reads_as_the_station_by_id_or_by_name(station):
    from verwerker.logbook.readable import station_name

    assert station_name(f"print station {station.pk}") == "Pers 1"
    assert station_name("print station Pers 1") == "Pers 1"
    assert station_name("print station 987654") == "987654"
    event = AuditEvent(action=EventType.JOB_DELIVERED, actor_type=ActorType.SYSTEM,
                       details='{"target": "print station Pers 1", "files": 2}')
    with translation.override("nl"):
        assert sentence(event)[0] == "Geleverd aan drukstation «Pers 1»"
