"""Data-subject requests (P07): found by keyed hashes, executed inside the encrypted files, receipted."""

import datetime as dt

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.urls import reverse

from verwerker.accounts.roles import Role
from verwerker.audit.actors import Actor
from verwerker.audit.events import EventType
from verwerker.audit.models import AuditEvent
from verwerker.datafiles.read import read_table
from verwerker.intake.models import OutboxFile
from verwerker.privacy.models import DataSubjectRequest, RequestKind, RequestStatus
from verwerker.privacy.subject_requests import (
    add_months,
    do_execute_subject_request,
    do_extend_subject_request,
    do_log_subject_request,
    search_subject_request,
)
from verwerker.privacy.subjects import Criteria
from verwerker.vault.actions import read_blob_bytes
from verwerker.vault.models import BlobState, ReadPurpose

READER = Actor.system("test reader")

pytestmark = pytest.mark.django_db

# Synthetic people. Two share an address (a household); the request is about Pieter van der Velde.
ROWS = [
    ("Dhr.", "P.", "van der", "Velde", "Lindelaan", "12", "1234 AB", "Voorbeeld", "p.vandervelde@example.test"),
    ("Mevr.", "A.", "van der", "Velde", "Lindelaan", "12", "1234AB", "Voorbeeld", "a.vandervelde@example.test"),
    ("Dhr.", "K.", "", "Jansen", "Dorpsstraat", "3", "2345 CD", "Elders", "k.jansen@example.test"),
    ("Mevr.", "L.", "de", "Vries", "Kerkweg", "7a", "3456 EF", "Ergens", "l.devries@example.test"),
]
HEADER = "Aanhef;Voorletters;Tussenvoegsel;Achternaam;Straat;Huisnummer;Postcode;Woonplaats;E-mailadres\n"


def _upload(client, actor, name="leden.csv"):
    """The file as received and profiled: a data file whose content the vault holds."""
    from verwerker.testing import receive_file

    body = HEADER + "".join(";".join(r) + "\n" for r in ROWS)
    return receive_file(client, name, body.encode("utf-8"))


def _contact(client):
    return client.contacts.get(is_designated=True)


def test_the_person_is_found_by_address_and_surname_but_not_their_housemate(client_a, system_actor):
    _upload(client_a, system_actor)
    request = do_log_subject_request(
        client_a, RequestKind.ACCESS, Criteria(postcode="1234ab", house_number="12", surname="Velde"),
        from_contact=_contact(client_a), actor=system_actor,
    )
    matches = search_subject_request(request, actor=system_actor)
    assert [len(m.rows) for m in matches] == [2]  # both Van der Veldes live there: the surname does not tell them apart
    request2 = do_log_subject_request(
        client_a, RequestKind.ACCESS, Criteria(email="P.vanderVelde@example.test"),
        from_contact=_contact(client_a), actor=system_actor,
    )
    assert [m.rows for m in search_subject_request(request2, actor=system_actor)] == [[0]]


def test_the_register_keeps_no_plain_details_of_the_person(client_a, system_actor):
    request = do_log_subject_request(
        client_a, RequestKind.ERASURE, Criteria(email="p.vandervelde@example.test", surname="van der Velde"),
        from_contact=_contact(client_a), actor=system_actor,
    )
    stored = DataSubjectRequest.objects.filter(pk=request.pk).values().get()
    flat = repr(stored).lower()
    assert "vandervelde" not in flat and "velde" not in flat
    assert request.subject_mask.startswith("v") and "@example.test" in request.subject_mask


