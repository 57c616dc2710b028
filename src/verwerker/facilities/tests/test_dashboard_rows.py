"""The compliance dashboard shows live checks, never "not enforced yet", for the house's own promises."""

import pytest
from django.urls import reverse

from verwerker.accounts.roles import Role
from verwerker.privacy.compliance import State, evaluate

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]  # evidence read in English

HOUSE_PROMISES = ("P08", "P11", "P17", "P26", "P27")


def test_the_house_promises_have_live_checks_on_the_dashboard(login, make_staff):
    rows = {r["promise"].id: r["finding"] for r in evaluate()}
    for pid in HOUSE_PROMISES:
        assert rows[pid].state != State.NOT_ENFORCED, pid
        assert "check itself failed" not in rows[pid].evidence, (pid, rows[pid].evidence)
    page = login(make_staff(Role.PRIVACY)).get(reverse("privacy:dashboard"), HTTP_ACCEPT_LANGUAGE="nl").content.decode()
    for pid in HOUSE_PROMISES:
        row = page.split(f'data-promise="{pid}"', 1)[1].split("</tr>", 1)[0]
        assert 'data-state="not_enforced"' not in row and "not_enforced" not in row, pid


def test_the_house_overview_shows_the_same_findings(login, make_staff):
    page = login(make_staff(Role.PRIVACY)).get(reverse("facilities:overview")).content.decode()
    assert all(f'data-promise="{pid}"' in page for pid in HOUSE_PROMISES)
