"""Workstations that touch client data are checked monthly (P17's second half), with reminders."""

import datetime as dt

import pytest
import time_machine
from django.core import mail
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from verwerker.accounts.roles import Role
from verwerker.audit.events import EventType
from verwerker.audit.models import AuditEvent
from verwerker.facilities import actions
from verwerker.facilities.compliance import workstations as workstation_check
from verwerker.facilities.models import WorkstationCheck
from verwerker.facilities.tasks import remind_workstation_checks
from verwerker.privacy.compliance import State, evaluate

pytestmark = pytest.mark.django_db


@pytest.fixture
def operator(make_staff):
    user = make_staff(Role.PRINT, "drukker")
    user.email = "drukker@huis.example"
    user.save(update_fields=["email"])
    return user


@pytest.fixture
def rip(operator, system_actor):
    return actions.do_register_workstation(name="RIP-1", kind="rip", location="drukkerij", responsible=operator,
                                           actor=system_actor)


def _check(workstation, user, actor, **items):
    values = {"local_copies_removed": True, "downloads_empty": True, "temp_empty": True, **items}
    return actions.do_record_workstation_check(workstation, checked_by=user, actor=actor, **values)


@pytest.mark.usefixtures("english")  # the evidence read as written, in English
def test_a_workstation_checked_this_month_passes_and_one_left_unchecked_fails_the_dashboard(
    rip, operator, system_actor
):
    _check(rip, operator, system_actor)
    assert workstation_check().state == State.OK
    with time_machine.travel(timezone.now() + dt.timedelta(days=33), tick=False):
        finding = {r["promise"].id: r["finding"] for r in evaluate()}["P17"]
        assert finding.state == State.FAILING and "1 overdue for their monthly check (RIP-1)" in finding.evidence
        assert "not recorded by the system" not in finding.evidence
        _check(rip, operator, system_actor)
        assert workstation_check().state == State.OK


def test_a_check_that_found_files_left_behind_must_say_what_was_done(rip, operator, system_actor):
    with pytest.raises(ValidationError, match="beschrijf wat er gevonden is"):
        _check(rip, operator, system_actor, downloads_empty=False)
    _check(rip, operator, system_actor, downloads_empty=False, findings="2 PDF-proeven in Downloads gewist")
    finding = workstation_check()
    # the evidence in the person's language (Dutch by default)
    assert finding.state == State.ATTENTION and "1 controles in de afgelopen 31 dagen troffen" in finding.evidence


def test_the_responsible_person_is_reminded_once_per_due_date(rip, operator, system_actor):
    """GIVEN a workstation checked today WHEN the daily task runs before, on and after the due date
    THEN one reminder goes to its responsible person when it falls due, and no second one for that date."""
    _check(rip, operator, system_actor)
    assert remind_workstation_checks.call() == 0
    with time_machine.travel(timezone.now() + dt.timedelta(days=31), tick=False):
        assert remind_workstation_checks.call() == 1
        assert remind_workstation_checks.call() == 0
    with time_machine.travel(timezone.now() + dt.timedelta(days=35), tick=False):
        assert remind_workstation_checks.call() == 0
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["drukker@huis.example"]
    assert "RIP-1" in mail.outbox[0].subject and "Downloads" in mail.outbox[0].body
    assert AuditEvent.objects.filter(action=EventType.WORKSTATION_REMINDER_SENT).count() == 1


def test_the_reminder_task_is_on_the_schedule():
    from verwerker.runtime.schedule import SCHEDULE

    assert any(p.task == "verwerker.facilities.tasks.remind_workstation_checks" for p in SCHEDULE)


def test_the_responsible_person_records_the_check_on_their_own_workstation_only(
    rip, operator, login, make_staff, system_actor
):
    other = actions.do_register_workstation(name="PC-2", kind="pc", location="expeditie",
                                            responsible=make_staff(Role.DATABASE), actor=system_actor)
    web = login(operator)
    page = web.get(reverse("facilities:workstations")).content.decode()
    assert 'data-workstation="RIP-1"' in page and "PC-2" not in page
    web.post(reverse("facilities:workstation_check", args=[rip.pk]),
             {"local_copies_removed": "on", "downloads_empty": "on", "temp_empty": "on"})
    assert (
        web.post(reverse("facilities:workstation_check", args=[other.pk]), {"local_copies_removed": "on"}).status_code
        == 404
    )
    check = WorkstationCheck.objects.get()
    assert check.workstation == rip and check.checked_by == operator and check.clean
