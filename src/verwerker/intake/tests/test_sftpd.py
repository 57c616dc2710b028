"""The SFTP server, spoken to over loopback by asyncssh's client and by OpenSSH's `sftp`."""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import subprocess
from pathlib import Path

import asyncssh
import pytest
from django.conf import settings

from verwerker.audit.actors import Actor
from verwerker.audit.events import EventType
from verwerker.audit.models import AuditEvent
from verwerker.intake.actions import do_disable_password_login, do_put_in_outbox
from verwerker.intake.models import Ban, Upload, UploadState
from verwerker.intake.tests.conftest import connect
from verwerker.vault.models import BlobState, ReadPurpose

READER = Actor.system("test reader")

pytestmark = pytest.mark.slow

SFTP = shutil.which("sftp")
SSHPASS = shutil.which("sshpass")


def _rows(n: int, marker: str = "Jansen") -> bytes:
    return "".join(f"{marker} {i};Dorpsstraat {i};1234AB;Aland\n" for i in range(n)).encode()


async def _put(port, username, data, name="upload/adressen.csv", **auth):
    async with connect(port, username, **auth) as conn:
        async with conn.start_sftp_client() as sftp:
            async with sftp.open(name, "wb") as f:
                await f.write(data)


def _run(coro):
    return asyncio.run(coro)


def test_it_takes_an_upload_with_the_one_time_password_and_lists_it(sftp_server, client_a, issue):
    from verwerker.intake.tasks import record_upload_received
    from verwerker.vault.actions import read_blob_bytes

    account, password = issue(client_a)
    data = _rows(2000)

    async def go():
        async with connect(sftp_server.port, account.username, password=password) as conn:
            async with conn.start_sftp_client() as sftp:
                async with sftp.open("upload/adressen.csv", "wb") as f:
                    await f.write(data)
                return sorted(await sftp.listdir("upload")), sorted(await sftp.listdir("."))

    uploads, root = _run(go())
    upload = Upload.objects.get(client=client_a)
    assert upload.state == UploadState.COMPLETED and upload.size == len(data)
    assert upload.agreement.client_id == client_a.pk and upload.account_id == account.pk
    assert read_blob_bytes(upload.blob, actor=READER, purpose=ReadPurpose.VERIFICATION) == data
    assert "adressen.csv" in uploads and {"upload", "outbox"} <= set(root)
    record_upload_received.call(upload.pk)
    upload.refresh_from_db()
    assert upload.received_at is not None
    actions = set(AuditEvent.objects.filter(client_id=client_a.pk).values_list("action", flat=True))
    assert {EventType.SFTP_LOGIN_SUCCEEDED, EventType.UPLOAD_STARTED, EventType.UPLOAD_COMPLETED} <= actions


def test_reissuing_invalidates_the_old_password(sftp_server, client_a, issue):
    account, old = issue(client_a)
    _account, new = issue(client_a)
    assert old != new
    with pytest.raises(asyncssh.PermissionDenied):
        _run(_put(sftp_server.port, account.username, b"x", name="upload/a.csv", password=old))
    _run(_put(sftp_server.port, account.username, b"a;b\n", name="upload/a.csv", password=new))
    assert Upload.objects.filter(client=client_a, state=UploadState.COMPLETED).count() == 1


def test_it_refuses_password_login_when_switched_off_but_takes_the_key(sftp_server, client_a, issue, client_key):
    key_path, public = client_key
    account, password = issue(client_a)
    issue(client_a, public_key=public)
    do_disable_password_login(account, actor=Actor.system("test"))
    with pytest.raises(asyncssh.PermissionDenied):
        _run(_put(sftp_server.port, account.username, b"x", password=password))
    _run(_put(sftp_server.port, account.username, b"a;b\n", key_path=key_path))
    assert Upload.objects.get(client=client_a).state == UploadState.COMPLETED


def test_it_refuses_an_unknown_key(sftp_server, client_a, issue, client_key, tmp_path):
    _key_path, public = client_key
    account, _pw = issue(client_a, public_key=public)
    other = asyncssh.generate_private_key("ssh-ed25519")
    (tmp_path / "other").write_bytes(other.export_private_key())
    with pytest.raises(asyncssh.PermissionDenied):
        _run(_put(sftp_server.port, account.username, b"x", key_path=tmp_path / "other"))


