"""The compliance dashboard tells the truth: each check fails in a state where the promise is broken and
passes where it is kept, and each promise names the code that enforces it."""

import datetime as dt
import importlib
import os

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from verwerker.audit.actors import Actor
from verwerker.datafiles.synthetic import address_csv
from verwerker.privacy.compliance import CHECKS, PROMISES, State, evaluate
from verwerker.testing import receive_file
from verwerker.vault.models import BlobPurpose

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]  # evidence read in English

ACTOR = Actor.system("test")


def finding(promise_id: str):
    return {r["promise"].id: r["finding"] for r in evaluate()}[promise_id]


def _resolve(dotted: str):
    """Import ``a.b.c.Name.attr``: the longest importable module prefix, then attributes."""
    parts = dotted.split(".")
    for cut in range(len(parts) - 1, 0, -1):
        try:
            obj = importlib.import_module(".".join(parts[:cut]))
        except ModuleNotFoundError:
            continue
        for name in parts[cut:]:
            obj = getattr(obj, name)
        return obj
    raise ModuleNotFoundError(dotted)


def test_every_name_a_promise_gives_as_its_enforcement_can_be_imported():
    for promise in PROMISES:
        if promise.id in CHECKS:
            assert promise.where, f"{promise.id} is checked but names no code that enforces it"
        for dotted in promise.where:
            try:
                _resolve(dotted)
            except (ImportError, AttributeError) as gone:
                pytest.fail(f"{promise.id} names {dotted}, which does not exist: {gone}")


def test_the_dashboard_shows_where_each_promise_is_enforced(login, make_staff):
    page = login(make_staff("privacy")).get(reverse("privacy:dashboard")).content.decode()
    assert "verwerker.intake.purge.SftpFolderPurger" in page
    assert "verwerker.privacy.subject_requests.do_execute_subject_request" in page


@pytest.fixture
def template(db):
    from verwerker.production.models import Template
    from verwerker.production.render import EXAMPLES

    return Template.objects.create(name="Brief", source=(EXAMPLES / "letter.typ").read_text())


@pytest.fixture
def minors_job(client_a, template, make_staff):
    """A drafted job on a high-risk file with two minors in it (birth dates make it high)."""
    from verwerker.production.actions import do_draft_job

    data_file = receive_file(client_a, "jeugdleden.csv", address_csv(20, seed=4, minors=2))
    assert data_file.minors == 2 and data_file.risk == "high"
    drafter = make_staff("database", "drafter")
    return do_draft_job(data_file, name="Jeugdmailing", template=template, user=drafter, actor=Actor.for_user(drafter))


def test_a_job_cancelled_while_still_a_draft_does_not_count_as_released(minors_job):
    """GIVEN a draft on a file with minors and high risk, never released WHEN it is cancelled (and so
    purged and certified) THEN P20 and P23 stay enforced: nothing went out without consent or approval."""
    from verwerker.production.actions import do_cancel_job

    job = do_cancel_job(minors_job, actor=ACTOR)
    assert job.state == "certified"
    assert finding("P20").state == State.OK and "0 released jobs" in finding("P20").evidence
    assert finding("P23").state == State.OK and "0 high-risk jobs released" in finding("P23").evidence


def test_a_released_job_with_minors_without_consent_or_approval_fails_p20_and_p23(minors_job):
    from verwerker.production.models import Job

    Job.objects.filter(pk=minors_job.pk).update(state="released", released_at=timezone.now())  # a gate bypassed
    assert finding("P20").state == State.FAILING and "1 without recorded parental consent" in finding("P20").evidence
    assert finding("P23").state == State.FAILING


def test_p07_fails_for_a_request_past_its_deadline_and_an_execution_without_receipt(client_a):
    from verwerker.privacy.models import DataSubjectRequest, RequestKind
    from verwerker.privacy.subject_requests import do_log_subject_request
    from verwerker.privacy.subjects import Criteria

    contact = client_a.contacts.get(is_designated=True)
    request = do_log_subject_request(client_a, RequestKind.ACCESS, Criteria(email="p@example.test"),
                                     from_contact=contact, actor=ACTOR)
    assert finding("P07").state == State.OK and "1 requests open, 0 past their deadline" in finding("P07").evidence
    with time_machine.travel(timezone.now() + dt.timedelta(days=40)):
        assert finding("P07").state == State.FAILING and "1 past their deadline" in finding("P07").evidence
    DataSubjectRequest.objects.filter(pk=request.pk).update(status="executed", receipt="")
    assert finding("P07").state == State.FAILING and "1 of them without a receipt" in finding("P07").evidence
    DataSubjectRequest.objects.filter(pk=request.pk).update(receipt="Uitgevoerd: 1 bestand doorzocht.")
    assert finding("P07").state == State.OK


