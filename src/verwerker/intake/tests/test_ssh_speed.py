"""The SFTP server's speed-ups of asyncssh (ssh_speed) and its pipelined hand-off to the vault: the same
tags, the same bytes, the same outcome when the disk fails. Real OpenSSH clients against the real server."""

from __future__ import annotations

import os
import resource
import shutil
import signal
import subprocess

import pytest
from asyncssh import mac as ssh_mac
from asyncssh.crypto.umac import umac64, umac128

from verwerker.audit.actors import Actor
from verwerker.intake import ssh_speed
from verwerker.intake.models import Upload, UploadState
from verwerker.vault.models import Blob, BlobState, ReadPurpose

SFTP = shutil.which("sftp")
READER = Actor.system("test reader")
SEQUENCES = [*range(0, 70), 2**31 - 1, 2**31, 2**32 - 2, 2**32 - 1]
SIZES = [0, 1, 15, 16, 17, 32, 33, 1023, 1024, 1025, 4096, 32768 + 28]


@pytest.mark.parametrize(("umac_alg", "size"), [(umac64, 8), (umac128, 16)])
def test_keyed_umac_gives_the_tags_asyncssh_gives_for_every_sequence_number(umac_alg, size):
    keyed = ssh_speed._keyed_umac_class()
    key = os.urandom(16)
    theirs, ours = ssh_mac._UMAC(key, size, umac_alg), keyed(key, size, umac_alg)
    for seq in SEQUENCES:
        for length in SIZES:
            packet = os.urandom(length)
            tag = theirs.sign(seq, packet)
            assert ours.sign(seq, packet) == tag, (seq, length)
            assert ours.verify(seq, packet, tag)
            assert not ours.verify(seq + 1, packet, tag)
            assert not ours.verify(seq, packet + b"x", tag)


def test_install_puts_the_keyed_umac_behind_every_umac_name_and_nothing_else():
    assert ssh_speed.install()
    for name in (b"umac-64-etm@openssh.com", b"umac-128-etm@openssh.com", b"umac-64@openssh.com"):
        assert type(ssh_mac.get_mac(name, os.urandom(16))).__name__ == "KeyedUMAC"
    assert type(ssh_mac.get_mac(b"hmac-sha2-256-etm@openssh.com", os.urandom(32))) is ssh_mac._HMAC


def test_input_reaches_asyncssh_whole_and_in_order_in_small_pieces():
    class Connection:  # asyncssh's side: records what its data_received is handed
        def __init__(self):
            self.calls = []

        def data_received(self, data, datatype=None):
            self.calls.append(bytes(data))

    conn = Connection()
    ssh_speed.feed_in_pieces(conn)
    reads = [os.urandom(n) for n in (5, ssh_speed.FEED_BYTES, 256 * 1024, 100_001, 1)]
    for data in reads:
        conn.data_received(data)
    assert b"".join(conn.calls) == b"".join(reads)
    assert max(len(c) for c in conn.calls) == ssh_speed.FEED_BYTES and len(conn.calls) == 2 + 8 + 4 + 1


def _openssh_put(port, username, key_path, tmp_path, *options) -> subprocess.CompletedProcess:
    cmd = [SFTP, "-P", str(port), "-i", str(key_path), "-o", "IdentitiesOnly=yes", "-o", "PasswordAuthentication=no",
           "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null", "-o", "LogLevel=DEBUG1", *options,
           "-b", "-", f"{username}@127.0.0.1"]
    return subprocess.run(cmd, input="put leden.csv upload/leden.csv\n", capture_output=True, text=True, timeout=120,
                          cwd=tmp_path)


def _rows(size: int) -> bytes:
    row = b"".join(f"Jansen {i};Dorpsstraat {i % 997};{1000 + i % 8999}AB;Aland\n".encode() for i in range(4000))
    return (row * (size // len(row) + 1))[:size]


@pytest.mark.slow
@pytest.mark.skipif(SFTP is None, reason="OpenSSH sftp client not installed (Debian openssh-client)")
@pytest.mark.parametrize("mac", ["umac-64-etm@openssh.com", "umac-128-etm@openssh.com", "umac-64@openssh.com",
                                 "hmac-sha2-256-etm@openssh.com"])
def test_openssh_uploads_many_batches_through_each_mac_and_the_vault_holds_the_same_bytes(
    sftp_server, client_a, issue, client_key, tmp_path, mac
):
    from verwerker.vault.actions import read_blob_bytes

    key_path, public = client_key
    account, _ = issue(client_a, public_key=public)
    data = _rows(7 * 1024 * 1024 + 12345)  # seven batches and a tail, written while the next ones arrive
    (tmp_path / "leden.csv").write_bytes(data)
    done = _openssh_put(sftp_server.port, account.username, key_path, tmp_path, "-c", "aes128-ctr", "-o", f"MACs={mac}")
    assert done.returncode == 0, done.stderr[-2000:]
    assert f"MAC: {mac}" in done.stderr
    upload = Upload.objects.get(client=client_a)
    assert upload.state == UploadState.COMPLETED and upload.size == len(data)
    assert read_blob_bytes(upload.blob, actor=READER, purpose=ReadPurpose.VERIFICATION) == data


@pytest.mark.slow
@pytest.mark.skipif(SFTP is None, reason="OpenSSH sftp client not installed (Debian openssh-client)")
def test_a_disk_that_fails_mid_upload_shreds_it_and_the_client_is_told(
    sftp_server, client_a, issue, client_key, tmp_path
):
    """GIVEN a process that may write no file past 3 MiB (RLIMIT_FSIZE: the kernel refuses the vault's write,
    as a full disk would) WHEN a 6 MiB upload arrives THEN the client gets an error, the upload is aborted
    and its blob shredded, never completed."""
    key_path, public = client_key
    account, _ = issue(client_a, public_key=public)
    (tmp_path / "leden.csv").write_bytes(_rows(6 * 1024 * 1024))
    limits = resource.getrlimit(resource.RLIMIT_FSIZE)
    previous = signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # EFBIG from write(), not a signal
    resource.setrlimit(resource.RLIMIT_FSIZE, (3 * 1024 * 1024, limits[1]))
    try:
        done = _openssh_put(sftp_server.port, account.username, key_path, tmp_path)
    finally:
        resource.setrlimit(resource.RLIMIT_FSIZE, limits)
        signal.signal(signal.SIGXFSZ, previous)
    assert done.returncode != 0
    upload = Upload.objects.get(client=client_a)
    assert upload.state == UploadState.ABORTED and upload.reason == "error"
    assert not Blob.objects.filter(state__in=[BlobState.WRITING, BlobState.STORED]).exists()