def test_client_a_cannot_see_or_reach_client_bs_files(sftp_server, client_a, client_b, issue):
    """GIVEN both clients uploading at once WHEN each lists and probes THEN each sees only its own files."""
    account_a, pw_a = issue(client_a)
    account_b, pw_b = issue(client_b)

    async def both():
        await asyncio.gather(
            _put(sftp_server.port, account_a.username, _rows(3000, "Aland"), name="upload/a-leden.csv", password=pw_a),
            _put(
                sftp_server.port, account_b.username, _rows(3000, "Beeland"), name="upload/b-leden.csv", password=pw_b
            ),
        )
        async with connect(sftp_server.port, account_a.username, password=pw_a) as conn:
            async with conn.start_sftp_client() as sftp:
                listing = await sftp.listdir("upload")
                probes = []
                for path in (
                    "upload/b-leden.csv",
                    f"/{account_b.username}/upload/b-leden.csv",
                    "../b/upload/b-leden.csv",
                ):
                    try:
                        await sftp.stat(path)
                        probes.append("reached")
                    except asyncssh.SFTPError:
                        probes.append("refused")
                return listing, probes

    listing, probes = _run(both())
    assert "a-leden.csv" in listing and "b-leden.csv" not in listing
    assert probes == ["refused"] * 3
    assert Upload.objects.filter(client=client_b, state=UploadState.COMPLETED).count() == 1


@pytest.mark.parametrize(
    "operation",
    [
        "../../etc/passwd",
        "/etc/passwd",
        "/upload/../../secret.csv",
        "upload/sub/x.csv",
        "symlink",
        "mkdir",
        "rename",
        "remove",
        "read_upload",
        "write_outbox",
    ],
)
def test_it_refuses_anything_outside_what_the_home_allows(sftp_server, client_a, issue, operation):
    account, password = issue(client_a)

    async def go():
        async with connect(sftp_server.port, account.username, password=password) as conn:
            async with conn.start_sftp_client() as sftp:
                if operation == "symlink":
                    await sftp.symlink("/etc/passwd", "upload/passwd.csv")
                elif operation == "mkdir":
                    await sftp.mkdir("upload/sub")
                elif operation == "rename":
                    await sftp.rename("upload/a.csv", "outbox/a.csv")
                elif operation == "remove":
                    await sftp.remove("upload/a.csv")
                elif operation == "read_upload":
                    async with sftp.open("upload/a.csv", "rb") as f:
                        await f.read()
                elif operation == "write_outbox":
                    async with sftp.open("outbox/a.csv", "wb") as f:
                        await f.write(b"x")
                else:
                    async with sftp.open(operation, "wb") as f:
                        await f.write(b"x")

    with pytest.raises(asyncssh.SFTPError):
        _run(go())
    assert not Upload.objects.filter(state=UploadState.COMPLETED).exists()
    assert AuditEvent.objects.filter(action=EventType.SFTP_OPERATION_REFUSED, client_id=client_a.pk).exists()


def test_it_refuses_a_disallowed_extension_with_a_clear_status(sftp_server, client_a, issue):
    account, password = issue(client_a)
    with pytest.raises(asyncssh.SFTPPermissionDenied, match="niet geaccepteerd"):
        _run(_put(sftp_server.port, account.username, b"MZ", name="upload/tool.exe", password=password))
    upload = Upload.objects.get(client=client_a)
    assert upload.state == UploadState.REFUSED and upload.reason == "extension"


def test_it_refuses_a_file_over_the_maximum_and_shreds_what_arrived(sftp_server, client_a, issue, settings):
    settings.UPLOAD_MAX_MB = 1
    account, password = issue(client_a)
    with pytest.raises(asyncssh.SFTPFailure, match="maximale grootte"):
        _run(_put(sftp_server.port, account.username, b"x" * (1024 * 1024 + 1), password=password))
    upload = Upload.objects.get(client=client_a)
    assert upload.state == UploadState.REFUSED and upload.reason == "too_large"
    assert upload.blob.state in (BlobState.SHREDDING, BlobState.SHREDDED) and upload.blob.wrapped_key is None