def test_p01_flags_a_superuser(client_a, make_staff):
    staff = make_staff("privacy")
    assert finding("P01").state == State.OK
    staff.is_superuser = True
    staff.save(update_fields=["is_superuser"])
    assert finding("P01").state == State.ATTENTION


def test_p08_fails_when_a_template_loads_from_another_site(settings, tmp_path):
    assert finding("P08").state == State.OK
    (tmp_path / "tracker.html").write_text('<script src="https://tracker.example/t.js"></script>')
    settings.TEMPLATES = [{**settings.TEMPLATES[0], "DIRS": [*settings.TEMPLATES[0]["DIRS"], tmp_path]}]
    assert finding("P08").state == State.FAILING and "tracker.html" in finding("P08").evidence


def test_p09_flags_jobs_in_process_for_a_client_whose_agreement_ended(minors_job, client_a):
    from verwerker.clients.models import AgreementStatus
    from verwerker.production.models import Job

    Job.objects.filter(pk=minors_job.pk).update(state="released")
    assert finding("P09").state == State.OK
    client_a.agreements.update(status=AgreementStatus.ENDED)
    assert finding("P09").state == State.ATTENTION and "1 jobs are in process" in finding("P09").evidence


def test_p10_flags_a_file_waiting_over_an_hour_for_its_profile(client_a):
    with time_machine.travel(timezone.now() - dt.timedelta(hours=2)):
        receive_file(client_a, "a.csv", address_csv(3), profile=False)
    assert finding("P10").state == State.ATTENTION
    receive_file(client_a, "b.csv", address_csv(3))
    from verwerker.datafiles.models import DataFile
    from verwerker.datafiles.tasks import profile_data_file

    profile_data_file.call(DataFile.objects.get(name="a.csv").pk)
    assert finding("P10").state == State.OK


def test_p12_flags_staff_without_a_second_factor(login, make_staff):
    staff = make_staff("privacy")
    assert finding("P12").state == State.ATTENTION
    login(staff)  # enrols a confirmed TOTP device
    assert finding("P12").state == State.OK


def test_p13_flags_an_sftp_account_of_a_client_without_an_agreement(client_a):
    from verwerker.clients.models import AgreementStatus
    from verwerker.intake.actions import do_issue_sftp_account

    do_issue_sftp_account(client_a, actor=ACTOR)
    assert finding("P13").state == State.OK
    client_a.agreements.update(status=AgreementStatus.ENDED)
    assert finding("P13").state == State.ATTENTION


def test_p14_fails_for_a_print_file_left_in_a_hot_folder_after_its_job(minors_job, tmp_path):
    from verwerker.production.models import Job

    left = tmp_path / "job-1-001.pdf"
    left.write_bytes(b"%PDF-")
    Job.objects.filter(pk=minors_job.pk).update(state="delivered", delivered_files=[str(left)])
    assert finding("P14").state == State.OK  # at the printer: the one allowed plaintext copy
    Job.objects.filter(pk=minors_job.pk).update(state="certified")
    assert finding("P14").state == State.FAILING
    left.unlink()
    assert finding("P14").state == State.OK


def test_p15_shows_the_age_of_the_verification_and_calls_a_stale_one_stale(client_a):
    from verwerker.audit.queries import verify_chain

    with time_machine.travel(timezone.now() - dt.timedelta(days=3)):
        verify_chain().save()
    stale = finding("P15")
    assert stale.state == State.ATTENTION and "3 days ago" in stale.evidence and "stale" in stale.evidence
    verify_chain().save()
    fresh = finding("P15")
    assert fresh.state == State.OK and "0 min ago" in fresh.evidence and "0 events written since" in fresh.evidence


def test_p16_fails_when_the_vault_lies_inside_a_backed_up_path(settings):
    assert finding("P16").state == State.OK
    settings.BACKUP_INCLUDES = [os.path.dirname(str(settings.VAULT_DIR))]
    assert finding("P16").state == State.FAILING


def test_p17_fails_for_a_printed_job_that_still_holds_its_file(minors_job, make_staff):
    from verwerker.facilities.actions import do_record_workstation_check, do_register_workstation
    from verwerker.production.actions import do_cancel_job
    from verwerker.production.models import Job

    # P17's other half (the monthly workstation check) holds, so the job decides.
    operator = make_staff("print")
    pc = do_register_workstation(name="RIP 1", kind="rip", location="drukkerij", responsible=operator, actor=ACTOR)
    do_record_workstation_check(pc, checked_by=operator, local_copies_removed=True, downloads_empty=True,
                                temp_empty=True, actor=ACTOR)

    Job.objects.filter(pk=minors_job.pk).update(state="confirmed")
    assert finding("P17").state == State.FAILING
    Job.objects.filter(pk=minors_job.pk).update(state="drafted")
    do_cancel_job(Job.objects.get(pk=minors_job.pk), actor=ACTOR)
    assert finding("P17").state == State.OK


