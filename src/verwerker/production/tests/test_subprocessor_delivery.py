"""Delivery to a subprocessor over SFTP (P21, P22) and its confirmation through the subprocessor's own login.

The receiving end is a real asyncssh SFTP server on a loopback port (port 0), writing into tmp_path.
"""

from __future__ import annotations

import asyncio
import json
import threading
from types import SimpleNamespace

import asyncssh
import pytest

from verwerker.audit.actors import Actor
from verwerker.audit.events import EventType
from verwerker.audit.models import AuditEvent
from verwerker.datafiles.synthetic import address_csv, address_rows
from verwerker.lib.testing import pdf_text
from verwerker.production.tests.conftest import produce
from verwerker.production.workflow import JobState, StepRefused
from verwerker.testing import receive_file

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery staple"


class _Receiver(asyncssh.SSHServer):
    def begin_auth(self, username: str) -> bool:
        return True

    def password_auth_supported(self) -> bool:
        return True

    def validate_password(self, username: str, password: str) -> bool:
        return username == "verwerker" and password == PASSWORD


@pytest.fixture
def receiver(tmp_path):
    """A subprocessor's SFTP server: user ``verwerker``, password PASSWORD or the key in ``client_key``;
    files land under ``root`` (chrooted). Yields its port, root, host key and an authorised client key."""
    root = tmp_path / "remote"
    (root / "inbox").mkdir(parents=True)
    host_key = asyncssh.generate_private_key("ssh-ed25519")
    client_key = asyncssh.generate_private_key("ssh-ed25519")
    key_path = tmp_path / "push_key"
    key_path.write_bytes(client_key.export_private_key("openssh"))
    key_path.chmod(0o600)
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    run = lambda coro: asyncio.run_coroutine_threadsafe(coro, loop).result(30)  # noqa: E731

    async def start():
        return await asyncssh.listen(
            "127.0.0.1", 0, server_host_keys=[host_key], server_factory=_Receiver,
            authorized_client_keys=asyncssh.import_authorized_keys(client_key.export_public_key().decode()),
            sftp_factory=lambda chan: asyncssh.SFTPServer(chan, chroot=str(root)),
        )

    acceptor = run(start())
    try:
        yield SimpleNamespace(port=acceptor.get_port(), root=root, host_key=host_key, key_path=key_path)
    finally:
        async def stop():
            acceptor.close()
            await acceptor.wait_closed()

        run(stop())
        loop.call_soon_threadsafe(loop.stop)
        thread.join(10)
        loop.close()


@pytest.fixture
def subprocessor(client_a, tmp_path, receiver):
    """An EEA subprocessor named in client A's agreement, with its own agreement in force and an SFTP
    target (password file) pointing at the receiver."""
    from verwerker.clients.actions import (
        do_add_subprocessing_agreement,
        do_allow_subprocessor,
        do_create_subprocessor,
        do_set_subprocessor_sftp_target,
    )

    actor = Actor.system("test")
    sub = do_create_subprocessor("Drukkerij Gent", country="BE", actor=actor)
    do_add_subprocessing_agreement(sub, reference="SUB-1", actor=actor)
    do_allow_subprocessor(client_a.agreements.get(), sub, actor=actor)
    secret = tmp_path / "gent.password"
    secret.write_text(PASSWORD + "\n")
    return do_set_subprocessor_sftp_target(
        sub, host="127.0.0.1", port=receiver.port, username="verwerker", directory="inbox",
        host_key=f"ssh-ed25519 {receiver.host_key.get_fingerprint('sha256')}", password_file=str(secret), actor=actor,
    )


def _produced_job(client_a, draft, sub, n=30):
    job = draft(receive_file(client_a, "adressen.csv", address_csv(n, seed=5)), station=None, subprocessor=sub)
    from verwerker.production.actions import do_release_job

    job = do_release_job(job, user=job.drafted_by, actor=Actor.for_user(job.drafted_by))
    job = produce(job)
    assert job.state == JobState.PRODUCED, job.error
    return job


def test_a_job_is_pushed_to_the_subprocessor_and_arrives_whole(client_a, draft, subprocessor, receiver, settings):
    """GIVEN a produced job of 450 records in parts of 400 for a named EEA subprocessor with a pinned host key
    WHEN it is delivered
    THEN both parts arrive under their final names in the subprocessor's directory, no .partial is left,
    their text holds the records' names, and the audit event names the target but no credential."""
    from verwerker.production.actions import do_deliver_job

    settings.JOB_PART_SIZE = 400
    job = _produced_job(client_a, draft, subprocessor, n=450)
    job = do_deliver_job(job, actor=Actor.system("test"))

    assert job.state == JobState.DELIVERED and job.delivered_files == []
    arrived = sorted(p.name for p in (receiver.root / "inbox").iterdir())
    assert arrived == [f"job-{job.pk}-001.pdf", f"job-{job.pk}-002.pdf"]
    text = "".join(pdf_text((receiver.root / "inbox" / name).read_bytes()) for name in arrived)
    _header, rows = address_rows(450, seed=5)
    surnames = {row[2] for row in rows}
    assert surnames and all(name in text for name in surnames)
    assert text.count("\f") == job.pages

    event = AuditEvent.objects.get(action=EventType.JOB_DELIVERED, object_id=str(job.pk))
    details = json.loads(event.details)
    assert details["target"] == f"sftp://verwerker@127.0.0.1:{receiver.port}/inbox"
    assert details["files"] == arrived and details["host_key"] == subprocessor.sftp_host_key
    assert "password" not in event.details and PASSWORD not in event.details


