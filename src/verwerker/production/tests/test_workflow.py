"""The job life cycle: every step audited, illegal steps refused, gates that block and open (P09, P20, P23)."""

import datetime as dt
from pathlib import Path

import pytest

from verwerker.audit.actors import Actor
from verwerker.audit.events import EventType
from verwerker.audit.models import AuditEvent
from verwerker.datafiles.synthetic import address_csv
from verwerker.production.actions import (
    do_approve_job,
    do_confirm_measures,
    do_confirm_printed,
    do_deliver_job,
    do_drop_bsn_columns,
    do_record_legal_basis,
    do_record_parental_consent,
    do_release_job,
)
from verwerker.production.tests.conftest import produce
from verwerker.production.workflow import STEPS, JobState, StepRefused, check_step, transition_table
from verwerker.testing import receive_file
from verwerker.vault.models import ReadPurpose

READER = Actor.system("test reader")

pytestmark = pytest.mark.django_db


def act(user):
    return Actor.for_user(user)


def test_the_table_allows_only_its_transitions():
    assert ("release", "drafted", "released", "JOB_RELEASED") in transition_table()
    for step in STEPS.values():
        assert step.event in EventType.__members__
    with pytest.raises(StepRefused, match="kan de stap «release» niet krijgen"):
        check_step("release", JobState.PRODUCED, agreement_in_force=True)
    with pytest.raises(StepRefused, match="P09"):
        check_step("release", JobState.DRAFTED, agreement_in_force=False)
    with pytest.raises(StepRefused, match="proef"):
        check_step("deliver", JobState.PRODUCED, agreement_in_force=True, proof_required=True)
    assert check_step("purge", JobState.CONFIRMED, agreement_in_force=False).target == JobState.PURGED


def test_a_standard_job_runs_from_draft_to_certificate(client_a, draft, staff, settings):
    """GIVEN a standard file of 900 records and parts of 400
    WHEN the job is drafted, released, produced as part tasks, delivered and confirmed
    THEN each step is audited, the hot folder holds the parts only until confirmation, every blob of
    the job is shredded and the certificate reaches the client's outbox."""
    from verwerker.intake.models import OutboxFile
    from verwerker.production.queries import visible_outputs
    from verwerker.vault.models import Blob

    settings.JOB_PART_SIZE = 400
    data_file = receive_file(client_a, "adressen.csv", address_csv(900, seed=2))
    job = draft(data_file)
    job = do_release_job(job, user=staff.drafter, actor=act(staff.drafter))
    assert job.state == JobState.RELEASED
    job = produce(job)
    assert job.state == JobState.PRODUCED, job.error
    assert job.parts_total == 3 and job.parts_done == 3
    assert job.records_out + job.rejects >= 1 and job.pages >= job.records_out
    kinds = set(visible_outputs(job).values_list("kind", flat=True))
    assert {"part", "manifest", "rejects", "proof"} <= kinds
    outbox_rejects = OutboxFile.objects.get(client=client_a, name__startswith="weigeringen-job")

    job = do_deliver_job(job, actor=Actor.system("test"))
    hot = [Path(p) for p in job.delivered_files]
    assert len(hot) == 3 and all(p.exists() for p in hot)
    assert not list(hot[0].parent.glob(".*partial"))
    assert hot[0].read_bytes()[:5] == b"%PDF-"

    blobs = [data_file.blob_id, *job.outputs.values_list("blob_id", flat=True), outbox_rejects.blob_id]
    job = do_confirm_printed(job, user=staff.printer, actor=act(staff.printer))
    assert job.state == JobState.CERTIFIED
    assert not any(p.exists() for p in hot)
    assert not Blob.objects.filter(pk__in=blobs, wrapped_key__isnull=False).exists()
    assert job.certificate is not None and job.certificate.objects_deleted == len(blobs)
    import json

    items = {i["blob_id"]: i for i in json.loads(job.certificate.body)["deleted"]}
    assert items[str(data_file.blob_id)]["record_count"] == data_file.record_count == 900
    assert OutboxFile.objects.filter(client=client_a, name=f"vernietigingsverklaring-job-{job.pk}.pdf").exists()
    steps = [e for e in AuditEvent.objects.filter(object_type="production.job", object_id=str(job.pk)).order_by("seq")]
    actions = [e.action for e in steps]
    for event in ("JOB_DRAFTED", "JOB_RELEASED", "JOB_PRODUCTION_STARTED", "JOB_PRODUCED", "JOB_DELIVERED",
                  "JOB_CONFIRMED", "JOB_PURGED", "JOB_CERTIFIED"):
        assert EventType[event] in actions, event


