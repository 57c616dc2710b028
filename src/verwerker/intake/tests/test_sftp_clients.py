"""The SFTP server against the clients people automate their transfers with: OpenSSH's `sftp`, lftp,
curl (libssh2), rclone (Debian packages) and paramiko (PyPI). Each uploads a file into ``upload/`` and
is refused when it tries to write outside the home; real processes over loopback, real server.

A tool that is not installed skips its test, unless VERWERKER_TEST_REQUIRE_TOOLS=true (CI, where
.ci/run installs them): then the test fails.
"""

from __future__ import annotations

import asyncio
import logging
import os
import subprocess

import pytest

from verwerker.audit.actors import Actor
from verwerker.audit.events import EventType
from verwerker.audit.models import AuditEvent
from verwerker.intake.models import Upload, UploadState
from verwerker.intake.tests.conftest import connect
from verwerker.lib.testing import require_tool
from verwerker.vault.models import ReadPurpose

pytestmark = pytest.mark.slow

DATA = "".join(f"Jansen {i};Dorpsstraat {i};1234AB;Aland\n" for i in range(20000)).encode()  # ~0.8 MB
SSH_OPTIONS = ["-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null", "-o", "LogLevel=ERROR"]


def _run(cmd, *, cwd, env=None, stdin=None) -> subprocess.CompletedProcess:
    return subprocess.run(
        cmd, input=stdin, capture_output=True, text=True, timeout=120, cwd=cwd, env={**os.environ, **(env or {})}
    )


def openssh_sftp(port, username, password, tmp_path, target):
    sftp, sshpass = require_tool("sftp"), require_tool("sshpass")
    cmd = [sshpass, "-e", sftp, "-P", str(port), *SSH_OPTIONS, "-o", "BatchMode=no",
           "-o", "PubkeyAuthentication=no", "-o", "PreferredAuthentications=password",
           "-b", "-", f"{username}@127.0.0.1"]
    return _run(cmd, cwd=tmp_path, env={"SSHPASS": password}, stdin=f"put leden.csv {target}\n")


def lftp(port, username, password, tmp_path, target):
    lftp = require_tool("lftp")
    require_tool("ssh")  # lftp speaks SFTP through OpenSSH's ssh
    script = (
        'set sftp:connect-program "ssh -a -x -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null '
        '-o LogLevel=ERROR -o PubkeyAuthentication=no"; set net:max-retries 1; set cmd:fail-exit yes; '
        f"open -u {username},{password} -p {port} sftp://127.0.0.1; put leden.csv -o {target}; bye"
    )
    return _run([lftp, "-c", script], cwd=tmp_path, env={"HOME": str(tmp_path)})


def curl(port, username, password, tmp_path, target):
    curl = require_tool("curl")
    if "sftp" not in _run([curl, "-V"], cwd=tmp_path).stdout.split("Protocols:")[1].split():
        pytest.fail("this curl has no SFTP support (libssh2)")
    # --insecure: no known_hosts check (the host key is fresh per test).
    return _run([curl, "--silent", "--show-error", "--insecure", "--user", f"{username}:{password}",
                 "--upload-file", "leden.csv", f"sftp://127.0.0.1:{port}/{target.lstrip('/')}"
                 if not target.startswith("/") else f"sftp://127.0.0.1:{port}{target}"], cwd=tmp_path)


def rclone(port, username, password, tmp_path, target):
    rclone = require_tool("rclone")
    obscured = _run([rclone, "obscure", password], cwd=tmp_path).stdout.strip()
    env = {
        "RCLONE_CONFIG": str(tmp_path / "rclone.conf"),
        "RCLONE_CONFIG_VW_TYPE": "sftp",
        "RCLONE_CONFIG_VW_HOST": "127.0.0.1",
        "RCLONE_CONFIG_VW_PORT": str(port),
        "RCLONE_CONFIG_VW_USER": username,
        "RCLONE_CONFIG_VW_PASS": obscured,
    }
    return _run([rclone, "copyto", "--retries", "1", "--low-level-retries", "1", "leden.csv", f"vw:{target}"],
                cwd=tmp_path, env=env)


def paramiko_client(port, username, password, tmp_path, target):
    import paramiko

    transport = paramiko.Transport(("127.0.0.1", port))
    try:
        transport.connect(username=username, password=password)
        sftp = paramiko.SFTPClient.from_transport(transport)
        sftp.put(str(tmp_path / "leden.csv"), target)
        return subprocess.CompletedProcess("paramiko", 0, "", "")
    except (OSError, paramiko.SSHException) as exc:
        return subprocess.CompletedProcess("paramiko", 1, "", f"{type(exc).__name__}: {exc}")
    finally:
        transport.close()


CLIENTS = [openssh_sftp, lftp, curl, rclone, paramiko_client]


@pytest.mark.parametrize("client", CLIENTS, ids=lambda c: c.__name__)
def test_a_stock_client_uploads_into_the_home_and_is_refused_outside_it(
    sftp_server, client_a, issue, tmp_path, client
):
    from verwerker.vault.actions import read_blob_bytes

    account, password = issue(client_a)
    (tmp_path / "leden.csv").write_bytes(DATA)

    done = client(sftp_server.port, account.username, password, tmp_path, "upload/leden.csv")
    assert done.returncode == 0, done.stderr
    upload = Upload.objects.get(client=client_a)
    assert (
        upload.state == UploadState.COMPLETED
        and read_blob_bytes(upload.blob, actor=Actor.system("test reader"), purpose=ReadPurpose.VERIFICATION) == DATA
    )

    for outside in ("/etc/leden.csv", "upload/../../leden.csv"):
        refused = client(sftp_server.port, account.username, password, tmp_path, outside)
        assert refused.returncode != 0, f"{client.__name__} wrote to {outside}"
    assert Upload.objects.filter(state=UploadState.COMPLETED).count() == 1
    assert AuditEvent.objects.filter(action=EventType.SFTP_OPERATION_REFUSED, client_id=client_a.pk).exists()


