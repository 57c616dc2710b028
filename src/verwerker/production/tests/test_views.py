"""The workflow screens: each role sees its screen, and nobody sees another client's files or jobs."""

import pytest
from django.urls import reverse

from verwerker.datafiles.synthetic import address_csv
from verwerker.production.workflow import JobState
from verwerker.testing import receive_file

pytestmark = pytest.mark.django_db


@pytest.fixture
def job_a(client_a, draft):
    return draft(receive_file(client_a, "huurders-a.csv", address_csv(12, seed=9)))


def test_the_database_department_sees_incoming_files_with_their_profile(login, staff, job_a):
    page = login(staff.drafter).get(reverse("production:incoming"))
    assert page.status_code == 200 and b"huurders-a.csv" in page.content
    detail = login(staff.drafter).get(reverse("production:data_file", args=[job_a.data_file_id]))
    assert b"Postcode" in detail.content


def test_the_database_department_drafts_a_job_from_the_screen(login, staff, job_a, template, station):
    web = login(staff.drafter)
    response = web.post(reverse("production:draft_job", args=[job_a.data_file_id]),
                        {"name": "Tweede", "template": template.pk, "station": station.pk, "dedupe": "person"})
    assert response.status_code == 302
    assert job_a.data_file.jobs.filter(name="Tweede", state=JobState.DRAFTED).exists()


def test_a_refused_release_shows_its_reason_on_the_job_page(login, staff, client_a, draft):
    client_a.agreements.update(high_risk_allowed=True)
    job = draft(receive_file(client_a, "hoog.csv", address_csv(8, with_birth_date=True)))
    web = login(staff.drafter)
    response = web.post(reverse("production:job_step", args=[job.pk, "release"]), follow=True)
    assert b"tweede persoon" in response.content or b"second person" in response.content
    job.refresh_from_db()
    assert job.state == JobState.DRAFTED


@pytest.mark.parametrize(
    "name", ["production:incoming", "production:jobs", "production:print_queue", "production:retention"]
)
def test_a_client_user_cannot_open_a_staff_screen(login, user_a, name):
    assert login(user_a).get(reverse(name)).status_code in (403, 404)


def test_a_client_user_sees_only_their_own_files_and_jobs(login, user_a, user_b, job_a):
    mine = login(user_a).get(reverse("production:client"))
    assert b"huurders-a.csv" in mine.content
    theirs = login(user_b).get(reverse("production:client"))
    assert theirs.status_code == 200 and b"huurders-a.csv" not in theirs.content


def test_another_clients_user_gets_404_for_job_proof_and_outbox(login, user_b, job_a):
    from verwerker.audit.actors import Actor
    from verwerker.intake.actions import do_put_in_outbox

    item = do_put_in_outbox(job_a.client, "weigeringen.csv", b"x", actor=Actor.system("test"))
    web = login(user_b)
    assert web.get(reverse("production:client_proof", args=[job_a.pk])).status_code == 404
    assert (
        web.post(reverse("production:client_proof_decision", args=[job_a.pk]), {"decision": "approve"}).status_code
        == 404
    )
    assert web.get(reverse("production:client_outbox_file", args=[item.pk])).status_code == 404
    assert web.get(reverse("production:job_progress", args=[job_a.pk])).status_code == 404


def test_the_print_operator_sees_the_queue_but_not_the_database_screens(login, staff, job_a):
    web = login(staff.printer)
    assert web.get(reverse("production:print_queue")).status_code == 200
    assert web.get(reverse("production:incoming")).status_code == 403


def test_the_privacy_officer_sees_files_against_retention_and_gates_waiting(login, make_staff, client_a, draft):
    client_a.agreements.update(high_risk_allowed=True)
    draft(receive_file(client_a, "hoog.csv", address_csv(8, with_birth_date=True)))
    page = login(make_staff("privacy")).get(reverse("production:retention"))
    assert page.status_code == 200
    assert b"second person" in page.content or b"tweede persoon" in page.content


def test_the_relation_manager_sees_job_status_per_client(login, make_staff, job_a, client_b):
    web = login(make_staff("relation"))
    page = web.get(reverse("production:jobs"), {"client": job_a.client_id})
    assert page.status_code == 200 and b"Mailing" in page.content
    other = web.get(reverse("production:jobs"), {"client": client_b.pk})
    assert b"Mailing" not in other.content


def test_the_drafter_is_not_offered_to_approve_their_own_high_risk_job_but_a_second_person_is(
    login, staff, client_a, draft
):
    client_a.agreements.update(high_risk_allowed=True)
    job = draft(receive_file(client_a, "hoog.csv", address_csv(8, with_birth_date=True)))
    approve = reverse("production:job_step", args=[job.pk, "approve"]).encode()
    assert approve not in login(staff.drafter).get(reverse("production:job", args=[job.pk])).content
    assert approve in login(staff.second).get(reverse("production:job", args=[job.pk])).content


def test_a_file_over_a_shape_limit_is_a_refused_data_file_whose_page_names_the_limit(login, staff, client_a):
    data_file = receive_file(client_a, "een-regel.csv", b"Naam;" + b"x" * (300 * 1024) + b"\n")
    assert data_file.state == "unreadable"
    assert data_file.reason == "een-regel.csv: its header line is longer than 64 KiB; refused"
    page = login(staff.drafter).get(reverse("production:data_file", args=[data_file.pk]))
    assert b"de eerste regel is langer dan 64 KiB" in page.content and len(page.content) < 50_000


def test_a_file_without_a_header_row_shows_numbered_columns_and_why(login, staff, client_a):
    data_file = receive_file(
        client_a, "zonder-kop.csv", b"Qwertyjansen;Dorpsstraat;12;1234 AB;Utrecht\nBakker;Kerkweg;3;2345 CD;Zwolle\n"
    )
    assert list(data_file.column_kinds) == [f"kolom {i}" for i in range(1, 6)]
    page = login(staff.drafter).get(reverse("production:data_file", args=[data_file.pk])).content.decode()
    assert "kolom 5" in page and "Qwertyjansen" not in page
    assert "De eerste regel bevat gegevens" in page or "The first line holds data" in page
