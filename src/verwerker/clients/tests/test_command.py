"""`verwerker client add` as scripts use it."""

import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from verwerker.clients.models import Client
from verwerker.clients.queries import get_active_agreement

pytestmark = pytest.mark.django_db


def test_client_add_with_agreement_prints_the_id_and_activates_an_agreement(capsys):
    call_command("client", "add", "Vereniging Ceeland", "--contact", "leden@ceeland.example", "--with-agreement")
    client_id = int(capsys.readouterr().out.strip())
    client = Client.objects.get(pk=client_id)
    assert client.contacts.get().is_designated
    assert get_active_agreement(client) is not None


def test_client_add_refuses_a_duplicate_name_with_a_clear_message(capsys):
    call_command("client", "add", "Dubbel", "--contact", "a@example.test")
    with pytest.raises(CommandError, match="bestaat al"):
        call_command("client", "add", "dubbel", "--contact", "b@example.test")


def test_client_list_json(capsys):
    call_command("client", "add", "Lijst", "--contact", "a@example.test", "--json")
    created = json.loads(capsys.readouterr().out)
    call_command("client", "list", "--json")
    rows = json.loads(capsys.readouterr().out)
    assert rows == [{"id": created["id"], "name": "Lijst", "agreement": None}]