def _packet(kind: int, body: bytes) -> bytes:
    payload = bytes([kind]) + body
    return len(payload).to_bytes(4, "big") + payload


def _string(value: bytes) -> bytes:
    return len(value).to_bytes(4, "big") + value


async def _reply(reader) -> tuple[int, bytes]:
    length = int.from_bytes(await reader.readexactly(4), "big")
    payload = await reader.readexactly(length)
    return payload[0], payload[1:]


def test_trailing_bytes_in_requests_are_skipped_as_openssh_does_and_logged_once(
    sftp_server, client_a, issue, caplog
):
    """GIVEN a client whose OPEN, WRITE and CLOSE requests each carry bytes past their last field (as
    rclone's do) WHEN it uploads THEN the upload completes, as against OpenSSH's sftp-server, and the
    session logs the oddity once."""
    from verwerker.vault.actions import read_blob_bytes

    account, password = issue(client_a)
    junk = b"\x00\x00\x00\x00"

    async def go():
        async with connect(sftp_server.port, account.username, password=password) as conn:
            writer, reader, _stderr = await conn.open_session(subsystem="sftp", encoding=None)
            writer.write(_packet(1, (3).to_bytes(4, "big")))  # INIT, version 3
            assert (await _reply(reader))[0] == 2  # VERSION
            pflags = (0x02 | 0x08 | 0x10).to_bytes(4, "big")  # WRITE | CREAT | TRUNC
            writer.write(_packet(3, (1).to_bytes(4, "big") + _string(b"upload/staart.csv") + pflags + bytes(4) + junk))
            kind, body = await _reply(reader)
            assert kind == 102, body  # HANDLE
            handle = body[8 : 8 + int.from_bytes(body[4:8], "big")]
            data = b"naam;plaats\nJansen;Aland\n"
            writer.write(_packet(6, (2).to_bytes(4, "big") + _string(handle) + bytes(8) + _string(data) + junk))
            statuses = [await _reply(reader)]
            writer.write(_packet(4, (3).to_bytes(4, "big") + _string(handle) + junk))
            statuses.append(await _reply(reader))
            writer.close()
            return data, [(kind, int.from_bytes(body[4:8], "big")) for kind, body in statuses]

    with caplog.at_level(logging.INFO, logger="verwerker.sftpd"):
        data, statuses = asyncio.run(go())
    assert statuses == [(101, 0), (101, 0)]  # STATUS OK for the write and the close
    upload = Upload.objects.get(client=client_a)
    assert (
        upload.state == UploadState.COMPLETED
        and read_blob_bytes(upload.blob, actor=Actor.system("test reader"), purpose=ReadPurpose.VERIFICATION) == data
    )
    assert len([r for r in caplog.records if "trailing byte" in r.getMessage()]) == 1


def test_a_session_that_ends_without_close_shreds_the_upload_even_with_a_write_acknowledged(
    sftp_server, client_a, issue
):
    """The end of a session is told from a CLOSE by which handler runs, not by asyncssh's call stack."""
    account, password = issue(client_a)

    async def go():
        conn = await connect(sftp_server.port, account.username, password=password)
        sftp = await conn.start_sftp_client()
        f = await sftp.open("upload/half.csv", "wb")
        await f.write(DATA[:1000])
        sftp.exit()
        await sftp.wait_closed()
        conn.close()
        await conn.wait_closed()

    asyncio.run(go())
    for _ in range(100):
        upload = Upload.objects.get(client=client_a)
        if upload.state != UploadState.RECEIVING:
            break
        asyncio.run(asyncio.sleep(0.05))
    assert upload.state == UploadState.ABORTED and upload.reason == "connection_ended"


def test_an_openssh_client_with_its_defaults_gets_a_fast_aes_cipher(sftp_server, client_a, issue, tmp_path):
    """OpenSSH's client prefers ChaCha20-Poly1305, which asyncssh runs at a third of AES's speed: the
    server does not offer it, so the default client lands on AES (and still uploads)."""
    sftp, sshpass = require_tool("sftp"), require_tool("sshpass")
    account, password = issue(client_a)
    (tmp_path / "leden.csv").write_bytes(DATA)
    cmd = [sshpass, "-e", sftp, "-P", str(sftp_server.port), "-o", "StrictHostKeyChecking=no",
           "-o", "UserKnownHostsFile=/dev/null", "-o", "LogLevel=DEBUG1", "-o", "BatchMode=no",
           "-o", "PubkeyAuthentication=no", "-o", "PreferredAuthentications=password",
           "-b", "-", f"{account.username}@127.0.0.1"]
    done = _run(cmd, cwd=tmp_path, env={"SSHPASS": password}, stdin="put leden.csv upload/leden.csv\n")
    assert done.returncode == 0, done.stderr[-2000:]
    chosen = [line for line in done.stderr.splitlines() if "kex: client->server cipher:" in line]
    assert chosen, done.stderr[-2000:]
    cipher = chosen[0].split("cipher:")[1].split()[0]
    assert cipher.startswith("aes") and "chacha" not in chosen[0]
    assert Upload.objects.get(client=client_a).state == UploadState.COMPLETED
