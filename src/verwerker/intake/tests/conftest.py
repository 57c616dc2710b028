"""A real SFTP server on a free loopback port, in a thread of its own, for the intake tests."""

from __future__ import annotations

import asyncio
import threading
from types import SimpleNamespace

import asyncssh
import pytest

from verwerker.audit.actors import Actor


@pytest.fixture
def sftp_server(transactional_db, tmp_path):
    from django.db import connections

    from verwerker.intake.sftpd import db, start_server, stop_server

    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    run = lambda coro, timeout=60: asyncio.run_coroutine_threadsafe(coro, loop).result(timeout)  # noqa: E731
    acceptor = run(start_server("127.0.0.1", 0, host_key_path=tmp_path / "keys" / "sftp-host-key"))
    try:
        yield SimpleNamespace(port=acceptor.get_port(), run=run, host_key=tmp_path / "keys" / "sftp-host-key")
    finally:
        run(stop_server(acceptor, grace=5))
        # The server's database thread keeps a connection; close it so the test database can go.
        run(db(connections.close_all))
        loop.call_soon_threadsafe(loop.stop)
        thread.join(10)
        loop.close()


@pytest.fixture
def issue():
    """Issue the SFTP account of a client; returns (account, password)."""
    from verwerker.intake.actions import do_issue_sftp_account

    def do(client, **kwargs):
        return do_issue_sftp_account(client, actor=Actor.system("test"), **kwargs)

    return do


@pytest.fixture
def client_key(tmp_path):
    """A fresh ed25519 key pair in tmp_path: (private key path, public key text)."""
    key = asyncssh.generate_private_key("ssh-ed25519")
    path = tmp_path / "id_ed25519"
    path.write_bytes(key.export_private_key("openssh"))
    path.chmod(0o600)
    public = key.export_public_key("openssh").decode()
    (tmp_path / "id_ed25519.pub").write_text(public)
    return path, public


def connect(port: int, username: str, *, password: str | None = None, key_path=None, **kwargs):
    """An asyncssh client connection to the test server (no known_hosts: the key is fresh per test)."""
    return asyncssh.connect(
        "127.0.0.1",
        port,
        username=username,
        password=password,
        client_keys=[str(key_path)] if key_path else None,
        known_hosts=None,
        agent_path=None,
        preferred_auth="publickey" if key_path else "password",
        **kwargs,
    )
