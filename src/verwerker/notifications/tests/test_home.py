"""Each role's home page shows its work; a person with several roles sees each part; the header counts it.

The lists come from the apps' queries; these tests build the real state through actions and read the
rendered page (Dutch, the default language).
"""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from verwerker.audit.actors import Actor
from verwerker.datafiles.synthetic import address_csv
from verwerker.production.actions import do_deliver_job, do_fail_production, do_release_job
from verwerker.production.tests.conftest import draft, produce, staff, station, template  # noqa: F401 (fixtures)
from verwerker.testing import receive_file

pytestmark = pytest.mark.django_db


def _section(page: bytes, name: str) -> str:
    html = page.decode()
    start = html.index(f'data-work="{name}"')
    return html[start:html.index("</section>", start)]


def test_the_database_department_sees_files_waiting_approvals_for_it_and_failed_jobs(login, client_a, draft, staff):  # noqa: F811
    """GIVEN a profiled file without a job, a high-risk job drafted by a colleague and a failed job
    THEN the second person's home lists each under its heading, and the drafter is not asked to approve
    their own job."""
    client_a.agreements.update(high_risk_allowed=True)
    receive_file(client_a, "wacht-op-opdracht.csv", address_csv(6, seed=1))
    risky = draft(receive_file(client_a, "hoog-risico.csv", address_csv(6, seed=2, with_birth_date=True)))
    risky.name = "Verjaardagsbrief"
    risky.save(update_fields=["name"])
    failed = draft(receive_file(client_a, "mislukt.csv", address_csv(6, seed=3)))
    failed.name = "Mislukte mailing"
    failed.save(update_fields=["name"])
    failed = do_release_job(failed, user=staff.drafter, actor=Actor.for_user(staff.drafter))
    do_fail_production(failed, error="sjabloon regel 3", actor=Actor.system("test"))
    work = _section(login(staff.second).get(reverse("home")).content, "database")
    assert "wacht-op-opdracht.csv" in work and "hoog-risico.csv" not in work.split("Opdrachten die")[0]
    assert "Verjaardagsbrief" in work and "Mislukte mailing" in work
    own = _section(login(staff.drafter).get(reverse("home")).content, "database")
    assert "Verjaardagsbrief" not in own
    assert "zodra ze gebouwd zijn" not in login(staff.second).get(reverse("home")).content.decode()


def test_the_print_operator_sees_the_jobs_at_each_station(login, client_a, draft, staff, station, settings):  # noqa: F811
    job = draft(receive_file(client_a, "drukwerk.csv", address_csv(6, seed=4)), station=station)
    job.name = "Nieuwsbrief maart"
    job.save(update_fields=["name"])
    job = produce(do_release_job(job, user=staff.drafter, actor=Actor.for_user(staff.drafter)))
    do_deliver_job(job, actor=Actor.system("test"))
    page = login(staff.printer).get(reverse("home")).content
    work = _section(page, "print")
    assert 'data-station="Pers 1"' in work and "Nieuwsbrief maart" in work
    assert 'data-work-waiting="1"' in page.decode()
    assert 'data-work="database"' not in page.decode()


def test_the_relation_manager_sees_agreements_ending_and_accounts_to_issue(
        login, make_staff, client_a, client_b, system_actor):
    from verwerker.intake.actions import do_issue_sftp_account

    client_a.agreements.update(ends_on=timezone.localdate() + dt.timedelta(days=20))
    do_issue_sftp_account(client_a, actor=system_actor)
    work = _section(login(make_staff("relation", "rm")).get(reverse("home")).content, "relation")
    ending, accounts = work.split("Uit te geven SFTP-accounts")
    assert "VO-A-1" in ending and "VO-B-1" not in ending
    assert client_b.name in accounts and client_a.name not in accounts


