"""Issuing SFTP accounts (P09, P13), bans, and the upload stream into the vault."""

import json
import re

import pytest
from django.contrib.auth.hashers import check_password
from django.core.exceptions import ValidationError

from verwerker.audit.actors import Actor
from verwerker.audit.events import EventType
from verwerker.audit.models import AuditEvent
from verwerker.clients.actions import do_create_client, do_end_agreement
from verwerker.intake import actions, policy, queries
from verwerker.intake.models import Ban, UploadState
from verwerker.intake.streaming import UploadStream
from verwerker.lib.testing import verwerker
from verwerker.vault.models import ReadPurpose

READER = Actor.system("test reader")

ACTOR = Actor.system("test")


def test_it_refuses_an_account_without_an_agreement_in_force(db):
    client = do_create_client("Zonder Overeenkomst", contact_email="z@example.test", actor=ACTOR)
    with pytest.raises(ValidationError, match="geen geldige verwerkersovereenkomst"):
        actions.do_issue_sftp_account(client, actor=ACTOR)


def test_the_password_is_stored_only_as_a_hash_and_reissue_replaces_it(client_a):
    account, first = actions.do_issue_sftp_account(client_a, actor=ACTOR)
    assert first and first not in (account.password_hash or "") and account.password_hash.startswith("argon2")
    account2, second = actions.do_issue_sftp_account(client_a, actor=ACTOR)
    assert account2.pk == account.pk and second != first
    assert check_password(second, account2.password_hash) and not check_password(first, account2.password_hash)
    events = AuditEvent.objects.filter(action=EventType.SFTP_ACCOUNT_ISSUED)
    assert events.count() == 2 and all(first not in e.details and second not in e.details for e in events)


def test_an_ended_agreement_refuses_the_login(client_a):
    account, _pw = actions.do_issue_sftp_account(client_a, actor=ACTOR)
    assert queries.login_refusal(account, "127.0.0.1") is None
    do_end_agreement(client_a.agreements.get(), actor=ACTOR)
    assert queries.login_refusal(account, "127.0.0.1") == "no_agreement"


def test_the_network_allow_list_refuses_other_addresses(client_a):
    account, _pw = actions.do_issue_sftp_account(client_a, actor=ACTOR)
    actions.do_set_allowed_networks(account, "192.0.2.0/24", actor=ACTOR)
    assert queries.login_refusal(account, "192.0.2.10") is None
    assert queries.login_refusal(account, "127.0.0.1") == "network_not_allowed"


def test_a_bad_public_key_is_refused_with_its_line(client_a):
    with pytest.raises(ValidationError, match="regel 1 is geen publieke OpenSSH-sleutel"):
        actions.do_issue_sftp_account(client_a, actor=ACTOR, public_key="ssh-ed25519 AAAAnotakey")


def test_bans_grow_with_every_new_ban(client_a, settings):
    settings.SFTP_FAILURE_LIMIT = 2
    account, _pw = actions.do_issue_sftp_account(client_a, actor=ACTOR)
    periods = []
    for _round in range(3):
        bans = []
        for _ in range(2):
            bans = actions.do_record_login_failure(address="198.51.100.9", account=None, method="password")
        assert [b.scope for b in bans] == ["address"]
        periods.append(bans[0].until - bans[0].banned_at)
        actions.do_lift_ban(bans[0], actor=ACTOR)
    assert periods[1] == 2 * periods[0] and periods[2] == 4 * periods[0]
    assert queries.active_ban(address="198.51.100.9") is None
    assert AuditEvent.objects.filter(action=EventType.SFTP_BAN_LIFTED).count() == 3


def test_failures_from_one_address_ban_that_address_and_that_pair_not_the_account(client_a, settings):
    settings.SFTP_FAILURE_LIMIT = 3
    account, _pw = actions.do_issue_sftp_account(client_a, actor=ACTOR)
    for _ in range(3):
        bans = actions.do_record_login_failure(address="203.0.113.7", account=account, method="password")
    assert sorted(b.scope for b in bans) == ["address", "pair"]
    pair = Ban.objects.get(scope="pair")
    assert pair.account == account and pair.address == "203.0.113.7"
    assert queries.login_refusal(account, "203.0.113.7") == "banned"
    assert queries.login_refusal(account, "203.0.113.8") is None
    assert not queries.password_locked(account)


def test_failures_for_one_account_from_many_addresses_lock_only_its_passwords_and_alert_the_officers(
    client_a, settings, make_staff, mailoutbox, django_capture_on_commit_callbacks
):
    """GIVEN a stranger guessing one account's password from many addresses WHEN the failures reach
    the (much higher) lock limit THEN only password logins of that account are locked, no address is
    banned for it, and the privacy officers get an e-mail naming the account."""
    settings.SFTP_FAILURE_LIMIT = 3
    settings.SFTP_PASSWORD_LOCK_LIMIT = 6
    officer = make_staff("privacy")
    officer.email = "fg@example.test"
    officer.save()
    account, _pw = actions.do_issue_sftp_account(client_a, actor=ACTOR)
    for i in range(5):
        assert actions.do_record_login_failure(address=f"203.0.113.{i}", account=account, method="password") == []
    assert not queries.password_locked(account)
    with django_capture_on_commit_callbacks(execute=True):
        bans = actions.do_record_login_failure(address="203.0.113.5", account=account, method="password")
    assert [b.scope for b in bans] == ["account"]
    assert queries.password_locked(account)
    assert queries.login_refusal(account, "203.0.113.9") is None  # key logins still get in
    assert len(mailoutbox) == 1 and mailoutbox[0].to == ["fg@example.test"]
    assert account.username in mailoutbox[0].subject and "6" in mailoutbox[0].body
    assert AuditEvent.objects.filter(action=EventType.SFTP_PASSWORD_LOCK_ALERTED).count() == 1