def test_four_parallel_uploads_never_store_more_than_the_quota_together(sftp_server, client_a, issue, settings):
    """GIVEN a 2 MiB quota WHEN four uploads of 1.2 MB start at once (each alone fits; three would have
    been accepted against a quota read once at their start) THEN the bytes are reserved in the database
    as they stream, one upload passes, the others are refused for the quota, and what is stored stays
    within the quota."""
    settings.UPLOAD_QUOTA_MB = 2
    account, password = issue(client_a)
    data = _rows(30000)[:1_200_000]

    async def one(i):
        try:
            await _put(sftp_server.port, account.username, data, name=f"upload/deel-{i}.csv", password=password)
            return "stored"
        except asyncssh.SFTPFailure as exc:
            return "quota" if "quotum" in str(exc) else str(exc)

    async def four():
        return await asyncio.gather(*(one(i) for i in range(4)))

    outcomes = _run(four())
    stored = Upload.objects.filter(client=client_a, state=UploadState.COMPLETED)
    assert sum(u.size for u in stored) <= 2 * 1024 * 1024
    assert sorted(outcomes) == ["quota", "quota", "quota", "stored"], outcomes
    assert stored.count() == 1
    assert Upload.objects.filter(client=client_a, state=UploadState.REFUSED, reason="quota").count() == 3


def test_a_connection_cut_mid_upload_never_becomes_a_data_file(sftp_server, client_a, issue):
    """GIVEN a client that sends half a file WHEN its connection drops before CLOSE THEN the upload is
    aborted, its blob shredded, and nothing is queued for the pipeline."""
    account, password = issue(client_a)

    async def go():
        conn = await connect(sftp_server.port, account.username, password=password)
        sftp = await conn.start_sftp_client()
        f = await sftp.open("upload/half.csv", "wb")
        await f.write(_rows(5000))
        conn.abort()  # the TCP connection goes; no CLOSE was sent
        await asyncio.sleep(0.2)

    _run(go())
    for _ in range(100):
        upload = Upload.objects.get(client=client_a)
        if upload.state != UploadState.RECEIVING:
            break
        asyncio.run(asyncio.sleep(0.05))
    assert upload.state == UploadState.ABORTED and upload.reason == "connection_ended"
    assert upload.blob.wrapped_key is None and upload.received_at is None
    assert not Upload.objects.filter(state=UploadState.COMPLETED).exists()


def test_out_of_order_writes_are_put_back_in_order(sftp_server, client_a, issue):
    from verwerker.vault.actions import read_blob_bytes

    account, password = issue(client_a)
    parts = [bytes([65 + i]) * 40000 for i in range(6)]
    offsets = [i * 40000 for i in range(6)]

    async def go():
        async with connect(sftp_server.port, account.username, password=password) as conn:
            async with conn.start_sftp_client() as sftp:
                async with sftp.open("upload/shuffled.txt", "wb") as f:
                    for i in (1, 3, 2, 0, 5, 4):
                        await f.write(parts[i], offsets[i])

    _run(go())
    upload = Upload.objects.get(client=client_a)
    assert upload.state == UploadState.COMPLETED
    assert read_blob_bytes(upload.blob, actor=READER, purpose=ReadPurpose.VERIFICATION) == b"".join(parts)


def test_a_file_with_a_hole_is_discarded_at_close(sftp_server, client_a, issue):
    account, password = issue(client_a)

    async def go():
        async with connect(sftp_server.port, account.username, password=password) as conn:
            async with conn.start_sftp_client() as sftp:
                async with sftp.open("upload/holes.txt", "wb") as f:
                    await f.write(b"a" * 100, 0)
                    await f.write(b"c" * 100, 200)

    with pytest.raises(asyncssh.SFTPFailure, match="incomplete"):
        _run(go())
    assert Upload.objects.get(client=client_a).state == UploadState.ABORTED


def test_repeated_wrong_passwords_ban_the_address_and_an_officer_can_lift_it(sftp_server, client_a, issue, settings):
    from verwerker.intake.actions import do_lift_ban

    settings.SFTP_FAILURE_LIMIT = 3
    account, password = issue(client_a)
    for _ in range(3):
        with pytest.raises(asyncssh.PermissionDenied):
            _run(_put(sftp_server.port, account.username, b"x", password="wrong-password"))
    ban = Ban.objects.get(scope="address")
    assert ban.address == "127.0.0.1" and ban.is_active()
    # Banned: even the right password is refused now.
    with pytest.raises(asyncssh.PermissionDenied):
        _run(_put(sftp_server.port, account.username, b"a;b\n", password=password))
    assert AuditEvent.objects.filter(action=EventType.SFTP_LOGIN_REFUSED).exists()
    assert AuditEvent.objects.filter(action=EventType.SFTP_BANNED).count() >= 1
    for b in Ban.objects.all():
        do_lift_ban(b, actor=Actor.system("officer"))
    _run(_put(sftp_server.port, account.username, b"a;b\n", password=password))
    assert Upload.objects.filter(state=UploadState.COMPLETED).count() == 1


