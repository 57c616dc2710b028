"""P04: the purpose-bound fields exist only sealed, appear only where the purpose "passende acties" is
declared (and consent for it holds), and every read is audited. A person whose extra data holds marker
values is walked through every page, export, e-mail and file that does not declare the purpose."""

import datetime as dt
import json
import uuid

import pytest
from django.urls import reverse

from verwerker.crm.extra import ExtraData
from verwerker.crm.queries import EXTRA_PURPOSE, Declaration

MARKERS = ["1971-07-13", "13-07-1971", "13 juli 1971", "MARKERINTEREST", "MARKERPROFILE"]
EXTRA = ExtraData(dt.date(1971, 7, 13), ("MARKERINTEREST", "zeilen"), ("https://social.example/MARKERPROFILE",))


def _clean(text: str, where: str) -> None:
    for marker in MARKERS:
        assert marker not in text, f"{marker} leaked into {where}"


@pytest.fixture
def marked(purposes, org, make_person, system_actor):
    from verwerker.crm.actions import do_record_consent, do_set_extra_data

    person = make_person("Gemarkeerd", organisation=org)
    for code in ("passende-acties", "nieuwsbrief"):
        do_record_consent(person, purposes[code], text_shown="Ja", method="phone", actor=system_actor)
    do_set_extra_data(person, EXTRA, Declaration(EXTRA_PURPOSE, "test"), actor=system_actor)
    return person


def test_the_fields_are_stored_only_as_ciphertext(marked):
    from verwerker.crm.models import Person

    row = Person.objects.values("extra_key", "extra_data").get(pk=marked.pk)
    _clean(bytes(row["extra_data"]).decode("latin-1"), "the database row")
    assert len(bytes(row["extra_key"])) == 61  # version, nonce, wrapped 256-bit key, tag


def test_every_page_export_mail_and_file_without_the_purpose_leaves_them_out(
    marked, purposes, login, relation_manager, officer, system_actor, mailoutbox, django_capture_on_commit_callbacks
):
    from verwerker.audit.models import AuditEvent
    from verwerker.crm.actions import do_create_mailing, do_send_mailing_email
    from verwerker.crm.models import CrmCertificate
    from verwerker.crm.purge import erase_people
    from verwerker.crm.requests import do_log_relation_request

    rectify = do_log_relation_request(marked, "rectification", actor=system_actor)
    letters = do_create_mailing(name="Brief", purpose=purposes["nieuwsbrief"], channel="letter", actor=system_actor)
    email = do_create_mailing(name="Mail", purpose=purposes["nieuwsbrief"], channel="email", subject="Nieuws",
                              body="Ons nieuws.", actor=system_actor)
    promo = do_create_mailing(name="Actie", purpose=purposes["passende-acties"], channel="letter",
                              criteria={"interest": "zeilen"}, actor=system_actor)
    erase_people([], actor=system_actor, reason="none")
    pages = {
        relation_manager: ["crm:search", ("crm:organisation", marked.organisation_id), ("crm:person", marked.pk),
                           ("crm:person_edit", marked.pk), "crm:mailings", ("crm:mailing", letters.pk),
                           ("crm:mailing", promo.pk), "crm:import", "crm:suppression", "crm:export"],
        officer: ["crm:privacy", ("crm:request", rectify.pk), ("crm:person", marked.pk), ("crm:mailing", promo.pk)],
    }
    for user, names in pages.items():
        web = login(user)
        for name in names:
            name, args = (name, []) if isinstance(name, str) else (name[0], [name[1]])
            response = web.get(reverse(name, args=args))
            assert response.status_code == 200, name
            _clean(response.content.decode(), name)
        web.post(reverse("crm:mailing", args=[promo.pk]), {"action": "select"})
        web.post(reverse("crm:mailing", args=[letters.pk]), {"action": "select"})
        _clean(web.get(reverse("crm:mailing", args=[promo.pk])).content.decode(), "promotion mailing page")
        # searching by an interest finds nobody: the search does not look inside the sealed fields
        assert 'data-person="Gemarkeerd"' not in web.get(reverse("crm:search") + "?q=MARKERINTEREST").content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        do_send_mailing_email(email, actor=system_actor)
    assert mailoutbox and all(m.body for m in mailoutbox)
    for message in mailoutbox:
        _clean(message.subject + message.body, "e-mail")
    for event in AuditEvent.objects.all():
        _clean(json.dumps(event.details), f"audit event {event.action}")
    for cert in CrmCertificate.objects.all():
        _clean(cert.body, "certificate")


