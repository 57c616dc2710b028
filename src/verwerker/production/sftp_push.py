"""Push a job's print parts to a subprocessor over SFTP (P21, P22: the checks are in actions/delivering.py).

Threat model. The job leaves the house here, so: a man in the middle or a re-pointed DNS name must
not receive it (the host key is pinned by type and SHA256 fingerprint; an unknown or different key
ends the connection before authentication), the receiver must not pick up half a file (each part is
written as ``NAME.partial`` and renamed when complete), and no plaintext may land on our own disk
(the vault's decrypting reader is streamed straight into the SSH channel). Credentials are read from
the file the subprocessor's record names, at push time, and never logged or audited. Nothing from
the user's ~/.ssh (config, keys, agent, known_hosts) is used.

Invariants: a part is visible under its final name only when all its bytes were written; a failed
push removes the ``.partial`` it was writing (best effort) and raises PushError with one line.

Transactions: none here. The caller opens readers (ORM) between pushes; this module runs its own
private event loop only while talking to the server, so Django's ORM is never called from a running
loop.
"""

from __future__ import annotations

import asyncio
import posixpath
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import asyncssh

from verwerker.lib.hostkey import parse_host_key_pin, signature_algorithms

CONNECT_TIMEOUT = 30
_GCM = ["aes128-gcm@openssh.com", "aes256-gcm@openssh.com"]


class PushError(Exception):
    """The push did not complete; ``str(exc)`` is one line without any secret."""


@dataclass(frozen=True)
class Target:
    host: str
    port: int
    username: str
    directory: str
    host_key: str  # "TYPE SHA256:..."
    key_file: str = ""
    password_file: str = ""

    @classmethod
    def of(cls, sub) -> Target:
        return cls(sub.sftp_host, sub.sftp_port, sub.sftp_username, sub.sftp_directory, sub.sftp_host_key,
                   sub.sftp_key_file, sub.sftp_password_file)

    def path(self, name: str) -> str:
        return posixpath.join(self.directory, name) if self.directory else name


class _PinnedClient(asyncssh.SSHClient):
    """Trusts exactly the pinned fingerprint; asyncssh asks here because no key is otherwise trusted."""

    def __init__(self, fingerprint: str):
        self.fingerprint = fingerprint
        self.seen = ""

    def validate_host_public_key(self, host, addr, port, key) -> bool:
        self.seen = key.get_fingerprint("sha256")
        return self.seen == self.fingerprint


class Pusher:
    """One SFTP session to a target, driven from synchronous code: ``with Pusher(t) as p: p.put(...)``."""

    def __init__(self, target: Target):
        self.target = target
        self.loop = asyncio.new_event_loop()
        self.conn = None
        self.sftp = None
        self.client: _PinnedClient | None = None

    def _run(self, coro):
        return self.loop.run_until_complete(coro)

    def __enter__(self) -> Pusher:
        try:
            self._run(self._connect())
        except BaseException:
            self.close()
            raise
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    async def _connect(self) -> None:
        t = self.target
        key_type, fingerprint = parse_host_key_pin(t.host_key)
        password = None
        try:
            if t.password_file:
                password = Path(t.password_file).read_text(encoding="utf-8").strip("\r\n")
            keys = [asyncssh.read_private_key(t.key_file)] if t.key_file else None
        except (OSError, asyncssh.KeyImportError, UnicodeDecodeError) as exc:
            which = "private key file" if t.key_file else "password file"
            raise PushError(f"the {which} for {t.host} cannot be read ({type(exc).__name__})") from None
        self.client = _PinnedClient(fingerprint)
        try:
            self.conn, _ = await asyncssh.create_connection(  # type: ignore[assignment]
                lambda: self.client, t.host, t.port, username=t.username, password=password, client_keys=keys,  # type: ignore[arg-type, return-value]
                known_hosts=([], [], []), server_host_key_algs=signature_algorithms(key_type),
                encryption_algs=_GCM + [a.decode() for a in asyncssh.encryption.get_default_encryption_algs()
                                        if a.decode() not in _GCM],
                agent_path=None, config=None, connect_timeout=CONNECT_TIMEOUT,
                preferred_auth="publickey" if keys else "password",
            )
            self.sftp = await self.conn.start_sftp_client()  # type: ignore[attr-defined]
        except asyncssh.HostKeyNotVerifiable:
            seen = self.client.seen or "a key of another type"
            raise PushError(f"the host key of {t.host} is not the pinned one ({seen} instead of "
                            f"{fingerprint}): refused") from None
        except asyncssh.PermissionDenied:
            raise PushError(f"{t.username}@{t.host} refused the login") from None
        except (TimeoutError, OSError, asyncssh.Error) as exc:
            raise PushError(f"cannot reach {t.host}:{t.port} ({_reason(exc)})") from None

    def put(self, name: str, chunks: Iterable[bytes]) -> int:
        """Write ``chunks`` to ``NAME.partial`` and rename it to NAME; returns the bytes written."""
        try:
            return self._run(self._put(name, chunks))
        except PushError:
            raise
        except (TimeoutError, OSError, asyncssh.Error) as exc:
            raise PushError(f"writing {name} to {self.target.host} failed ({_reason(exc)})") from None

    async def _put(self, name: str, chunks: Iterable[bytes]) -> int:
        final, partial = self.target.path(name), self.target.path(f"{name}.partial")
        written = 0
        try:
            async with self.sftp.open(partial, "wb") as remote:  # type: ignore[attr-defined]
                for chunk in chunks:
                    await remote.write(chunk, written)
                    written += len(chunk)
            try:  # replaces an earlier copy atomically (a rerun after a broken push)
                await self.sftp.posix_rename(partial, final)  # type: ignore[attr-defined]
            except asyncssh.SFTPOpUnsupported:
                if await self.sftp.exists(final):  # type: ignore[attr-defined]
                    await self.sftp.remove(final)  # type: ignore[attr-defined]
                await self.sftp.rename(partial, final)  # type: ignore[attr-defined]
        except BaseException:
            try:
                await self.sftp.remove(partial)  # type: ignore[attr-defined]
            except (OSError, asyncssh.Error):
                pass
            raise
        return written

    def remove(self, names: Iterable[str]) -> None:
        """Remove files this session pushed (best effort: after a refused step)."""

        async def go():
            for name in names:
                try:
                    await self.sftp.remove(self.target.path(name))  # type: ignore[attr-defined]
                except (OSError, asyncssh.Error):
                    pass

        self._run(go())

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()
            try:
                self.loop.run_until_complete(asyncio.wait_for(self.conn.wait_closed(), 10))
            except (TimeoutError, OSError, asyncssh.Error):
                pass
            self.conn = None
        if not self.loop.is_closed():
            self.loop.close()


def _reason(exc: BaseException) -> str:
    text = " ".join(str(exc).split())[:120]
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__