def test_seven_wrong_passwords_from_seven_addresses_leave_key_and_password_logins_working(
    sftp_server, client_a, issue, client_key
):
    """GIVEN a stranger trying one wrong password for a client's account from each of seven loopback
    addresses WHEN the client then logs in from an eighth THEN both its key and its password work: the
    failures were spread over addresses, and none of them reached the account-wide password lock."""
    key_path, public = client_key
    account, password = issue(client_a)
    issue(client_a, public_key=public)
    for i in range(2, 9):
        with pytest.raises(asyncssh.PermissionDenied):
            _run(
                _put(
                    sftp_server.port, account.username, b"x", password="wrong-password", local_addr=(f"127.0.0.{i}", 0)
                )
            )
    assert AuditEvent.objects.filter(action=EventType.SFTP_LOGIN_FAILED).count() == 7
    _run(
        _put(
            sftp_server.port,
            account.username,
            b"a;b\n",
            name="upload/key.csv",
            key_path=key_path,
            local_addr=("127.0.0.9", 0),
        )
    )
    _run(
        _put(
            sftp_server.port,
            account.username,
            b"a;b\n",
            name="upload/pw.csv",
            password=password,
            local_addr=("127.0.0.9", 0),
        )
    )
    assert Upload.objects.filter(client=client_a, state=UploadState.COMPLETED).count() == 2
    assert not Ban.objects.exists()


def test_a_password_lock_refuses_passwords_from_everywhere_but_the_key_still_gets_in(
    sftp_server, client_a, issue, client_key, settings
):
    key_path, public = client_key
    settings.SFTP_PASSWORD_LOCK_LIMIT = 3
    account, password = issue(client_a)
    issue(client_a, public_key=public)
    for i in range(2, 5):
        with pytest.raises(asyncssh.PermissionDenied):
            _run(
                _put(
                    sftp_server.port, account.username, b"x", password="wrong-password", local_addr=(f"127.0.0.{i}", 0)
                )
            )
    assert Ban.objects.get().scope == "account"
    with pytest.raises(asyncssh.PermissionDenied):
        _run(_put(sftp_server.port, account.username, b"a;b\n", password=password, local_addr=("127.0.0.9", 0)))
    _run(
        _put(
            sftp_server.port,
            account.username,
            b"a;b\n",
            name="upload/key.csv",
            key_path=key_path,
            local_addr=("127.0.0.9", 0),
        )
    )
    assert Upload.objects.get(client=client_a).state == UploadState.COMPLETED


def test_no_shell_no_exec_no_port_forwarding(sftp_server, client_a, issue):
    account, password = issue(client_a)

    async def go():
        async with connect(sftp_server.port, account.username, password=password) as conn:
            outcomes = []
            for attempt in (
                lambda: conn.run("id", check=True),
                lambda: conn.create_process(),
                lambda: conn.open_connection("127.0.0.1", 22),
                lambda: conn.forward_remote_port("127.0.0.1", 0, "127.0.0.1", 22),
            ):
                try:
                    await attempt()
                    outcomes.append("allowed")
                except (asyncssh.Error, asyncssh.ChannelListenError, OSError):
                    outcomes.append("refused")
            return outcomes

    assert _run(go()) == ["refused"] * 4


def test_it_serves_the_outbox_read_only_and_audits_the_download(sftp_server, client_a, issue):
    account, password = issue(client_a)
    do_put_in_outbox(client_a, "afkeur.csv", b"regel;reden\n3;postcode\n", actor=Actor.system("test"))

    async def go():
        async with connect(sftp_server.port, account.username, password=password) as conn:
            async with conn.start_sftp_client() as sftp:
                names = await sftp.listdir("outbox")
                async with sftp.open("outbox/afkeur.csv", "rb") as f:
                    return names, await f.read()

    names, body = _run(go())
    assert "afkeur.csv" in names and body == b"regel;reden\n3;postcode\n"
    event = AuditEvent.objects.get(action=EventType.OUTBOX_DOWNLOADED)
    details = json.loads(event.details) if isinstance(event.details, str) else event.details
    assert details["size"] == len(body) and event.client_id == client_a.pk


