import pytest

from verwerker.audit.actors import Actor


@pytest.fixture
def template(db):
    from verwerker.production.models import Template
    from verwerker.production.render import EXAMPLES

    return Template.objects.create(name="Brief", source=(EXAMPLES / "letter.typ").read_text())


@pytest.fixture
def station(db, tmp_path):
    from verwerker.production.models import PrintStation

    return PrintStation.objects.create(name="Pers 1", hot_folder=str(tmp_path / "hot"))


@pytest.fixture
def staff(make_staff):
    """Two database-department staff (drafter and second person) and a print operator."""
    from types import SimpleNamespace

    return SimpleNamespace(
        drafter=make_staff("database", "db-drafter"), second=make_staff("database", "db-second"),
        printer=make_staff("print", "printer"),
    )


@pytest.fixture
def draft(template, station, staff):
    """Draft a job on a data file as the drafter."""
    from verwerker.production.actions import do_draft_job

    def make(data_file, **kwargs):
        kwargs.setdefault("station", station)
        return do_draft_job(data_file, name="Mailing", template=template, user=staff.drafter,
                            actor=Actor.for_user(staff.drafter), **kwargs)

    return make


def produce(job):
    """Run the production tasks in-process as workers would; returns the job reloaded."""
    from verwerker.production.models import Job
    from verwerker.production.tasks import finish_job_production, produce_job, render_job_part

    parts = produce_job.call(job.pk)
    job = Job.objects.get(pk=job.pk)
    for index in range(1, parts + 1):
        render_job_part.call(job.pk, job.attempt, index)
    finish_job_production.call(job.pk, job.attempt)
    return Job.objects.get(pk=job.pk)