def test_new_usernames_get_a_random_suffix_and_existing_ones_stay(client_a, client_b):
    account, _pw = actions.do_issue_sftp_account(client_a, actor=ACTOR)
    slug = re.escape(client_a.name.lower().replace(" ", "-"))
    assert re.fullmatch(slug + r"-[a-z2-9]{4}", account.username)
    again, _pw = actions.do_issue_sftp_account(client_a, actor=ACTOR)
    assert again.username == account.username
    other, _pw = actions.do_issue_sftp_account(client_b, actor=ACTOR)
    assert other.username != account.username


def test_an_aborted_stream_is_shredded_and_a_finished_one_is_readable(client_a):
    from verwerker.vault.actions import read_blob_bytes

    aborted = UploadStream.start(client_a, channel="web", name="a.csv", actor=ACTOR)
    aborted.write(b"half a file")
    aborted.abort("test")
    aborted.upload.refresh_from_db()
    assert aborted.upload.state == UploadState.ABORTED and aborted.upload.blob.wrapped_key is None

    done = UploadStream.start(client_a, channel="web", name="b.csv", actor=ACTOR)
    done.write(b"a;b\n")
    upload = done.finish()
    assert (
        upload.state == UploadState.COMPLETED
        and read_blob_bytes(upload.blob, actor=READER, purpose=ReadPurpose.VERIFICATION) == b"a;b\n"
    )
    assert queries.quota_used(client_a) == 4


def test_the_quota_refuses_the_next_upload(client_a, settings):
    settings.UPLOAD_QUOTA_MB = 1
    stream = UploadStream.start(client_a, channel="web", name="a.csv", actor=ACTOR)
    with pytest.raises(policy.Refusal, match="quot"):  # quota (en), quotum (nl)
        stream.write(b"x" * (1024 * 1024 + 1))
    stream.upload.refresh_from_db()
    assert stream.upload.state == UploadState.REFUSED


def test_bytes_an_upload_still_receiving_has_reserved_count_against_the_quota_until_they_lapse(client_a, settings):
    import datetime as dt

    from django.utils import timezone

    from verwerker.intake.models import Upload

    settings.UPLOAD_QUOTA_MB = 1
    first = UploadStream.start(client_a, channel="web", name="a.csv", actor=ACTOR)
    first.write(b"x" * 600_000)
    # Reserved ahead of the bytes, but no more than half the room left.
    assert queries.quota_used(client_a) == 600_000 + (1024 * 1024 - 600_000) // 2
    second = UploadStream.start(client_a, channel="web", name="b.csv", actor=ACTOR)
    with pytest.raises(policy.Refusal, match="quot"):  # quota (en), quotum (nl)
        second.write(b"y" * 600_000)
    # A process killed mid-upload leaves the first one receiving; its reservation lapses after a day.
    Upload.objects.filter(pk=first.upload.pk).update(started_at=timezone.now() - dt.timedelta(hours=25))
    third = UploadStream.start(client_a, channel="web", name="c.csv", actor=ACTOR)
    third.write(b"z" * 600_000)
    assert third.finish().state == UploadState.COMPLETED


@pytest.mark.slow
def test_the_sftp_issue_command_prints_the_password_once_and_confirms_a_key(tmp_path):
    import asyncssh

    from verwerker.testing import fresh_install

    key = asyncssh.generate_private_key("ssh-ed25519").export_public_key().decode()
    (tmp_path / "klant.pub").write_text(key)
    (tmp_path / "bad.pub").write_text("not a key\n")
    with fresh_install(tmp_path) as env:
        verwerker(env, "migrate", "-v", "0")
        client_id = verwerker(
            env, "client", "add", "Klant Een", "--contact", "k@example.test", "--with-agreement"
        ).stdout.strip()
        issued = json.loads(verwerker(env, "sftp", "issue", client_id, "--json").stdout)
        assert re.fullmatch(r"klant-een-[a-z2-9]{4}", issued["username"]) and len(issued["password"]) == 24
        keyed = verwerker(env, "sftp", "issue", "Klant Een", "--public-key", str(tmp_path / "klant.pub"))
        assert "public key added" in keyed.stdout and issued["password"] not in keyed.stdout
        bad = verwerker(env, "sftp", "issue", client_id, "--public-key", str(tmp_path / "bad.pub"), check=False)
        assert bad.returncode != 0 and "bad.pub" in bad.stderr and "Traceback" not in bad.stderr
        fingerprint = verwerker(env, "sftpd", "--fingerprint").stdout.strip()
        assert fingerprint.startswith("SHA256:")


def test_an_upload_refused_for_the_agreement_or_the_quota_says_why_in_dutch(client_a, settings):
    """The two refusals do_register_upload raises itself reach the sender (SFTP status, web message) in the
    reader's language (the house's, Dutch, here), as policy's own refusals do."""
    from verwerker.intake.models import UploadChannel

    settings.UPLOAD_QUOTA_MB = 0  # any client has used up a quota of nothing
    with pytest.raises(policy.Refusal) as over_quota:
        actions.do_register_upload(client_a, channel=UploadChannel.WEB, name="adressen.csv", actor=ACTOR)
    assert (over_quota.value.reason, str(over_quota.value)) == ("quota", "het aanleverquotum van 0 MiB is opgebruikt")

    do_end_agreement(client_a.agreements.get(), actor=ACTOR)
    with pytest.raises(policy.Refusal) as no_agreement:
        actions.do_register_upload(client_a, channel=UploadChannel.WEB, name="adressen.csv", actor=ACTOR)
    assert no_agreement.value.reason == "no_agreement"
    assert "geen verwerkersovereenkomst van kracht" in str(no_agreement.value)