def test_a_push_with_a_private_key_file_works_too(client_a, draft, subprocessor, receiver, settings):
    from verwerker.clients.actions import do_set_subprocessor_sftp_target
    from verwerker.production.actions import do_deliver_job

    sub = do_set_subprocessor_sftp_target(
        subprocessor, host="127.0.0.1", port=receiver.port, username="verwerker", directory="",
        host_key=subprocessor.sftp_host_key, key_file=str(receiver.key_path), actor=Actor.system("test"),
    )
    job = _produced_job(client_a, draft, sub, n=5)
    job = do_deliver_job(job, actor=Actor.system("test"))
    assert job.state == JobState.DELIVERED
    assert (receiver.root / f"job-{job.pk}-001.pdf").read_bytes()[:5] == b"%PDF-"


def test_a_host_key_other_than_the_pinned_one_is_refused_before_anything_is_sent(
    client_a, draft, subprocessor, receiver
):
    from verwerker.production.actions import do_deliver_job

    other = asyncssh.generate_private_key("ssh-ed25519").get_fingerprint("sha256")
    subprocessor.sftp_host_key = f"ssh-ed25519 {other}"
    subprocessor.save()
    job = _produced_job(client_a, draft, subprocessor, n=5)
    with pytest.raises(StepRefused, match="host key of 127.0.0.1 is not the pinned one"):
        do_deliver_job(job, actor=Actor.system("test"))
    assert list((receiver.root / "inbox").iterdir()) == []
    job.refresh_from_db()
    assert job.state == JobState.PRODUCED
    refusal = AuditEvent.objects.filter(action=EventType.JOB_TRANSITION_REFUSED, object_id=str(job.pk)).last()
    assert json.loads(refusal.details)["code"] == "push" and "pinned" in json.loads(refusal.details)["reason"]


def test_a_host_key_of_another_type_is_refused(client_a, draft, subprocessor, receiver):
    from verwerker.production.actions import do_deliver_job

    subprocessor.sftp_host_key = f"ecdsa-sha2-nistp256 {receiver.host_key.get_fingerprint('sha256')}"
    subprocessor.save()
    job = _produced_job(client_a, draft, subprocessor, n=5)
    with pytest.raises(StepRefused, match="versturen naar Drukkerij Gent mislukt"):
        do_deliver_job(job, actor=Actor.system("test"))
    assert list((receiver.root / "inbox").iterdir()) == []


def test_a_wrong_password_is_refused_with_a_line_that_holds_no_secret(client_a, draft, subprocessor, tmp_path):
    from verwerker.production.actions import do_deliver_job

    wrong = tmp_path / "wrong.password"
    wrong.write_text("not-the-password")
    subprocessor.sftp_password_file = str(wrong)
    subprocessor.save()
    job = _produced_job(client_a, draft, subprocessor, n=5)
    with pytest.raises(StepRefused, match="refused the login") as info:
        do_deliver_job(job, actor=Actor.system("test"))
    assert "not-the-password" not in str(info.value)


def test_a_subprocessor_without_an_sftp_target_is_refused(client_a, draft):
    from verwerker.clients.models import AgreementStatus, SubprocessingAgreement, Subprocessor
    from verwerker.production.actions import do_deliver_job

    sub = Subprocessor.objects.create(name="Drukkerij Luik", country="BE")
    SubprocessingAgreement.objects.create(subprocessor=sub, reference="SUB-2", status=AgreementStatus.ACTIVE)
    client_a.agreements.get().subprocessors.add(sub)
    job = draft(receive_file(client_a, "a.csv", address_csv(5)), station=None, subprocessor=sub)
    job.state = JobState.PRODUCED
    with pytest.raises(StepRefused, match="geen SFTP-bestemming"):
        do_deliver_job(job, actor=Actor.system("test"))


def test_the_sftp_target_refuses_a_host_key_that_is_not_a_type_and_fingerprint(subprocessor):
    from django.core.exceptions import ValidationError

    from verwerker.clients.actions import do_set_subprocessor_sftp_target

    with pytest.raises(ValidationError, match="SHA256 fingerprint"):
        do_set_subprocessor_sftp_target(subprocessor, host="h", username="u", host_key="trust me",
                                        password_file="/x", actor=Actor.system("test"))
    with pytest.raises(ValidationError, match="privésleutel of een bestand met een wachtwoord"):
        do_set_subprocessor_sftp_target(subprocessor, host="h", username="u", host_key=subprocessor.sftp_host_key,
                                        actor=Actor.system("test"))


# -- confirmation through the subprocessor's own login ---------------------------------------------


