"""Complaints (P25) and penetration tests (P26) are registered and followed to an end."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from verwerker.accounts.roles import Role
from verwerker.privacy.actions import (
    do_record_finding,
    do_record_pentest,
    do_register_complaint,
    do_update_complaint,
    do_update_finding,
)
from verwerker.privacy.models import ComplaintStatus, FindingStatus

pytestmark = pytest.mark.django_db


def test_a_complaint_is_closed_only_with_an_outcome(client_a, system_actor):
    complaint = do_register_complaint(
        complainant="Een huurder", subject="Brief aan oud adres", description="…", client=client_a, actor=system_actor
    )
    with pytest.raises(ValidationError, match="uitkomst"):
        do_update_complaint(complaint, status=ComplaintStatus.RESOLVED, actor=system_actor)
    do_update_complaint(
        complaint, status=ComplaintStatus.RESOLVED, outcome="Adres gecorrigeerd door de klant.", actor=system_actor
    )
    complaint.refresh_from_db()
    assert complaint.closed_at is not None and complaint.outcome.startswith("Adres")


def test_a_finding_is_retested_only_after_it_is_fixed(system_actor):
    test = do_record_pentest(
        performed_on=dt.date(2026, 10, 1), tester="Testbureau", scope="web portal", actor=system_actor
    )
    finding = do_record_finding(test, title="Missing rate limit", severity="medium", actor=system_actor)
    with pytest.raises(ValidationError, match="nadat ze is opgelost"):
        do_update_finding(finding, status=FindingStatus.RETESTED, actor=system_actor)
    do_update_finding(finding, status=FindingStatus.FIXED, actor=system_actor)
    do_update_finding(finding, status=FindingStatus.RETESTED, actor=system_actor)
    finding.refresh_from_db()
    assert finding.fixed_on and finding.retested_on


@pytest.mark.parametrize("name", ["privacy:complaints", "privacy:pentests", "privacy:breaches"])
def test_the_registers_are_the_privacy_officers_alone(name, login, make_staff, user_a):
    assert login(make_staff(Role.PRIVACY)).get(reverse(name)).status_code == 200
    assert login(make_staff(Role.RELATION, "rm")).get(reverse(name)).status_code == 404
    assert login(user_a).get(reverse(name)).status_code == 404
