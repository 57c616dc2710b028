"""`verwerker user …` as scripts use it: add (one-time password once, --json), list, deactivate, reset-2fa."""

import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django_otp.plugins.otp_totp.models import TOTPDevice

from verwerker.accounts.models import User
from verwerker.audit.events import EventType
from verwerker.audit.models import AuditEvent
from verwerker.lib.testing import verwerker
from verwerker.testing import fresh_install

pytestmark = pytest.mark.django_db


def test_user_add_json_gives_the_username_and_a_working_one_time_password(capsys):
    call_command(
        "user", "add", "rm-jan", "--email", "jan@example.test", "--role", "relation", "--role", "privacy", "--json"
    )
    out = json.loads(capsys.readouterr().out)
    assert set(out) == {"username", "password"} and out["username"] == "rm-jan"
    user = User.objects.get(username="rm-jan")
    assert user.check_password(out["password"]) and user.must_change_password
    assert sorted(user.groups.values_list("name", flat=True)) == ["privacy", "relation"]
    assert out["password"] not in AuditEvent.objects.get(action=EventType.USER_CREATED).details


def test_user_add_with_a_client_creates_a_client_user_with_the_request_reference(client_a, capsys):
    call_command("user", "add", "aland-piet", "--email", "piet@aland.example", "--client", str(client_a.pk),
                 "--request", "Mail 2026-04")
    assert "one-time password" in capsys.readouterr().out
    user = User.objects.get(username="aland-piet")
    assert user.client == client_a and not user.is_staff and user.request_reference == "Mail 2026-04"


@pytest.mark.parametrize(("args", "message"), [
    (["x", "--email", "x@example.test"], "at least one --role"),
    (["x", "--email", "x@example.test", "--role", "print", "--client", "1"], "not both"),
    (["x", "--email", "x@example.test", "--client", "999"], "no such client"),
    (["met spatie", "--email", "x@example.test", "--role", "print"], "mag alleen letters"),
    (["x", "--email", "geen-adres", "--role", "print"], "is geen e-mailadres"),
])
def test_user_add_refuses_bad_input_with_one_line(args, message):
    with pytest.raises(CommandError, match=message):
        call_command("user", "add", *args)
    assert not User.objects.exists()


def test_user_list_deactivate_and_reset_2fa(make_staff, user_a, capsys):
    person = make_staff("database", "db-piet")
    TOTPDevice.objects.create(user=person, name="oud", confirmed=True)
    call_command("user", "reset-2fa", "db-piet")
    assert "1 second-factor device(s) removed" in capsys.readouterr().out
    assert not TOTPDevice.objects.filter(user=person).exists()
    call_command("user", "deactivate", "db-piet")
    capsys.readouterr()
    call_command("user", "list", "--json")
    rows = {r["username"]: r for r in json.loads(capsys.readouterr().out)}
    assert rows["db-piet"]["active"] is False and rows["db-piet"]["roles"] == ["database"]
    assert rows["alice-a"]["kind"] == "client" and rows["alice-a"]["client"] == user_a.client_id
    with pytest.raises(CommandError, match="no such user"):
        call_command("user", "deactivate", "niemand")


@pytest.mark.slow
def test_the_commands_work_as_written_on_a_fresh_install(tmp_path):
    """Through the real `verwerker` entry point, as a script would run them."""
    with fresh_install(tmp_path) as env:
        verwerker(env, "migrate", "-v0")
        made = json.loads(verwerker(env, "user", "add", "po-an", "--email", "an@example.test", "--role", "privacy",
                                    "--json").stdout)
        client_id = verwerker(env, "client", "add", "Eeland", "--contact", "c@eeland.example").stdout.strip()
        draft = json.loads(verwerker(env, "agreement", "add", client_id, "--json").stdout)
        verwerker(env, "agreement", "activate", str(draft["id"]))
        listed = json.loads(verwerker(env, "agreement", "list", client_id, "--json").stdout)
        users = json.loads(verwerker(env, "user", "list", "--json").stdout)
        refused = verwerker(env, "user", "add", "po-an", "--email", "an@example.test", "--role", "privacy", check=False)
    assert made["username"] == "po-an" and len(made["password"]) >= 16
    assert [(a["reference"], a["standing"]) for a in listed] == [(draft["reference"], "in_force")]
    assert [u["username"] for u in users] == ["po-an"]
    assert refused.returncode == 1 and "is al in gebruik" in refused.stderr and "Traceback" not in refused.stderr
