"""Every CSV the system writes for people is safe to open in a spreadsheet: a cell starting with =, +, -,
@, a tab or a carriage return is written with a leading apostrophe, so a spreadsheet shows it as text.

Each export gets the same six hostile values where a person (or a client's file) can put text: a
username typed at a failed login, a client's name, a reject's list name and the records' own columns,
a KIX code, a data subject's records.
"""

from __future__ import annotations

import csv
import io
import json

import polars as pl
import pytest
from django.core.management import call_command
from django.urls import reverse

from verwerker.audit.actions import do_record_event
from verwerker.audit.actors import Actor
from verwerker.audit.events import ActorType, EventType, Outcome

HOSTILE = ["=HYPERLINK(\"http://x.example\",\"klik\")", "+31 6 1234", "-2+3", "@SUM(A1)", "\tTAB", "\rCR"]


def _cells(text: str, delimiter: str = ",") -> list[str]:
    return [
        cell for row in csv.reader(io.StringIO(text.lstrip("\ufeff"), newline=""), delimiter=delimiter) for cell in row
    ]


def _assert_neutralised(text: str, delimiter: str = ",") -> None:
    cells = _cells(text, delimiter)
    for value in HOSTILE:
        assert "'" + value in cells, f"{value!r} not neutralised"
        assert value not in cells, f"{value!r} written as is"


@pytest.fixture
def failed_logins(db):
    """Failed web logins whose typed usernames are the hostile values (as the audit log keeps them)."""
    for value in HOSTILE:
        do_record_event(
            EventType.LOGIN_FAILED, actor=Actor(ActorType.ANONYMOUS, "", value, "198.51.100.7"), outcome=Outcome.FAILURE
        )


def test_the_audit_csv_export_on_the_command_line_neutralises_formulas(failed_logins, tmp_path):
    call_command("audit", "export", "--format", "csv", "-o", str(tmp_path / "audit.csv"))
    _assert_neutralised((tmp_path / "audit.csv").read_bytes().decode("utf-8"))


def test_the_audit_csv_export_on_the_web_neutralises_formulas(failed_logins, login, make_staff):
    web = login(make_staff("privacy"))
    response = web.get(reverse("audit:list"), {"export": "csv"})
    assert response.status_code == 200
    _assert_neutralised(response.content.decode())


def test_the_audit_json_export_keeps_the_values_as_hashed(failed_logins, tmp_path):
    call_command("audit", "export", "--format", "json", "-o", str(tmp_path / "audit.json"))
    labels = {e["values"][4] for e in json.loads((tmp_path / "audit.json").read_text())["events"]}
    assert set(HOSTILE) <= labels


def test_the_processors_register_csv_neutralises_client_names_and_agreement_texts(
    db, system_actor, login, make_staff
):
    from verwerker.clients.actions import do_activate_agreement, do_create_agreement, do_create_client

    for i, name in enumerate(HOSTILE):
        client = do_create_client(name, contact_email=f"c{i}@example.test", actor=system_actor)
        agreement = do_create_agreement(
            client, reference=f"VO-{i}", subject="Mailings", nature_and_purpose="Printing",
            data_types="NAW", data_subject_categories=name, starts_on=client.created_at.date(),
            actor=system_actor,
        )
        do_activate_agreement(agreement, actor=system_actor)
    web = login(make_staff("privacy"))
    response = web.get(reverse("privacy:register"), {"format": "csv"})
    assert response.status_code == 200
    text = response.content.decode()
    _assert_neutralised(text)
    assert _cells(text).count("'" + HOSTILE[0]) == 2  # the client's name and the data subjects


def test_the_reject_report_neutralises_list_names_and_the_records_columns():
    from verwerker.production.pipeline import rejects_csv
    from verwerker.production.records import Reject

    source = pl.DataFrame({"naam": HOSTILE, "plaats": ["Aland"] * len(HOSTILE)})
    rejects = [Reject(row=i + 1, reason="suppressed", related=value) for i, value in enumerate(HOSTILE)]
    text = rejects_csv(rejects, source).decode("utf-8-sig")
    _assert_neutralised(text, ";")
    assert _cells(text, ";").count("'" + HOSTILE[0]) == 2  # the list name and the record's own column


def test_the_manifest_neutralises_its_text_cells():
    from verwerker.production.pipeline import ManifestRow, manifest_csv

    rows = [ManifestRow(i + 1, i + 1, 1, i + 1, 1, value, 0, False) for i, value in enumerate(HOSTILE)]
    text = manifest_csv(rows).decode("utf-8-sig")
    _assert_neutralised(text, ";")
    assert _cells(text, ";")[8:11] == ["1", "1", "1"]  # numbers stay numbers


def test_a_data_subjects_records_for_the_client_are_neutralised_but_a_rectified_file_is_not():
    from verwerker.privacy.subject_requests import _csv_bytes

    frame = pl.DataFrame({"naam": HOSTILE})
    _assert_neutralised(_csv_bytes(frame, for_people=True).decode(), ";")
    assert _cells(_csv_bytes(frame, for_people=False).decode(), ";")[1:] == HOSTILE


def test_negative_numbers_are_not_mistaken_for_formulas():
    from verwerker.lib.spreadsheet import spreadsheet_safe

    assert spreadsheet_safe(-5) == -5 and spreadsheet_safe(2.5) == 2.5 and spreadsheet_safe(None) == ""
    assert [spreadsheet_safe(v) for v in HOSTILE] == ["'" + v for v in HOSTILE]
