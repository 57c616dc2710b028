"""The breach page without dead ends (issue 17, point 8): the exposure window, systems, data categories
and numbers stay editable after the report and after notices went out; the impact analysis runs from the
page; the status form opens on the status the breach has."""

from __future__ import annotations

import re

import pytest
import time_machine
from django.urls import reverse

from verwerker.privacy.actions import (
    do_add_affected_client,
    do_analyse_breach_impact,
    do_report_breach,
    do_send_breach_notice,
)
from verwerker.privacy.models import BreachNote, BreachStatus
from verwerker.privacy.tests.test_breaches import at, window_activity  # noqa: F401 (fixture)

pytestmark = pytest.mark.django_db


@pytest.fixture
def officer(login, make_staff):
    return login(make_staff("privacy", "po"))


@time_machine.travel(at(10, 13), tick=False)
def test_a_breach_reported_without_a_window_gets_one_on_its_page_and_the_analysis_runs(
        officer, window_activity, client_a, client_b, system_actor):  # noqa: F811
    breach = do_report_breach(title="Map kwijt", description="Een map met brieven.", discovered_at=at(10, 9),
                              actor=system_actor)
    page = officer.get(reverse("privacy:breach", args=[breach.pk])).content.decode()
    assert "data-analysis-needs-window" in page and "data-run-analysis" not in page
    assert re.search(r'<option value="suspected" selected>', page)
    assert 'value="closed"' not in page  # a suspected breach cannot be closed in one step
    saved = officer.post(reverse("privacy:breach_details", args=[breach.pk]), {
        "window_start": "2026-11-10T08:00", "window_end": "2026-11-10T12:00", "systems": "", "accounts": "",
        "nature": "vertrouwelijkheid", "consequences": "", "measures_taken": "", "measures_proposed": ""}, follow=True)
    breach.refresh_from_db()
    assert breach.window_start == at(10, 8) and breach.window_end == at(10, 12) and breach.nature == "vertrouwelijkheid"
    assert list(breach.affected.values_list("client__name", flat=True)) == [client_a.name]  # analysed on saving
    assert "data-run-analysis" in saved.content.decode()
    assert 'value="2026-11-10T08:00"' in saved.content.decode()  # the form opens on the current value


@time_machine.travel(at(10, 13), tick=False)
def test_findings_stay_editable_after_the_notice_went_out(officer, window_activity, client_a, system_actor):  # noqa: F811
    breach = do_report_breach(title="Envelop", description="Verkeerde brief.", discovered_at=at(10, 9),
                              window_start=at(10, 8), window_end=at(10, 12), actor=system_actor)
    affected = breach.affected.get(client=client_a)
    do_send_breach_notice(affected, text="Melding.", sender=None, actor=system_actor)
    breach.refresh_from_db()
    assert breach.status == BreachStatus.NOTIFIED
    page = officer.get(reverse("privacy:breach", args=[breach.pk])).content.decode()
    assert re.search(r'<option value="notified" selected>', page) and 'value="suspected"' not in page
    assert f'name="a{affected.pk}-records"' in page
    officer.post(reverse("privacy:breach_impact", args=[breach.pk, affected.pk]),
                 {f"a{affected.pk}-records": "140", f"a{affected.pk}-kinds": "naam, adres, geboortedatum"})
    affected.refresh_from_db()
    assert affected.impact["records"] == 140 and affected.impact["kinds"] == ["naam", "adres", "geboortedatum"]
    assert affected.notice_text == "Melding."  # a sent notice is not rewritten
    do_analyse_breach_impact(breach, actor=system_actor)
    affected.refresh_from_db()
    assert affected.impact["records"] == 140  # a correction by hand outlives a new analysis
    officer.post(reverse("privacy:breach_details", args=[breach.pk]), {
        "window_start": "2026-11-10T07:00", "window_end": "2026-11-10T12:00", "systems": "web , sftp", "accounts": "",
        "nature": "", "consequences": "", "measures_taken": "", "measures_proposed": ""})
    breach.refresh_from_db()
    assert breach.window_start == at(10, 7) and breach.systems == "web,sftp"
    texts = list(BreachNote.objects.filter(breach=breach).values_list("text", flat=True))
    assert any("impact corrected by hand: 140 records, 3 data categories" in t for t in texts)
    assert any("window_start" in t for t in texts)


def test_keeping_the_status_says_so_instead_of_an_error(officer, client_a, system_actor):
    from django.utils import timezone

    breach = do_report_breach(title="X", description="Y", discovered_at=timezone.now(), actor=system_actor)
    do_add_affected_client(breach, client_a, actor=system_actor)
    page = officer.post(reverse("privacy:breach_status", args=[breach.pk]), {"status": "suspected", "reason": ""},
                        follow=True)
    assert "De status blijft" in page.content.decode()
    bad = officer.post(reverse("privacy:breach_details", args=[breach.pk]), {
        "window_start": "2026-11-10T12:00", "window_end": "2026-11-10T08:00", "systems": "", "accounts": "",
        "nature": "", "consequences": "", "measures_taken": "", "measures_proposed": ""}, follow=True)
    assert bad.status_code == 200
    breach.refresh_from_db()
    assert breach.window_start is None