@pytest.fixture
def sub_users(subprocessor, make_staff):
    """A login of the receiving subprocessor, and one of another subprocessor."""
    from verwerker.clients.actions import do_create_subprocessor, do_create_subprocessor_user

    actor = Actor.system("test")
    other = do_create_subprocessor("Drukkerij Brugge", country="BE", actor=actor)
    mine, _ = do_create_subprocessor_user(subprocessor, "gent-1", actor=actor)
    theirs, _ = do_create_subprocessor_user(other, "brugge-1", actor=actor)
    for user in (mine, theirs):
        user.must_change_password = False
        user.save(update_fields=["must_change_password"])
    return SimpleNamespace(mine=mine, theirs=theirs)


def test_the_subprocessor_confirms_production_and_the_job_is_shredded_and_certified(
    client_a, draft, subprocessor, sub_users
):
    from verwerker.production.actions import do_confirm_production, do_deliver_job
    from verwerker.vault.models import Blob

    job = do_deliver_job(_produced_job(client_a, draft, subprocessor, n=5), actor=Actor.system("test"))
    blobs = [job.data_file.blob_id, *job.outputs.values_list("blob_id", flat=True)]
    job = do_confirm_production(job, user=sub_users.mine, actor=Actor.for_user(sub_users.mine))
    assert job.state == JobState.CERTIFIED and job.certificate is not None
    assert not Blob.objects.filter(pk__in=blobs, wrapped_key__isnull=False).exists()


def test_one_subprocessor_cannot_see_or_confirm_another_subprocessors_job(
    client_a, draft, subprocessor, sub_users, make_staff, login
):
    from django.urls import reverse

    from verwerker.production.actions import do_confirm_printed, do_confirm_production, do_deliver_job

    job = do_deliver_job(_produced_job(client_a, draft, subprocessor, n=5), actor=Actor.system("test"))

    web = login(sub_users.theirs)
    assert f"job-{job.pk}-001.pdf" not in web.get(reverse("production:subprocessor")).content.decode()
    assert web.post(reverse("production:subprocessor_confirm", args=[job.pk])).status_code == 404
    assert web.get(reverse("production:job", args=[job.pk])).status_code in (403, 404)
    with pytest.raises(StepRefused, match="alleen de onderaannemer aan wie de opdracht is afgeleverd"):
        do_confirm_production(job, user=sub_users.theirs, actor=Actor.for_user(sub_users.theirs))
    printer = make_staff("print", "printer-x")
    with pytest.raises(StepRefused, match="door die onderaannemer bevestigd"):
        do_confirm_printed(job, user=printer, actor=Actor.for_user(printer))
    job.refresh_from_db()
    assert job.state == JobState.DELIVERED

    web = login(sub_users.mine)
    page = web.get(reverse("production:subprocessor")).content.decode()
    assert f"job-{job.pk}-001.pdf" in page
    response = web.post(reverse("production:subprocessor_confirm", args=[job.pk]))
    assert response.status_code == 302
    job.refresh_from_db()
    assert job.state == JobState.CERTIFIED


def test_a_client_user_cannot_reach_the_subprocessor_pages(user_a, login):
    from django.urls import reverse

    web = login(user_a)
    assert web.get(reverse("production:subprocessor")).status_code == 404


def test_the_host_key_pin_reads_ssh_keygen_output():
    from verwerker.lib.hostkey import parse_host_key_pin

    fingerprint = asyncssh.generate_private_key("ssh-ed25519").get_fingerprint("sha256")
    assert parse_host_key_pin(f"256 {fingerprint} root@printer (ED25519)") == ("ssh-ed25519", fingerprint)
    assert parse_host_key_pin(f"256 {fingerprint} no comment (ECDSA)") == ("ecdsa-sha2-nistp256", fingerprint)
    with pytest.raises(ValueError, match="type"):
        parse_host_key_pin(fingerprint)


def test_the_command_sets_the_target_and_gives_the_subprocessor_a_login(subprocessor, receiver):
    from io import StringIO

    from django.core.management import CommandError, call_command

    from verwerker.clients.models import Subprocessor

    out = StringIO()
    call_command("subprocessor", "target", "Drukkerij Gent", "--host", "sftp.gent.example", "--user", "vw",
                 "--host-key", f"256 {receiver.host_key.get_fingerprint('sha256')} x (ED25519)",
                 "--key-file", str(receiver.key_path), stdout=out)
    sub = Subprocessor.objects.get(pk=subprocessor.pk)
    assert sub.sftp_host == "sftp.gent.example" and sub.sftp_password_file == "" and sub.has_sftp_target
    assert out.getvalue().startswith("sftp://vw@sftp.gent.example:22/")
    out = StringIO()
    call_command("subprocessor", "user", "Drukkerij Gent", "gent-2", stdout=out)
    assert out.getvalue().split()[0] == "gent-2" and sub.users.get().user.has_role("subprocessor")
    with pytest.raises(CommandError, match="SHA256 fingerprint"):
        call_command("subprocessor", "target", "Drukkerij Gent", "--host", "h", "--user", "u", "--host-key", "x",
                     "--password-file", "/p")
