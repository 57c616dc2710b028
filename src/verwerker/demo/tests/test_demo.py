"""The demo creates a client with an agreement, an SFTP account, a profiled synthetic file and a released job."""

import pytest

pytestmark = pytest.mark.django_db


def test_the_demo_releases_one_job_that_production_takes_to_a_proof():
    from verwerker.demo.demo import create_demo
    from verwerker.production.models import Job, OutputKind
    from verwerker.production.queries import visible_outputs
    from verwerker.production.tests.conftest import produce
    from verwerker.production.workflow import JobState

    lines = []
    ids = create_demo(write=lines.append)
    assert any("one-time password" in line for line in lines)
    job = produce(Job.objects.get(pk=ids["job"]))
    assert job.state == JobState.PRODUCED
    assert visible_outputs(job).filter(kind=OutputKind.PROOF).exists()
    assert create_demo(write=lines.append) == {"client": job.client_id}


def test_the_demo_database_user_may_open_the_demo_job_past_the_confidentiality_gate(login):
    """GIVEN a fresh install with the demo
    WHEN its database user (who has a demo confidentiality agreement on record) opens the demo job
    THEN the page opens: the P11 gate lets a newcomer follow the demo, as the README says."""
    from verwerker.accounts.models import User
    from verwerker.demo.demo import create_demo
    from verwerker.facilities.queries import has_current_agreement

    ids = create_demo(write=lambda line: None)
    staff = User.objects.get(username="demo-database")
    assert has_current_agreement(staff)
    staff.must_change_password = False
    staff.save(update_fields=["must_change_password"])
    assert login(staff).get(f"/werk/opdrachten/{ids['job']}/").status_code == 200