def test_no_plaintext_reaches_the_disk(sftp_server, client_a, issue, tmp_path):
    account, password = issue(client_a)
    marker = b"PLAINTEXT-MARKER-3c1e9a"
    _run(_put(sftp_server.port, account.username, (b"naam;" + marker + b"\n") * 5000, password=password))
    assert Upload.objects.get(client=client_a).state == UploadState.COMPLETED
    scanned = 0
    for root in {Path(settings.DATA_DIR), Path(settings.VAULT_DIR), tmp_path}:
        for dirpath, _dirs, files in os.walk(root):
            for name in files:
                path = Path(dirpath) / name
                if path.is_file():
                    assert marker not in path.read_bytes(), f"plaintext found in {path}"
                    scanned += 1
    assert scanned > 0


def _openssh(port, username, batch, tmp_path, *, key_path=None, password=None):
    cmd = [
        SFTP, "-P", str(port),
        "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null", "-o", "LogLevel=ERROR",
    ]
    if key_path:
        cmd += ["-i", str(key_path), "-o", "IdentitiesOnly=yes", "-o", "PasswordAuthentication=no"]
    else:
        # -b implies BatchMode (no password prompt) unless an earlier -o says otherwise; sshpass answers.
        cmd = [SSHPASS, "-e"] + cmd + [
            "-o", "BatchMode=no", "-o", "PubkeyAuthentication=no", "-o", "PreferredAuthentications=password",
        ]
    cmd += ["-b", "-", f"{username}@127.0.0.1"]
    env = {**os.environ, "SSHPASS": password or ""}
    return subprocess.run(cmd, input=batch, capture_output=True, text=True, timeout=120, cwd=tmp_path, env=env)


@pytest.mark.skipif(SFTP is None, reason="OpenSSH sftp client not installed (Debian openssh-client)")
def test_openssh_sftp_uploads_with_a_key_and_cannot_leave_the_home(sftp_server, client_a, issue, client_key, tmp_path):
    from verwerker.vault.actions import read_blob_bytes

    key_path, public = client_key
    account, _ = issue(client_a, public_key=public)
    data = _rows(50000)  # ~2 MB: many 32 KiB writes in flight at once
    (tmp_path / "leden.csv").write_bytes(data)
    result = _openssh(
        sftp_server.port, account.username, "cd upload\nput leden.csv\nls -l\n", tmp_path, key_path=key_path
    )
    assert result.returncode == 0, result.stderr
    assert "leden.csv" in result.stdout
    upload = Upload.objects.get(client=client_a)
    assert (
        upload.state == UploadState.COMPLETED
        and read_blob_bytes(upload.blob, actor=READER, purpose=ReadPurpose.VERIFICATION) == data
    )

    result = _openssh(sftp_server.port, account.username, "cd /etc\n", tmp_path, key_path=key_path)
    assert result.returncode != 0
    result = _openssh(sftp_server.port, account.username, "put leden.csv ../leden.csv\n", tmp_path, key_path=key_path)
    assert result.returncode != 0
    assert Upload.objects.filter(state=UploadState.COMPLETED).count() == 1


@pytest.mark.skipif(SFTP is None or SSHPASS is None, reason="needs OpenSSH sftp and sshpass (Debian)")
def test_openssh_sftp_with_the_one_time_password_and_a_wrong_one(sftp_server, client_a, issue, tmp_path):
    account, password = issue(client_a)
    (tmp_path / "adressen.csv").write_bytes(_rows(100))
    (tmp_path / "virus.exe").write_bytes(b"MZ")
    ok = _openssh(sftp_server.port, account.username, "put adressen.csv upload/\n", tmp_path, password=password)
    assert ok.returncode == 0, ok.stderr
    refused = _openssh(sftp_server.port, account.username, "put virus.exe upload/\n", tmp_path, password=password)
    assert refused.returncode != 0 and "denied" in refused.stderr.lower()
    wrong = _openssh(sftp_server.port, account.username, "ls\n", tmp_path, password="not-the-password")
    assert wrong.returncode != 0
    states = sorted(Upload.objects.filter(client=client_a).values_list("state", flat=True))
    assert states == [UploadState.COMPLETED, UploadState.REFUSED]
    assert AuditEvent.objects.filter(action=EventType.SFTP_LOGIN_FAILED).exists()
