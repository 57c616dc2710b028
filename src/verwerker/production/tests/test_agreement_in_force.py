"""Jobs follow the agreement in force (P09, P23): a drafted job is judged by the client's agreement in
force now, so an amendment takes effect without cancelling it; a released job whose agreement has
since ended is stopped, with the reason, and goes back to drafting with the client's file intact."""

import datetime as dt

import pytest

from verwerker.audit.actors import Actor
from verwerker.audit.events import EventType
from verwerker.audit.models import AuditEvent
from verwerker.clients.actions import do_activate_agreement, do_amend_agreement, do_approve_agreement, do_end_agreement
from verwerker.clients.queries import get_active_agreement
from verwerker.datafiles.synthetic import address_csv
from verwerker.production.actions import (
    do_approve_job,
    do_confirm_measures,
    do_release_job,
    gates_waiting,
)
from verwerker.production.tests.conftest import produce
from verwerker.production.workflow import JobState, StepRefused
from verwerker.testing import receive_file

pytestmark = pytest.mark.django_db


def act(user):
    return Actor.for_user(user)


def _amend_allowing_high_risk(client, officer, starts_on=None):
    old = get_active_agreement(client)
    new = do_amend_agreement(old, reference="VO-A-2", starts_on=starts_on or dt.date.today(), high_risk_allowed=True,
                             high_risk_measures="Vier ogen; geen e-mail.", actor=Actor.system("test"))
    do_approve_agreement(new, user=officer, actor=act(officer))
    do_activate_agreement(new, actor=Actor.system("test"))
    return old, new


def test_an_amendment_allowing_high_risk_opens_that_gate_of_a_drafted_job_without_cancelling_it(
    client_a, draft, staff, make_staff
):
    """GIVEN a drafted high-risk job (measures ticked, second person approved) whose release is refused
         because the agreement does not allow high-risk files
    WHEN an amendment that allows them, approved by the privacy officer, takes effect today
    THEN the job, still drafted with its file, waits for no gate and is released under the new version."""
    data_file = receive_file(client_a, "hoog.csv", address_csv(20, with_birth_date=True))
    job = draft(data_file)
    assert "high_risk" in [code for code, _ in gates_waiting(job)]
    do_confirm_measures(job, actor=act(staff.drafter))
    do_approve_job(job, user=staff.second, actor=act(staff.second))
    with pytest.raises(StepRefused, match="staat geen bestanden met hoog risico toe"):
        do_release_job(job, user=staff.drafter, actor=act(staff.drafter))
    _old, new = _amend_allowing_high_risk(client_a, make_staff("privacy", "fg"))
    job.refresh_from_db()
    assert job.state == JobState.DRAFTED and gates_waiting(job) == []
    job = do_release_job(job, user=staff.drafter, actor=act(staff.drafter))
    assert job.state == JobState.RELEASED and job.agreement == new and job.data_file_id == data_file.pk
    assert not AuditEvent.objects.filter(action=EventType.JOB_CANCELLED).exists()


def test_a_released_job_whose_agreement_ended_is_stopped_with_the_reason_and_keeps_its_file(client_a, draft, staff):
    from verwerker.vault.models import Blob

    data_file = receive_file(client_a, "adressen.csv", address_csv(30, seed=4))
    job = do_release_job(draft(data_file), user=staff.drafter, actor=act(staff.drafter))
    agreement = job.agreement
    do_end_agreement(agreement, actor=Actor.system("test"), on=dt.date.today() - dt.timedelta(days=1))
    # A new version is in force, but the job was released under the old one.
    from verwerker.clients.actions import do_create_agreement

    fresh = do_create_agreement(client_a, reference="VO-A-3", subject="s", nature_and_purpose="n", data_types="NAW",
                                data_subject_categories="c", actor=Actor.system("test"))
    do_activate_agreement(fresh, actor=Actor.system("test"))
    job = produce(job)
    assert job.state == JobState.DRAFTED and job.released_at is None
    assert "VO-A-1" in job.error and "niet meer van kracht" in job.error
    stopped = AuditEvent.objects.get(action=EventType.JOB_STOPPED, object_id=str(job.pk))
    assert "VO-A-1" in stopped.details
    assert Blob.objects.get(pk=data_file.blob_id).wrapped_key is not None  # the client's file stays
    assert not job.outputs.exists() or not Blob.objects.filter(
        pk__in=job.outputs.values_list("blob_id", flat=True), wrapped_key__isnull=False).exists()
    # Released again, it answers to the agreement in force now.
    job = do_release_job(job, user=staff.drafter, actor=act(staff.drafter))
    assert job.agreement == fresh and job.error == ""


def test_the_draft_form_offers_the_subprocessors_of_the_agreement_in_force(client_a, staff, login):
    """GIVEN a file received under an agreement that names no subprocessor
    WHEN an amendment naming one takes effect
    THEN the file's page offers that subprocessor for a new job, and a job drafted there goes to it."""
    from django.urls import reverse

    from verwerker.clients.actions import do_create_subprocessor
    from verwerker.production.models import Job, Template

    data_file = receive_file(client_a, "leden.csv", address_csv(20))
    sub = do_create_subprocessor("Drukkerij Gent", country="BE", actor=Actor.system("test"))
    page = login(staff.drafter).get(reverse("production:data_file", args=[data_file.pk])).content.decode()
    assert "Drukkerij Gent" not in page
    old = get_active_agreement(client_a)
    new = do_amend_agreement(old, reference="VO-A-2", starts_on=dt.date.today(), subprocessors=[sub],
                             actor=Actor.system("test"))
    do_activate_agreement(new, actor=Actor.system("test"))
    web = login(staff.drafter)
    assert "Drukkerij Gent" in web.get(reverse("production:data_file", args=[data_file.pk])).content.decode()
    template = Template.objects.create(name="Brief", source="= Brief")
    web.post(reverse("production:draft_job", args=[data_file.pk]),
             {"template": template.pk, "subprocessor": sub.pk, "name": "Ledenbrief"})
    assert Job.objects.get(name="Ledenbrief").subprocessor == sub
