"""The compliance dashboard shows every promise with live evidence, and says plainly what is not enforced."""

import pytest
from django.urls import reverse

from verwerker.accounts.roles import Role
from verwerker.audit.queries import verify_chain
from verwerker.privacy.compliance import PROMISES, State, evaluate

pytestmark = pytest.mark.django_db


def test_every_promise_has_a_row_and_unbuilt_ones_say_so(client_a):
    rows = {r["promise"].id: r["finding"] for r in evaluate()}
    assert list(rows) == [f"P{i:02d}" for i in range(1, 28)] == [p.id for p in PROMISES]
    assert rows["P27"].state == State.NOT_ENFORCED and "Not enforced" in rows["P27"].evidence
    assert rows["P09"].state == State.OK and "1 of 1 clients" in rows["P09"].evidence


def test_the_audit_row_reflects_the_last_verification(client_a):
    assert {r["promise"].id: r["finding"] for r in evaluate()}["P15"].state == State.ATTENTION
    verify_chain().save()
    finding = {r["promise"].id: r["finding"] for r in evaluate()}["P15"]
    assert finding.state == State.OK and "verified intact" in finding.evidence


def test_a_breakage_shows_as_failing(client_a):
    from verwerker.audit.models import ChainCheckpoint
    from django.utils import timezone

    ChainCheckpoint.objects.create(checked_at=timezone.now(), events=9, head_seq=9, head_hash="x", ok=False, first_bad_seq=4, reason="changed")
    finding = {r["promise"].id: r["finding"] for r in evaluate()}["P15"]
    assert finding.state == State.FAILING and "event 4" in finding.evidence


def test_the_dashboard_is_for_the_privacy_officer(login, make_staff, user_a):
    page = login(make_staff(Role.PRIVACY)).get(reverse("privacy:dashboard"))
    assert page.status_code == 200 and page.content.decode().count("data-promise=") == 27
    assert login(user_a).get(reverse("privacy:dashboard")).status_code == 404
