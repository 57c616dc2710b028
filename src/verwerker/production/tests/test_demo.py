"""The demo creates a client with an agreement, an SFTP account, a profiled synthetic file and a released job."""

import pytest

pytestmark = pytest.mark.django_db


def test_the_demo_releases_one_job_that_production_takes_to_a_proof():
    from verwerker.production.demo import create_demo
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
