"""`verwerker agreement add|approve|activate|list` as scripts use it."""

import datetime as dt
import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from verwerker.clients.actions import do_create_subprocessor
from verwerker.clients.models import Agreement, AgreementStatus
from verwerker.clients.queries import get_active_agreement

pytestmark = pytest.mark.django_db


def test_agreement_add_from_a_file_drafts_it_and_activate_puts_it_in_force(client_b, system_actor, tmp_path, capsys):
    do_create_subprocessor("Drukkerij Oost", country="DE", actor=system_actor)
    terms = tmp_path / "vo.json"
    terms.write_text(json.dumps({
        "reference": "VO-B-2", "starts_on": (dt.date.today() + dt.timedelta(days=1)).isoformat(),
        "subject": "Ledenblad", "nature_and_purpose": "Printen", "data_types": "NAW",
        "data_subject_categories": "Leden", "max_retention_days": 14, "subprocessors": ["Drukkerij Oost"],
    }))
    call_command("agreement", "add", str(client_b.pk), "--from", str(terms), "--json")
    row = json.loads(capsys.readouterr().out)
    agreement = Agreement.objects.get(pk=row["id"])
    assert (row["reference"], row["status"], agreement.max_retention_days) == ("VO-B-2", "draft", 14)
    assert [s.name for s in agreement.subprocessors.all()] == ["Drukkerij Oost"]
    call_command("agreement", "activate", str(agreement.pk))
    assert get_active_agreement(client_b, on=dt.date.today() + dt.timedelta(days=1)) == agreement
    call_command("agreement", "list", str(client_b.pk), "--json")
    capsys.readouterr()


def test_high_risk_terms_need_the_privacy_officers_approval_before_activation(client_b, make_staff, tmp_path, capsys):
    make_staff("privacy", "fg")
    make_staff("relation", "rm")
    terms = tmp_path / "hoog.json"
    terms.write_text(json.dumps({"reference": "VO-B-H", "high_risk_allowed": True, "high_risk_measures": "Vier ogen"}))
    call_command("agreement", "add", "Sportbond Beeland", "--from", str(terms))
    agreement_id = capsys.readouterr().out.strip()
    with pytest.raises(CommandError, match="privacyfunctionaris moet haar eerst goedkeuren"):
        call_command("agreement", "activate", agreement_id)
    with pytest.raises(CommandError, match="alleen de privacyofficer"):
        call_command("agreement", "approve", agreement_id, "--as", "rm")
    call_command("agreement", "approve", agreement_id, "--as", "fg")
    call_command("agreement", "activate", agreement_id)
    assert Agreement.objects.get(pk=agreement_id).status == AgreementStatus.ACTIVE


def test_agreement_list_shows_every_version(client_a, capsys):
    call_command("agreement", "list", str(client_a.pk))
    assert "VO-A-1" in capsys.readouterr().out


@pytest.mark.parametrize(("content", "message"), [
    ("{not json", "not valid JSON"),
    ('["a"]', "expected a JSON object"),
    ('{"colour": "red"}', "unknown field"),
    ('{"starts_on": "morgen"}', "YYYY-MM-DD"),
    ('{"subprocessors": ["Niemand"]}', "no subprocessor named Niemand"),
])
def test_a_bad_terms_file_is_refused_with_one_line_naming_it(client_a, tmp_path, content, message):
    path = tmp_path / "vo.json"
    path.write_text(content)
    with pytest.raises(CommandError, match=message) as refused:
        call_command("agreement", "add", str(client_a.pk), "--from", str(path))
    assert str(path) in str(refused.value) and "\n" not in str(refused.value)
    assert client_a.agreements.count() == 1


def test_unknown_client_or_agreement_is_named(db):
    with pytest.raises(CommandError, match="Nergens: no such client"):
        call_command("agreement", "list", "Nergens")
    with pytest.raises(CommandError, match="42: no such agreement"):
        call_command("agreement", "activate", "42")