def test_the_privacy_officer_sees_breach_clocks_requests_by_deadline_and_files_near_their_limit(
        login, make_staff, client_a, system_actor):
    from verwerker.privacy.actions import do_add_affected_client, do_report_breach
    from verwerker.privacy.models import RequestKind
    from verwerker.privacy.subject_requests import do_log_subject_request
    from verwerker.privacy.subjects import Criteria

    with time_machine.travel(timezone.now() - dt.timedelta(days=28)):
        receive_file(client_a, "oud-bestand.csv", address_csv(5, seed=5))
    receive_file(client_a, "nieuw-bestand.csv", address_csv(5, seed=6))
    breach = do_report_breach(title="Verkeerde envelop", description="Test.", discovered_at=timezone.now(),
                              actor=system_actor)
    do_add_affected_client(breach, client_a, actor=system_actor)
    request = do_log_subject_request(client_a, RequestKind.ACCESS, Criteria(email="iemand@example.test"),
                                     from_contact=client_a.contacts.get(is_designated=True), actor=system_actor)
    work = _section(login(make_staff("privacy", "po")).get(reverse("home")).content, "privacy")
    clocks, rest = work.split("Verzoeken naar termijn")
    requests, retention = rest.split("Bestanden dicht bij hun bewaartermijn")
    assert breach.reference in clocks and client_a.name in clocks
    assert request.reference in requests
    assert "oud-bestand.csv" in retention and "nieuw-bestand.csv" not in retention


def test_a_person_with_several_roles_sees_each_part(login, make_staff):
    from django.contrib.auth.models import Group

    person = make_staff("database", "veelzijdig")
    person.groups.add(Group.objects.get(name="print"), Group.objects.get(name="privacy"))
    page = login(person).get(reverse("home")).content.decode()
    assert all(f'data-work="{part}"' in page for part in ("database", "print", "privacy"))
    assert 'data-work="relation"' not in page


def test_the_client_sees_proofs_to_approve_reports_certificates_and_breach_notices(
        login, client_a, user_a, user_b, draft, staff, system_actor):  # noqa: F811
    from verwerker.privacy.actions import do_add_affected_client, do_report_breach, do_send_breach_notice
    from verwerker.production.actions import do_cancel_job

    job = draft(receive_file(client_a, "proef.csv", address_csv(8, seed=7)), proof_required=True)
    job.name = "Jaarbrief"
    job.save(update_fields=["name"])
    produce(do_release_job(job, user=staff.drafter, actor=Actor.for_user(staff.drafter)))
    cancelled = do_cancel_job(draft(receive_file(client_a, "weg.csv", address_csv(4, seed=8))), actor=system_actor)
    breach = do_report_breach(title="Lek", description="Test.", discovered_at=timezone.now(), actor=system_actor)
    affected = do_add_affected_client(breach, client_a, actor=system_actor)
    do_send_breach_notice(affected, text="Geachte klant, er is een datalek.", sender=None, actor=system_actor)
    page = login(user_a).get(reverse("home")).content
    assert "Jaarbrief" in _section(page, "proofs")
    assert ".csv" in _section(page, "reports")  # the reject report of the produced job
    assert reverse("retention:certificate", args=[cancelled.certificate_id]) in _section(page, "certificates")
    notices = _section(page, "breach-notices")
    assert breach.reference in notices and "er is een datalek" in notices
    theirs = login(user_b).get(reverse("home")).content.decode()
    assert "Jaarbrief" not in theirs and breach.reference not in theirs


def test_the_header_counts_cost_a_few_queries_whatever_the_roles(rf, make_staff, django_assert_max_num_queries):
    """GIVEN a person with every working role WHEN the header's counts are computed THEN at most 12 queries."""
    from django.contrib.auth.models import Group

    from verwerker.notifications.context_processors import work_counts

    person = make_staff("database", "alles")
    person.groups.add(*Group.objects.filter(name__in=["print", "relation", "privacy"]))
    person = type(person).objects.get(pk=person.pk)
    person.is_verified = lambda: True
    request = rf.get("/")
    request.user = person
    request.resolver_match = object()
    with django_assert_max_num_queries(12):
        counts = work_counts(request)
    assert counts == {"work_waiting": 0, "unread_notifications": 0}