def test_an_erasure_removes_exactly_the_persons_records_and_shreds_the_old_file(client_a, system_actor):
    """GIVEN a held file with four records WHEN an erasure request for one e-mail address is executed
    THEN the new file holds the other three unchanged, the old blob is shredded and certified,
    and the receipt says what was done."""
    data_file = _upload(client_a, system_actor)
    old_blob = data_file.blob
    request = do_log_subject_request(
        client_a, RequestKind.ERASURE, Criteria(email="p.vandervelde@example.test"),
        from_contact=_contact(client_a), actor=system_actor,
    )
    receipt = do_execute_subject_request(request, actor=system_actor)

    data_file.refresh_from_db()
    old_blob.refresh_from_db()
    assert old_blob.state in (BlobState.SHREDDED, BlobState.SHREDDING) and old_blob.wrapped_key is None
    assert data_file.blob_id != old_blob.pk and old_blob.certificate_item is not None
    assert data_file.blob.created_at == old_blob.created_at  # the retention clock runs on
    frame = read_table(
        read_blob_bytes(data_file.blob, actor=READER, purpose=ReadPurpose.VERIFICATION), name="leden.csv"
    ).frame
    assert frame.height == 3
    assert frame.get_column("E-mailadres").to_list() == [r[8] for r in ROWS[1:]]
    assert frame.row(0) == ROWS[1]  # the rest unchanged
    assert "1 record(s) verwijderd" in receipt and "Vernietigingsverklaring" in receipt
    request.refresh_from_db()
    assert request.status == RequestStatus.EXECUTED and request.receipt == receipt
    assert AuditEvent.objects.filter(action=EventType.DATAFILE_REWRITTEN).count() == 1


def test_a_rectification_changes_only_the_given_field_of_the_persons_records(client_a, system_actor):
    data_file = _upload(client_a, system_actor)
    request = do_log_subject_request(
        client_a, RequestKind.RECTIFICATION, Criteria(email="k.jansen@example.test"),
        from_contact=_contact(client_a), actor=system_actor,
    )
    do_execute_subject_request(request, actor=system_actor, corrections={"street": "Nieuwe Dorpsstraat"})
    data_file.refresh_from_db()
    frame = read_table(
        read_blob_bytes(data_file.blob, actor=READER, purpose=ReadPurpose.VERIFICATION), name="leden.csv"
    ).frame
    assert frame.get_column("Straat").to_list() == ["Lindelaan", "Lindelaan", "Nieuwe Dorpsstraat", "Kerkweg"]


def test_access_puts_the_records_in_the_clients_outbox(client_a, system_actor):
    _upload(client_a, system_actor)
    request = do_log_subject_request(
        client_a, RequestKind.ACCESS, Criteria(email="l.devries@example.test"),
        from_contact=_contact(client_a), actor=system_actor,
    )
    do_execute_subject_request(request, actor=system_actor)
    files = {f.name: f for f in OutboxFile.objects.filter(client=client_a)}
    assert set(files) == {f"{request.reference}-access.csv", f"{request.reference}-access.json"}
    exported = read_blob_bytes(
        files[f"{request.reference}-access.csv"].blob, actor=READER, purpose=ReadPurpose.VERIFICATION
    ).decode()
    assert "l.devries@example.test" in exported and "k.jansen" not in exported


def test_portability_needs_the_identity_check_recorded(client_a, system_actor):
    _upload(client_a, system_actor)
    request = do_log_subject_request(
        client_a, RequestKind.PORTABILITY, Criteria(email="l.devries@example.test"),
        from_contact=_contact(client_a), actor=system_actor,
    )
    with pytest.raises(ValidationError, match="identiteit"):
        do_execute_subject_request(request, actor=system_actor)
    do_execute_subject_request(
        request, actor=system_actor, identity_checked_by="po", identity_checked_with="passport, seen in person"
    )
    assert AuditEvent.objects.filter(action=EventType.SUBJECT_IDENTITY_CHECKED).exists()


def test_a_person_writing_in_directly_is_referred_to_the_client(client_a, system_actor):
    request = do_log_subject_request(
        client_a, RequestKind.ERASURE, Criteria(email="x@example.test"), actor=system_actor
    )
    assert request.status == RequestStatus.REFERRED and client_a.name in request.receipt
    with pytest.raises(ValidationError):
        do_execute_subject_request(request, actor=system_actor)


def test_only_the_clients_designated_contact_can_pass_a_request_on(client_a, client_b, system_actor):
    with pytest.raises(ValidationError, match="aangewezen contactpersoon"):
        do_log_subject_request(client_a, RequestKind.ACCESS, Criteria(email="x@example.test"),
                               from_contact=_contact(client_b), actor=system_actor)