def test_every_step_is_refused_without_an_agreement_in_force(client_a, draft, staff):
    from verwerker.clients.models import AgreementStatus
    from verwerker.production.actions import do_draft_job

    data_file = receive_file(client_a, "a.csv", address_csv(10))
    job = draft(data_file)
    client_a.agreements.update(status=AgreementStatus.ENDED)
    with pytest.raises(StepRefused, match="P09"):
        do_release_job(job, user=staff.drafter, actor=act(staff.drafter))
    with pytest.raises(StepRefused, match="P09"):
        do_draft_job(data_file, name="x", template=job.template, actor=act(staff.drafter))
    assert AuditEvent.objects.filter(action=EventType.JOB_TRANSITION_REFUSED).count() == 2


def test_a_new_attempt_shreds_the_old_one_and_a_late_part_of_it_changes_nothing(client_a, draft, staff, settings):
    """GIVEN a job whose first attempt rendered one of its two parts and then failed
    WHEN it is retried and produced again
    THEN nothing of the first attempt was ever visible, it is shredded, and the second attempt finishes;
    a late part task of the first attempt changes nothing."""
    from verwerker.production.actions import do_fail_production, do_retry_production
    from verwerker.production.models import Job, JobOutput
    from verwerker.production.queries import visible_outputs
    from verwerker.production.tasks import produce_job, render_job_part
    from verwerker.vault.models import Blob

    settings.JOB_PART_SIZE = 400
    job = draft(receive_file(client_a, "a.csv", address_csv(500, seed=3)))
    job = do_release_job(job, user=staff.drafter, actor=act(staff.drafter))
    assert produce_job.call(job.pk) == 2
    assert produce_job.call(job.pk) == 0  # a duplicate task does not start a second attempt
    render_job_part.call(job.pk, 1, 1)
    job = Job.objects.get(pk=job.pk)
    assert job.state == JobState.PRODUCING and job.parts_done == 1
    assert not visible_outputs(job).exists()
    first = list(JobOutput.objects.filter(job=job, attempt=1).values_list("blob_id", flat=True))
    job = do_fail_production(job, error="synthetic failure", actor=Actor.system("test"))
    job = do_retry_production(job, actor=act(staff.drafter))
    job = produce(job)
    assert job.state == JobState.PRODUCED and job.attempt == 2
    assert not Blob.objects.filter(pk__in=first, wrapped_key__isnull=False).exists()
    assert set(visible_outputs(job).values_list("attempt", flat=True)) == {2}
    assert render_job_part.call(job.pk, 1, 2) is False


# -- gates: each one blocks, and opens -------------------------------------------------------------


def _high_risk(client_a):
    client_a.agreements.update(high_risk_allowed=True, high_risk_measures="Two-person release; no e-mail.")
    return receive_file(client_a, "hoog.csv", address_csv(20, with_birth_date=True))


def test_high_risk_blocks_release_without_a_second_person(client_a, draft, staff):
    job = draft(_high_risk(client_a))
    do_confirm_measures(job, actor=act(staff.drafter))
    with pytest.raises(StepRefused, match="tweede persoon") as refused:
        do_release_job(job, user=staff.drafter, actor=act(staff.drafter))
    assert refused.value.code == "approval"
    with pytest.raises(StepRefused, match="kan hem niet goedkeuren"):
        do_approve_job(job, user=staff.drafter, actor=act(staff.drafter))
    with pytest.raises(StepRefused, match="vrijgaverechten"):
        do_approve_job(job, user=staff.printer, actor=act(staff.printer))


def test_high_risk_blocks_release_until_the_measures_are_ticked_off(client_a, draft, staff):
    job = draft(_high_risk(client_a))
    do_approve_job(job, user=staff.second, actor=act(staff.second))
    with pytest.raises(StepRefused, match="maatregelen"):
        do_release_job(job, user=staff.drafter, actor=act(staff.drafter))


def test_high_risk_opens_with_a_second_person_and_the_measures(client_a, draft, staff):
    job = draft(_high_risk(client_a))
    do_confirm_measures(job, actor=act(staff.drafter))
    do_approve_job(job, user=staff.second, actor=act(staff.second))
    job = do_release_job(job, user=staff.drafter, actor=act(staff.drafter))
    assert job.state == JobState.RELEASED and job.approved_by == staff.second


def test_minors_block_release_until_parental_consent_is_recorded(client_a, draft, staff):
    from verwerker.vault.actions import read_blob_bytes

    job = draft(_high_risk_minors := _minors_file(client_a))
    do_confirm_measures(job, actor=act(staff.drafter))
    do_approve_job(job, user=staff.second, actor=act(staff.second))
    with pytest.raises(StepRefused, match="P20") as refused:
        do_release_job(job, user=staff.drafter, actor=act(staff.drafter))
    assert refused.value.code == "minors"
    job = do_record_parental_consent(job, given_by="J. Jansen, secretaris", given_on=dt.date(2026, 3, 1),
                                     document=b"%PDF-1.4 signed consent", document_name="toestemming.pdf",
                                     actor=act(staff.drafter))
    assert (
        read_blob_bytes(job.consent_document_id, actor=READER, purpose=ReadPurpose.VERIFICATION)
        == b"%PDF-1.4 signed consent"
    )
    job = do_release_job(job, user=staff.drafter, actor=act(staff.drafter))
    assert job.state == JobState.RELEASED
    assert _high_risk_minors.minors == 4