def test_the_declaring_page_shows_them_only_while_consent_holds_and_each_read_is_audited(
        marked, login, relation_manager, system_actor):
    from verwerker.audit.events import EventType
    from verwerker.audit.models import AuditEvent
    from verwerker.crm.actions import do_withdraw_consent

    web = login(relation_manager)
    page = web.get(reverse("crm:person_extra", args=[marked.pk])).content.decode()
    assert "MARKERINTEREST" in page and "MARKERPROFILE" in page and "13-07-1971" in page
    reads = AuditEvent.objects.filter(action=EventType.CRM_EXTRA_DATA_READ)
    assert reads.count() == 1 and json.loads(reads.get().details)["people"] == [marked.pk]
    do_withdraw_consent(marked.consents.get(purpose__code="passende-acties"), method="phone", actor=system_actor)
    page = web.get(reverse("crm:person_extra", args=[marked.pk])).content.decode()
    _clean(page, "the declaring page after withdrawal")
    assert "data-no-consent" in page


def test_a_purpose_that_may_not_use_them_is_refused_and_the_refusal_audited(marked, system_actor):
    from verwerker.audit.events import EventType
    from verwerker.audit.models import AuditEvent
    from verwerker.crm.queries import PurposeNotDeclared, read_extra_data

    with pytest.raises(PurposeNotDeclared):
        read_extra_data([marked], Declaration("nieuwsbrief", "test"), actor=system_actor)
    assert AuditEvent.objects.filter(action=EventType.CRM_EXTRA_DATA_REFUSED).count() == 1


def test_a_promotion_mailing_uses_interests_only_for_people_whose_consent_holds(
    marked, purposes, make_person, system_actor
):
    from verwerker.crm.actions import (
        do_create_mailing,
        do_record_consent,
        do_select_mailing,
        do_set_extra_data,
        do_withdraw_consent,
    )

    other = make_person("Ander")
    consent = do_record_consent(other, purposes["passende-acties"], text_shown="Ja", method="card", actor=system_actor)
    do_set_extra_data(other, ExtraData(None, ("zeilen",), ()), Declaration(EXTRA_PURPOSE, "test"), actor=system_actor)
    do_withdraw_consent(consent, method="phone", actor=system_actor)
    mailing = do_create_mailing(name="Zeilers", purpose=purposes["passende-acties"], channel="letter",
                                criteria={"interest": "Zeilen"}, actor=system_actor)
    selection = do_select_mailing(mailing, actor=system_actor)
    assert [p.pk for p, _c in selection.chosen] == [marked.pk]


def test_the_data_opens_only_for_its_own_person_and_after_a_key_rotation_rewrap(marked, system_actor):
    from verwerker.crm import extra
    from verwerker.crm.actions import do_rewrap_extra_keys
    from verwerker.vault import crypto
    from verwerker.vault.storage import master_key

    old = master_key()
    with pytest.raises(crypto.VaultError):  # the sealed value copied onto another person's row does not open
        extra.unseal(old, uuid.uuid4(), marked.extra_key, marked.extra_data)
    new = crypto.generate_data_key()
    assert do_rewrap_extra_keys(old, new, actor=system_actor)["rewrapped"] == 1
    marked.refresh_from_db()
    assert extra.unseal(new, marked.key, marked.extra_key, marked.extra_data) == EXTRA


def test_the_vault_rotate_key_command_rewraps_the_sealed_fields_so_they_read_after_rotation(
        purposes, org, make_person, system_actor, settings, tmp_path):
    """GIVEN the embedded key file and a person whose purpose-bound fields are sealed under it
    WHEN `verwerker vault rotate-key` installs a new master key
    THEN the fields read through the one read path (declared purpose, audited) under the new key."""
    import base64
    import io
    import os

    from django.core.management import call_command

    from verwerker.crm.actions import do_record_consent, do_set_extra_data
    from verwerker.crm.queries import read_extra_data
    from verwerker.vault import crypto

    key_file = tmp_path / "master-key"
    key_file.write_text(base64.b64encode(os.urandom(32)).decode() + "\n")
    settings.MASTER_KEY, settings.MASTER_KEY_FILE = "", key_file
    person = make_person("Geheim", organisation=org)
    do_record_consent(person, purposes["passende-acties"], text_shown="Ja", method="card", actor=system_actor)
    do_set_extra_data(person, EXTRA, Declaration(EXTRA_PURPOSE, "test"), actor=system_actor)
    new = tmp_path / "new-key"
    new_key = os.urandom(32)
    new.write_text(base64.b64encode(new_key).decode())
    out = io.StringIO()
    call_command("vault", "rotate-key", "--new-key-file", str(new), stdout=out)
    assert "re-wrapped 1 sealed keys of verwerker.crm" in out.getvalue()
    assert crypto.parse_master_key(key_file.read_text()) == new_key
    person.refresh_from_db()
    assert person.extra_master_key_id == crypto.key_id(new_key)
    read = read_extra_data([person], Declaration(EXTRA_PURPOSE, "after rotation"), actor=system_actor)
    assert read[person.pk] == EXTRA
