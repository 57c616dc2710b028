"""The compliance dashboard shows every promise with live evidence, and says plainly what is not enforced."""

import pytest
from django.urls import reverse

from verwerker.accounts.roles import Role
from verwerker.audit.queries import verify_chain
from verwerker.privacy.compliance import PROMISES, State, evaluate

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]  # evidence read in English


def test_every_promise_has_a_row_and_unbuilt_ones_say_so(client_a):
    rows = {r["promise"].id: r["finding"] for r in evaluate()}
    assert list(rows) == [f"P{i:02d}" for i in range(1, 28)] == [p.id for p in PROMISES]
    from verwerker.privacy.compliance import CHECKS

    unbuilt = [pid for pid in rows if pid not in CHECKS]
    assert all(rows[pid].state == State.NOT_ENFORCED and "Not enforced" in rows[pid].evidence for pid in unbuilt)
    assert rows["P09"].state == State.OK and "1 of 1 clients" in rows["P09"].evidence


def test_the_audit_row_reflects_the_last_verification(client_a):
    assert {r["promise"].id: r["finding"] for r in evaluate()}["P15"].state == State.ATTENTION
    verify_chain().save()
    finding = {r["promise"].id: r["finding"] for r in evaluate()}["P15"]
    assert finding.state == State.OK and "verified intact" in finding.evidence


def test_a_breakage_shows_as_failing(client_a):
    from django.utils import timezone

    from verwerker.audit.models import ChainCheckpoint

    ChainCheckpoint.objects.create(
        checked_at=timezone.now(), events=9, head_seq=9, head_hash="x", ok=False, first_bad_seq=4, reason="changed"
    )
    finding = {r["promise"].id: r["finding"] for r in evaluate()}["P15"]
    assert finding.state == State.FAILING and "event 4" in finding.evidence


def test_the_dashboard_is_for_the_privacy_officer(login, make_staff, user_a):
    page = login(make_staff(Role.PRIVACY)).get(reverse("privacy:dashboard"))
    assert page.status_code == 200 and page.content.decode().count("data-promise=") == 27
    assert login(user_a).get(reverse("privacy:dashboard")).status_code == 404


def test_the_evidence_is_shown_in_the_persons_language(login, make_staff, client_a):
    """GIVEN a client with an agreement in force WHEN the dashboard is shown in Dutch and in English THEN each
    page's evidence is in that language, with the same numbers."""
    web = login(make_staff(Role.PRIVACY))
    web.cookies["django_language"] = "nl"
    dutch = web.get(reverse("privacy:dashboard")).content.decode()
    assert "1 van de 1 klanten hebben een geldende verwerkersovereenkomst" in dutch
    assert "Nog niet door het systeem afgedwongen." in dutch or "not_enforced" not in dutch
    web.cookies["django_language"] = "en"
    english = web.get(reverse("privacy:dashboard")).content.decode()
    assert "1 of 1 clients have an agreement in force" in english


def test_every_built_promise_check_runs_without_error_on_real_data(client_a, system_actor):
    """GIVEN a received and profiled file WHEN the dashboard is evaluated THEN no check itself fails."""
    from verwerker.testing import receive_file

    receive_file(client_a, "leden.csv", b"Achternaam;Postcode;Huisnummer;Geboortedatum\nJansen;1234 AB;1;01-02-2015\n")
    rows = {r["promise"].id: r["finding"] for r in evaluate()}
    broken = {k: f.evidence for k, f in rows.items() if "check itself failed" in f.evidence}
    assert broken == {}
    assert rows["P10"].state == State.OK and "1 files profiled" in rows["P10"].evidence
    assert rows["P19"].state == State.OK and "financieel: 2557" in rows["P19"].evidence
    built = {
        "P01",
        "P02",
        "P03",
        "P04",
        "P05",
        "P06",
        "P07",
        "P08",
        "P09",
        "P10",
        "P11",
        "P12",
        "P13",
        "P14",
        "P15",
        "P16",
        "P17",
        "P18",
        "P19",
        "P20",
        "P21",
        "P22",
        "P23",
        "P24",
        "P25",
        "P26",
        "P27",
    }
    assert {k for k, f in rows.items() if f.state != State.NOT_ENFORCED} == built