def test_deadline_is_a_month_and_extends_by_two_only_within_the_first(client_a, system_actor):
    with time_machine.travel(dt.datetime(2026, 1, 31, 10, tzinfo=dt.UTC), tick=False):
        request = do_log_subject_request(client_a, RequestKind.ACCESS, Criteria(email="x@example.test"),
                                         from_contact=_contact(client_a), actor=system_actor)
    assert request.deadline == dt.date(2026, 2, 28)
    with time_machine.travel(dt.datetime(2026, 3, 2, 10, tzinfo=dt.UTC), tick=False):
        with pytest.raises(ValidationError, match="eerste maand"):
            do_extend_subject_request(request, reason="many files", actor=system_actor)
    with time_machine.travel(dt.datetime(2026, 2, 20, 10, tzinfo=dt.UTC), tick=False):
        do_extend_subject_request(request, reason="many files", actor=system_actor)
    assert request.extended_to == dt.date(2026, 4, 30) == add_months(dt.date(2026, 1, 31), 3)


def test_the_request_screens_are_the_privacy_officers(client_a, login, make_staff, user_a, system_actor):
    _upload(client_a, system_actor)
    officer = login(make_staff(Role.PRIVACY))
    response = officer.post(
        reverse("privacy:requests"),
        {
            "client": client_a.pk,
            "kind": "access",
            "from_contact": _contact(client_a).pk,
            "email": "k.jansen@example.test",
        },
    )
    assert response.status_code == 302
    request = DataSubjectRequest.objects.get()
    searches = AuditEvent.objects.filter(action=EventType.SUBJECT_REQUEST_SEARCHED)
    page = officer.get(reverse("privacy:request", args=[request.pk])).content.decode()
    assert "data-match" not in page and "Dorpsstraat" not in page and not searches.exists()  # a view decrypts nothing
    found = officer.post(reverse("privacy:request", args=[request.pk]), {"search": ""}).content.decode()
    assert found.count("data-match") == 1 and "Dorpsstraat" in found and searches.count() == 1
    request.refresh_from_db()
    assert (request.found_files, request.found_records) == (1, 1) and request.searched_at is not None
    again = officer.get(reverse("privacy:request", args=[request.pk])).content.decode()
    assert "data-search-counts" in again and "Dorpsstraat" not in again and searches.count() == 1
    assert login(user_a).get(reverse("privacy:request", args=[request.pk])).status_code == 404
    assert login(make_staff(Role.DATABASE, "db")).get(reverse("privacy:requests")).status_code == 404


def test_after_an_erasure_the_data_files_profile_counts_the_records_left(client_a, system_actor):
    from verwerker.testing import receive_file

    body = (HEADER + "".join(";".join(r) + "\n" for r in ROWS)).encode()
    data_file = receive_file(client_a, "leden.csv", body)
    assert data_file.record_count == 4
    request = do_log_subject_request(client_a, RequestKind.ERASURE, Criteria(email="k.jansen@example.test"),
                                     from_contact=_contact(client_a), actor=system_actor)
    do_execute_subject_request(request, actor=system_actor)
    data_file.refresh_from_db()
    assert data_file.record_count == 3 and data_file.blob.state == BlobState.STORED


def test_the_search_uses_the_column_kinds_the_database_department_set(client_a, system_actor):
    """GIVEN a file whose surname column has a name that says nothing (so it is not found as a surname)
    WHEN the database department sets its kind, and a request names the person's surname
    THEN the search tells the person from their housemate, as the stored kinds say."""
    from verwerker.datafiles.actions import do_override_column_kind
    from verwerker.testing import receive_file

    rows = [ROWS[0], ("Mevr.", "A.", "", "Bakker", *ROWS[1][4:]), *ROWS[2:]]  # a housemate of another name
    body = (HEADER.replace("Achternaam", "Veld4") + "".join(";".join(r) + "\n" for r in rows)).encode()
    data_file = receive_file(client_a, "leden.csv", body)
    assert data_file.column_kinds["Veld4"] != "last_name"
    request = do_log_subject_request(
        client_a, RequestKind.ACCESS, Criteria(postcode="1234ab", house_number="12", surname="Velde"),
        from_contact=_contact(client_a), actor=system_actor,
    )
    assert [m.rows for m in search_subject_request(request, actor=system_actor)] == [[0, 1]]
    do_override_column_kind(data_file, "Veld4", "last_name", actor=system_actor)
    request2 = do_log_subject_request(
        client_a, RequestKind.ACCESS, Criteria(postcode="1234ab", house_number="12", surname="Velde"),
        from_contact=_contact(client_a), actor=system_actor,
    )
    assert [m.rows for m in search_subject_request(request2, actor=system_actor)] == [[0]]
