"""The processor's register (Art. 30(2)) is built from current data and exported as CSV and PDF."""

import csv
import io

import pytest
from django.urls import reverse

from verwerker.accounts.roles import Role
from verwerker.clients.actions import do_allow_subprocessor, do_create_subprocessor
from verwerker.clients.queries import get_active_agreement
from verwerker.privacy import register

pytestmark = pytest.mark.django_db


def test_each_client_with_an_agreement_has_a_row_with_its_subprocessors(client_a, client_b, system_actor):
    drukker = do_create_subprocessor("Drukkerij Oost", country="DE", actor=system_actor)
    do_allow_subprocessor(get_active_agreement(client_a), drukker, actor=system_actor)
    rows = {r["controller"]: r for r in register.rows()}
    assert set(rows) == {client_a.name, client_b.name}
    assert rows[client_a.name]["subprocessors"] == "Drukkerij Oost (DE)"
    assert rows[client_b.name]["subprocessors"] == "—"
    assert "VO-A-1" in rows[client_a.name]["agreements"]
    parsed = list(csv.DictReader(io.StringIO(register.export_csv())))
    assert {r["verwerkingsverantwoordelijke"] for r in parsed} == {client_a.name, client_b.name}


def test_the_pdf_holds_the_controllers_and_the_measures(client_a, login, make_staff):
    from verwerker.lib.testing import pdf_text

    response = login(make_staff(Role.PRIVACY)).get(reverse("privacy:register"), {"format": "pdf"})
    assert response.status_code == 200 and response.content.startswith(b"%PDF")
    text = pdf_text(response.content)
    assert client_a.name in text and "maatregelen" in text
    for label in ("Register van verwerkingsactiviteiten van de verwerker", "Artikel 30, lid 2 AVG",
                  "Verwerkingsverantwoordelijke (a)", "gezien:", "Bewaartermijn", "dagen"):
        assert label in text


def test_the_pdf_speaks_the_readers_language(client_a, login, make_staff):
    """GIVEN a privacy officer whose browser asks for English WHEN the register is exported as PDF THEN its own
    words (title, column headers) are English, from the catalogue, not the Dutch of a fixed template."""
    from verwerker.lib.testing import pdf_text

    web = login(make_staff(Role.PRIVACY))
    text = pdf_text(web.get(reverse("privacy:register"), {"format": "pdf"}, HTTP_ACCEPT_LANGUAGE="en").content)
    assert "Record of processing activities of the processor" in text and "Controller (a)" in text
    assert "Verwerkingsverantwoordelijke" not in text


def test_only_the_privacy_officer_sees_the_register(login, make_staff, user_a):
    assert login(make_staff(Role.RELATION)).get(reverse("privacy:register")).status_code == 404
    assert login(user_a).get(reverse("privacy:register")).status_code == 404


def test_the_register_lists_the_data_categories_seen_in_the_clients_files(client_a, system_actor):
    from verwerker.testing import receive_file

    receive_file(client_a, "leden.csv", b"Achternaam;Postcode;Huisnummer;Geboortedatum\nJansen;1234 AB;1;01-02-1980\n")
    row = {r["controller"]: r for r in register.rows()}[client_a.name]
    assert "Geboortedatum" in row["data_categories_seen"] and "Postcode" in row["data_categories_seen"]