def test_p18_fails_for_data_older_than_allowed(client_a):
    from verwerker.vault.actions import do_store_blob

    do_store_blob(b"x", client=client_a, purpose=BlobPurpose.UPLOAD, name="vers.csv", actor=ACTOR)
    assert finding("P18").state == State.OK
    with time_machine.travel(timezone.now() - dt.timedelta(days=40)):
        do_store_blob(b"x", client=client_a, purpose=BlobPurpose.UPLOAD, name="oud.csv", actor=ACTOR)
    assert finding("P18").state == State.FAILING


def test_p18_holds_for_old_data_kept_under_a_hold_and_fails_again_when_it_is_released(client_a):
    """A hold keeps data on purpose; the check follows the purge, which keeps it too."""
    from verwerker.retention.actions import do_place_hold, do_release_hold
    from verwerker.vault.actions import do_store_blob

    with time_machine.travel(timezone.now() - dt.timedelta(days=40)):
        old = do_store_blob(b"x", client=client_a, purpose=BlobPurpose.UPLOAD, name="oud.csv", actor=ACTOR)
    hold = do_place_hold("vault.blob", old.pk, reason="incident 7", actor=ACTOR)
    assert finding("P18").state == State.OK
    do_release_hold(hold, actor=ACTOR)
    assert finding("P18").state == State.FAILING


def test_p19_fails_for_a_schedule_that_keeps_financial_data_forever(db):
    from verwerker.retention.models import RetentionSchedule

    assert finding("P19").state == State.OK
    RetentionSchedule.objects.filter(record_class="financieel").update(keep_days=None)
    assert finding("P19").state == State.FAILING


def test_p21_fails_for_a_job_sent_to_a_subprocessor_the_agreement_does_not_name(minors_job):
    from verwerker.clients.actions import do_create_subprocessor
    from verwerker.production.models import Job

    assert finding("P21").state == State.OK
    sub = do_create_subprocessor("Drukkerij Elders", country="BE", actor=ACTOR)
    Job.objects.filter(pk=minors_job.pk).update(subprocessor=sub, station=None)
    assert finding("P21").state == State.FAILING


def test_p22_cannot_fail_because_the_database_refuses_the_state(db):
    """The failing state (a subprocessor outside the EU/EEA receiving data) cannot be stored at all."""
    from django.db import IntegrityError, transaction

    from verwerker.clients.models import Subprocessor

    assert finding("P22").state == State.OK
    with pytest.raises(IntegrityError), transaction.atomic():
        Subprocessor.objects.bulk_create(
            [Subprocessor(name="Far Away Print", country="US", receives_personal_data=True)]
        )


def test_p24_fails_for_an_overdue_breach_notice(client_a):
    from verwerker.privacy.actions import do_add_affected_client, do_report_breach

    assert finding("P24").state == State.OK
    breach = do_report_breach(
        title="Laptop kwijt", description="Synthetisch voorval", discovered_at=timezone.now(), actor=ACTOR
    )
    if not breach.affected.filter(client=client_a).exists():
        do_add_affected_client(breach, client_a, actor=ACTOR)
    assert finding("P24").state == State.ATTENTION
    with time_machine.travel(timezone.now() + dt.timedelta(hours=30)):
        assert finding("P24").state == State.FAILING


def test_p25_flags_a_complaint_open_for_more_than_six_weeks(db):
    from verwerker.privacy.actions import do_register_complaint

    do_register_complaint(complainant="A. Klager", subject="Brief", description="Synthetisch", actor=ACTOR)
    assert finding("P25").state == State.OK
    with time_machine.travel(timezone.now() + dt.timedelta(weeks=7)):
        assert finding("P25").state == State.ATTENTION


def test_p26_flags_a_missing_or_overdue_penetration_test(db):
    from verwerker.privacy.actions import do_record_pentest

    assert finding("P26").state == State.FAILING  # none recorded: the yearly test is overdue
    do_record_pentest(performed_on=timezone.localdate(), tester="Test BV", scope="web", actor=ACTOR)
    assert finding("P26").state == State.ATTENTION and "report NOT stored" in finding("P26").evidence
    with time_machine.travel(timezone.now() + dt.timedelta(days=400)):
        assert finding("P26").state == State.FAILING