def _minors_file(client_a):
    client_a.agreements.update(high_risk_allowed=True)
    return receive_file(client_a, "jeugd.csv", address_csv(20, minors=4))


def _bsn_job(client_a, draft, staff):
    client_a.agreements.update(high_risk_allowed=True)
    job = draft(receive_file(client_a, "bsn.csv", address_csv(20, with_bsn=True)))
    assert job.data_file.has_bsn
    do_confirm_measures(job, actor=act(staff.drafter))
    return do_approve_job(job, user=staff.second, actor=act(staff.second))


def test_a_bsn_blocks_release_until_the_legal_basis_is_recorded(client_a, draft, staff):
    job = _bsn_job(client_a, draft, staff)
    with pytest.raises(StepRefused, match="BSN"):
        do_release_job(job, user=staff.drafter, actor=act(staff.drafter))
    do_record_legal_basis(job, basis="Art. 10 Wet algemene bepalingen burgerservicenummer", actor=act(staff.drafter))
    do_approve_job(job, user=staff.second, actor=act(staff.second))  # a change withdrew the approval
    assert do_release_job(job, user=staff.drafter, actor=act(staff.drafter)).state == JobState.RELEASED


def test_dropping_the_bsn_column_opens_the_bsn_gate_in_one_step(client_a, draft, staff):
    job = _bsn_job(client_a, draft, staff)
    job = do_drop_bsn_columns(job, actor=act(staff.drafter))
    assert job.dropped_columns == ["BSN"] and "BSN" not in job.mapping
    do_approve_job(job, user=staff.second, actor=act(staff.second))
    assert do_release_job(job, user=staff.drafter, actor=act(staff.drafter)).state == JobState.RELEASED


# -- delivery to subprocessors (P21, P22) -------------------------------------------------------------


@pytest.mark.parametrize("condition", ["not_named", "no_own_agreement", "outside_eea"])
def test_delivery_to_a_subprocessor_is_refused_saying_which_condition_failed(client_a, draft, staff, condition):
    """GIVEN a subprocessor failing exactly one condition (the database refuses a non-EEA one that
    receives personal data, so the outside-EEA case is one registered as receiving none)
    THEN the check and the deliver step name that condition."""
    from verwerker.clients.models import AgreementStatus, SubprocessingAgreement, Subprocessor
    from verwerker.production.actions import delivery_refusal

    if condition == "outside_eea":
        sub = Subprocessor.objects.create(name="Printing Boston", country="US", receives_personal_data=False)
    else:
        sub = Subprocessor.objects.create(name="Drukkerij Gent", country="BE")
    status = AgreementStatus.DRAFT if condition == "no_own_agreement" else AgreementStatus.ACTIVE
    SubprocessingAgreement.objects.create(subprocessor=sub, reference="SUB-1", status=status)
    if condition != "not_named":
        client_a.agreements.get().subprocessors.add(sub)
    job = draft(receive_file(client_a, "a.csv", address_csv(5)), station=None, subprocessor=sub)
    expected = {"not_named": "does not name", "no_own_agreement": "no subprocessing agreement",
                "outside_eea": "outside the EU/EEA"}[condition]
    assert expected in delivery_refusal(job)
    job.state = JobState.PRODUCED
    with pytest.raises(StepRefused, match=expected):
        do_deliver_job(job, actor=Actor.system("test"))


def test_delivery_to_a_named_eea_subprocessor_with_an_agreement_passes_the_checks(client_a, draft):
    from verwerker.clients.models import AgreementStatus, SubprocessingAgreement, Subprocessor
    from verwerker.production.actions import delivery_refusal

    sub = Subprocessor.objects.create(name="Drukkerij Gent", country="BE")
    SubprocessingAgreement.objects.create(subprocessor=sub, reference="SUB-1", status=AgreementStatus.ACTIVE)
    client_a.agreements.get().subprocessors.add(sub)
    job = draft(receive_file(client_a, "a.csv", address_csv(5)), station=None, subprocessor=sub)
    assert delivery_refusal(job) is None


def test_a_user_of_another_client_cannot_reach_the_job(client_a, user_b, draft):
    from django.http import Http404

    from verwerker.production.queries import access_job_for

    job = draft(receive_file(client_a, "a.csv", address_csv(5)))
    with pytest.raises(Http404):
        access_job_for(user_b, job.pk)
