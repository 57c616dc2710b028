"""The SFTP server: one account per client, a virtual home with ``upload/`` and ``outbox/``, uploads
streamed into the vault (P13, P14, P15).

Threat model. The server faces the internet. Expect password guessing (per address and spread
over addresses), stolen credentials of one client used to reach another client's files, path tricks
(``..``, absolute host paths, symlinks, odd bytes), attempts at shells, commands, port or agent
forwarding, uploads that are too big, of the wrong type, or cut off halfway, and a process killed
mid-upload.

Invariants.
- Nothing maps a client path onto the host filesystem: the home is virtual (``policy.resolve``).
  ``upload/`` is write-only, ``outbox/`` read-only; every other operation (mkdir, rename, remove,
  links, setstat outside an upload) is refused with an SFTP error and audited.
- An account sees only its own client's files: every query is keyed on the account's client id,
  fixed at login.
- Plaintext bytes go from the SSH channel into the vault writer, which encrypts before writing.
  Nothing else writes them anywhere. Out-of-order writes wait in a bounded window in memory.
- An upload becomes a data file only on the client's CLOSE request with no holes
  (``ClientHome.close_requested``); an upload still open when the session ends (cut connection,
  client crash, server stop; ``ClientHome.close``) is shredded.
- Only SFTP: no shell, no exec (no scp), no port or agent or X11 forwarding. Ciphers: AES-GCM and
  AES-CTR, not ChaCha20-Poly1305. The client's order decides, and OpenSSH's puts ChaCha20 first, which
  asyncssh runs at a third of AES-GCM's speed (482 vs 1,522 MB/s per CPU-second for 32 KiB packets,
  measured here); without it an OpenSSH client with its defaults lands on aes128-ctr with
  umac-64-etm (1,396 MB/s), and every client we meet speaks AES-CTR or AES-GCM.
- Logins: bans target the attacker. Failures ban the address, and the pair (account, address); bans
  grow (actions.do_record_login_failure). Failures for one account from many addresses lock only its
  password logins, at a much higher count: key logins keep working, so a stranger cannot lock a
  client out. Accounts work only while the client's agreement is in force (P09) and from allowed
  networks.
- Protocol: asyncssh's SFTP handler with two changes (SessionHandler): trailing bytes in a request
  are skipped as OpenSSH's sftp-server does, and a CLOSE request is told from the end of a session
  by the handler that received it, not by guessing.

Transactions. The event loop never touches the database: ORM work runs in one worker thread
(``sync_to_async``), vault encryption of buffered data in the default executor, one batch at a time per
upload while the next one collects (``UploadFile``); a batch that fails to reach the vault ends the upload
(shredded, never completed). Each action is its own transaction; no transaction spans network waits.

Speed (issue 23): the event loop's thread decides an upload's speed; ``ssh_speed`` removes two costs
asyncssh spends there (copies of its input buffer, a UMAC key setup per packet), the vault's work runs
beside it, and quota is reserved 16 MiB ahead (``streaming.RESERVE_AHEAD``) on a kept SQLite connection.

Keep the protocol handler thin: decisions live in ``policy`` (pure), ``queries`` and ``actions``.
"""

from __future__ import annotations

import asyncio
import logging
import os
import stat as stat_mod
import time
from pathlib import Path

import asyncssh
from asgiref.sync import sync_to_async
from asyncssh.packet import SSHPacket
from asyncssh.sftp import FXP_CLOSE, SFTPServerHandler
from asyncssh.stream import SSHReader, SSHServerStreamSession, SSHWriter
from django.db import close_old_connections
from django.db import connection as db_connection

from verwerker.intake import actions, policy, queries, ssh_speed
from verwerker.intake.models import BanScope, UploadChannel
from verwerker.lib.keys import ensure_private_dir
from verwerker.vault.actions import read_blob_bytes
from verwerker.vault.models import ReadPurpose

log = logging.getLogger("verwerker.sftpd")

# Out-of-order writes are held in memory up to this much per open file, then refused.
REORDER_WINDOW = 16 * 1024 * 1024
# Contiguous data is handed to the vault writer in pieces of about this size (one thread hop each).
FLUSH_BYTES = 1024 * 1024
# Outbox files (reports, certificates) are served from memory; larger ones are refused.
OUTBOX_MAX_BYTES = 64 * 1024 * 1024

# SFTP protocol version 3, the one OpenSSH speaks and every client we meet expects.
SFTP_VERSION = 3

_GCM = [b"aes128-gcm@openssh.com", b"aes256-gcm@openssh.com"]
_SLOW = {b"chacha20-poly1305@openssh.com"}  # asyncssh's ChaCha20-Poly1305: a third of AES-GCM's speed
ENCRYPTION_ALGS = [a.decode() for a in _GCM] + [
    a.decode() for a in asyncssh.encryption.get_default_encryption_algs() if a not in _GCM and a not in _SLOW
]
# Flow control: the client may have this much unacknowledged data in flight (asyncssh's default is 2 MiB,
# exactly what OpenSSH's sftp keeps in flight: 64 requests of 32 KiB, so it stalls on every window
# adjust), and packets up to this size (OpenSSH sends 32 KiB writes; other clients send larger).
CHANNEL_WINDOW = 16 * 1024 * 1024
MAX_PACKET = 256 * 1024


def _write_pieces(stream, pieces: list[bytes]) -> None:
    """Encrypt pieces into the upload's blob, in order (on a worker thread; no database work)."""
    for piece in pieces:
        stream.write(piece)


def _call_db(fn, *args, **kwargs):
    # PostgreSQL: drop a connection that is past its age or broken (CONN_MAX_AGE), as Django's request cycle
    # does. SQLite: keep this thread's one connection. Reopening it for every call cost 3 ms of CPU and 5 ms
    # of waiting (Django registers its SQL functions, the PRAGMAs run, closing checkpoints the WAL), 35 times
    # in a 512 MiB upload while the upload waited; a file does not go away under us as a server can.
    if db_connection.vendor != "sqlite":
        close_old_connections()
    return fn(*args, **kwargs)


async def db(fn, *args, **kwargs):
    """Run a blocking ORM function off the event loop, in the one database thread."""
    return await sync_to_async(_call_db, thread_sensitive=True)(fn, *args, **kwargs)


# --- host key ---------------------------------------------------------------------------------------


def load_host_key(path: Path) -> asyncssh.SSHKey:
    """The server's host key; generated (ed25519, mode 0600, never overwritten) when missing."""
    path = Path(path)
    ensure_private_dir(path.parent)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return asyncssh.read_private_key(str(path))
    key = asyncssh.generate_private_key("ssh-ed25519", comment="verwerker sftpd")
    with os.fdopen(fd, "wb") as fh:
        fh.write(key.export_private_key("openssh"))
    return key


# --- connections and login --------------------------------------------------------------------------


class SshConnection(asyncssh.SSHServer):
    """One client connection: decides logins. One instance per connection."""

    live: set[SshConnection] = set()

    def __init__(self):
        self.conn = None
        self.address = ""
        self.account = None
        self.keys: list[bytes] = []
        self.refused = False
        self.password_locked = False
        self.method = ""
        self._tasks: set[asyncio.Task] = set()

    def connection_made(self, conn) -> None:
        self.conn = conn
        ssh_speed.feed_in_pieces(conn)
        peer = conn.get_extra_info("peername")
        self.address = peer[0] if peer else ""
        SshConnection.live.add(self)

    def connection_lost(self, exc) -> None:
        SshConnection.live.discard(self)

    async def begin_auth(self, username: str) -> bool:
        self.account = await db(queries.get_account_by_username, username)
        reason = await db(queries.login_refusal, self.account, self.address)
        if reason:
            self.refused = True
            await db(actions.do_refuse_login, self.account, address=self.address, reason=reason)
        elif self.account is not None:
            self.password_locked = await db(queries.password_locked, self.account)
            self.keys = []
            for line in self.account.key_lines:
                try:
                    self.keys.append(asyncssh.import_public_key(line).public_data)
                except (asyncssh.KeyImportError, ValueError):
                    log.warning("sftp account %s has an unreadable public key line", self.account.pk)
        return True

    def password_auth_supported(self) -> bool:
        return not self.refused and not self.password_locked

    def public_key_auth_supported(self) -> bool:
        return not self.refused

    async def validate_password(self, username: str, password: str) -> bool:
        if self.refused or self.password_locked:
            return False
        if await asyncio.to_thread(queries.password_matches, self.account, password):
            self.method = "password"
            return True
        bans = await db(actions.do_record_login_failure, address=self.address, account=self.account, method="password")
        for ban in bans:
            if ban.scope == BanScope.ACCOUNT:
                self.password_locked = True
            else:
                self.refused = True
        return False

    def validate_public_key(self, username: str, key: asyncssh.SSHKey) -> bool:
        # Called for the client's offer and again after its signature checks out; an unknown key is
        # not counted as a failure (clients offer every key they hold, and keys cannot be guessed).
        if self.refused or self.account is None:
            return False
        if key.public_data in self.keys:
            self.method = "publickey"
            return True
        return False

    def session_requested(self):
        # Sessions run only SFTP, through SessionHandler (see there); no shell, exec or scp.
        return SftpSession()

    def auth_completed(self) -> None:
        task = asyncio.get_running_loop().create_task(
            db(actions.do_record_login, self.account, address=self.address, method=self.method)
        )
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)


# --- the virtual home -------------------------------------------------------------------------------


def _dir_attrs(mode: int) -> asyncssh.SFTPAttrs:
    now = int(time.time())
    return asyncssh.SFTPAttrs(
        type=asyncssh.FILEXFER_TYPE_DIRECTORY, permissions=stat_mod.S_IFDIR | mode, size=0, atime=now, mtime=now
    )


def _file_attrs(mode: int, size: int, when) -> asyncssh.SFTPAttrs:
    ts = int(when.timestamp()) if when else int(time.time())
    return asyncssh.SFTPAttrs(
        type=asyncssh.FILEXFER_TYPE_REGULAR, permissions=stat_mod.S_IFREG | mode, size=size, atime=ts, mtime=ts
    )


class UploadFile:
    """An open upload handle: a reorder window in front of the vault-bound stream.

    Contiguous pieces collect in ``pieces`` until FLUSH_BYTES, then go to the vault as one batch on a
    worker thread (``writing``) while the next batch collects: at most two batches are in memory, and the
    event loop waits for the vault only when the next batch is ready before the last one is written.
    """

    def __init__(self, stream):
        self.stream = stream
        self.buffer = policy.ReorderBuffer(REORDER_WINDOW)
        self.pieces: list[bytes] = []
        self.piece_bytes = 0
        self.writing: asyncio.Future | None = None
        self.failed: Exception | None = None  # a refusal or a vault error: every later request fails


class OutboxHandle:
    def __init__(self, item, data: bytes):
        self.item = item
        self.data = data
        self.sent = 0


class ClientHome(asyncssh.SFTPServer):
    """The SFTP session of one logged-in account: ``/upload`` (write-only) and ``/outbox`` (read-only)."""

    def __init__(self, chan):
        super().__init__(chan)
        owner: SshConnection = chan.get_connection().get_owner()
        self.account = owner.account
        self.client_id = owner.account.client_id  # type: ignore[union-attr]
        self.address = owner.address
        self.actor = actions.sftp_actor(owner.account, owner.address)  # type: ignore[arg-type]

    async def _refuse(self, operation: str, reason: str, message: str, error=asyncssh.SFTPPermissionDenied):
        await db(actions.do_refuse_operation, self.actor, operation=operation, reason=reason)
        raise error(message)

    async def _resolve(self, path: bytes, operation: str) -> policy.Location:  # type: ignore[return]
        try:
            return policy.resolve(path)
        except policy.Refusal as refusal:
            await self._refuse(operation, refusal.reason, str(refusal), asyncssh.SFTPNoSuchFile)

    # reading the tree

    async def realpath(self, path: bytes) -> bytes:  # type: ignore[return]
        try:
            return policy.normalise_path(path).encode()
        except policy.Refusal as refusal:
            await self._refuse("realpath", refusal.reason, str(refusal), asyncssh.SFTPNoSuchFile)

    async def stat(self, path: bytes) -> asyncssh.SFTPAttrs:
        loc = await self._resolve(path, "stat")
        return await self._attrs(loc)

    async def lstat(self, path: bytes) -> asyncssh.SFTPAttrs:
        return await self.stat(path)

    async def _attrs(self, loc: policy.Location) -> asyncssh.SFTPAttrs:
        if loc.kind is policy.Kind.ROOT:
            return _dir_attrs(0o500)
        if loc.kind is policy.Kind.UPLOAD_DIR:
            return _dir_attrs(0o300)
        if loc.kind is policy.Kind.OUTBOX_DIR:
            return _dir_attrs(0o500)
        if loc.kind is policy.Kind.UPLOAD_FILE:
            upload = await db(lambda: queries.list_live_uploads(self.client_id).filter(name=loc.name).first())
            if upload is not None:
                return _file_attrs(0o200, upload.size, upload.finished_at)
        else:
            item = await db(queries.get_outbox_file, self.client_id, loc.name)
            if item is not None:
                return _file_attrs(0o400, item.blob.size or 0, item.created_at)
        raise asyncssh.SFTPNoSuchFile("no such file")

    async def scandir(self, path: bytes):
        loc = await self._resolve(path, "list")
        if not loc.is_dir:
            raise asyncssh.SFTPNotADirectory("not a directory")
        yield asyncssh.SFTPName(b".", attrs=await self._attrs(loc))
        yield asyncssh.SFTPName(b"..", attrs=_dir_attrs(0o500))
        if loc.kind is policy.Kind.ROOT:
            yield asyncssh.SFTPName(policy.UPLOAD_DIR.encode(), attrs=_dir_attrs(0o300))
            yield asyncssh.SFTPName(policy.OUTBOX_DIR.encode(), attrs=_dir_attrs(0o500))
        elif loc.kind is policy.Kind.UPLOAD_DIR:
            uploads = await db(lambda: list(queries.list_live_uploads(self.client_id)[:1000]))
            seen = set()
            for u in uploads:
                if u.name not in seen:
                    seen.add(u.name)
                    yield asyncssh.SFTPName(u.name.encode(), attrs=_file_attrs(0o200, u.size, u.finished_at))
        else:
            items = await db(lambda: list(queries.list_outbox(self.client_id)))
            for item in items:
                yield asyncssh.SFTPName(
                    item.name.encode(), attrs=_file_attrs(0o400, item.blob.size or 0, item.created_at)
                )

    # files

    async def open(self, path: bytes, pflags: int, attrs: asyncssh.SFTPAttrs):
        loc = await self._resolve(path, "open")
        writing = bool(pflags & (asyncssh.FXF_WRITE | asyncssh.FXF_APPEND | asyncssh.FXF_CREAT | asyncssh.FXF_TRUNC))
        reading = bool(pflags & asyncssh.FXF_READ) or not writing
        if loc.kind is policy.Kind.UPLOAD_FILE and writing and not reading:
            if pflags & asyncssh.FXF_APPEND:
                await self._refuse("open", "append", "appending is not supported; upload the whole file")
            return await self._start_upload(loc.name)
        if loc.kind is policy.Kind.OUTBOX_FILE and reading and not writing:
            return await self._open_outbox(loc.name)
        where = "upload/ is write-only" if loc.kind is policy.Kind.UPLOAD_FILE else (
            "outbox/ is read-only" if loc.kind is policy.Kind.OUTBOX_FILE else "not a file"
        )
        await self._refuse("open", "mode", f"not allowed: {where}")

    async def _start_upload(self, name: str) -> UploadFile:
        from verwerker.intake.streaming import UploadStream  # local: same layer or upward, a cycle at the top

        def start():
            return UploadStream.start(
                self.account.client,  # type: ignore[union-attr]
                channel=UploadChannel.SFTP,
                name=name,
                actor=self.actor,
                account=self.account,
                source_ip=self.address,
            )

        try:
            return UploadFile(await db(start))
        except policy.Refusal as refusal:
            raise asyncssh.SFTPPermissionDenied(str(refusal)) from None

    async def _open_outbox(self, name: str) -> OutboxHandle:
        def load():
            item = queries.get_outbox_file(self.client_id, name)
            if item is None:
                return None, b""
            if (item.blob.size or 0) > OUTBOX_MAX_BYTES:
                raise asyncssh.SFTPFailure("file too large to serve")
            return item, read_blob_bytes(item.blob, actor=self.actor, purpose=ReadPurpose.OUTBOX_DOWNLOAD)

        item, data = await db(load)
        if item is None:
            raise asyncssh.SFTPNoSuchFile("no such file")
        return OutboxHandle(item, data)

    async def read(self, file_obj, offset: int, size: int) -> bytes:
        if not isinstance(file_obj, OutboxHandle):
            await self._refuse("read", "write_only", "upload/ is write-only")
        chunk = file_obj.data[offset : offset + size]
        file_obj.sent = max(file_obj.sent, offset + len(chunk))
        return chunk

    async def write(self, file_obj, offset: int, data: bytes) -> int:
        if not isinstance(file_obj, UploadFile):
            await self._refuse("write", "read_only", "outbox/ is read-only")
        if file_obj.failed is not None:
            raise asyncssh.SFTPFailure(str(file_obj.failed))
        try:
            # Limits first, on the furthest byte this write reaches: refused at the first byte too many.
            file_obj.stream.check(offset + len(data))
            pieces = file_obj.buffer.add(offset, data)
        except policy.Refusal as refusal:
            file_obj.failed = refusal
            await db(file_obj.stream.refuse, refusal.reason)
            raise asyncssh.SFTPFailure(str(refusal)) from None
        for piece in pieces:
            file_obj.pieces.append(piece)
            file_obj.piece_bytes += len(piece)
        if file_obj.piece_bytes >= FLUSH_BYTES:
            await self._flush(file_obj)
        return len(data)

    async def _flush(self, file_obj: UploadFile) -> None:
        """Hand the collected pieces to the vault; first wait for the batch before them (so the stream's
        size is current and its writes stay in order)."""
        await self._vault_written(file_obj)
        if file_obj.pieces:
            pieces, size = file_obj.pieces, file_obj.piece_bytes
            file_obj.pieces, file_obj.piece_bytes = [], 0
            try:
                # Quota first, in the database thread; then the encryption, which needs no database.
                if not file_obj.stream.is_reserved(size):
                    await db(file_obj.stream.reserve, size)
            except policy.Refusal as refusal:  # the stream refused (and shredded) the upload already
                file_obj.failed = refusal
                raise asyncssh.SFTPFailure(str(refusal)) from None
            file_obj.writing = asyncio.get_running_loop().run_in_executor(None, _write_pieces, file_obj.stream, pieces)

    async def _vault_written(self, file_obj: UploadFile) -> None:
        """Wait until the batch on its way to the vault is written. Raises SFTPFailure if it was refused."""
        writing, file_obj.writing = file_obj.writing, None
        if writing is not None:
            try:
                await writing
            except policy.Refusal as refusal:  # the stream refused (and shredded) the upload already
                file_obj.failed = refusal
                raise asyncssh.SFTPFailure(str(refusal)) from None
            except Exception as exc:  # the disk, say: the blob may lack a batch, so it is never completed
                log.exception("sftp upload %s: writing to the vault failed", file_obj.stream.upload.pk)
                file_obj.failed = asyncssh.SFTPFailure("the upload could not be stored; please try again")
                await db(file_obj.stream.abort, "error")
                raise file_obj.failed from exc

    async def close_requested(self, file_obj) -> None:
        """The client's CLOSE request (SessionHandler): the only way an upload completes."""
        await self._close(file_obj, complete=True)

    async def close(self, file_obj) -> None:
        # asyncssh calls close() for every handle still open when a session ends (cut connection,
        # client crash, server stop): an upload left open then is shredded, never completed.
        await self._close(file_obj, complete=False)

    async def _close(self, file_obj, *, complete: bool) -> None:
        if isinstance(file_obj, OutboxHandle):
            await db(actions.do_record_outbox_download, file_obj.item, actor=self.actor, size=file_obj.sent)
            return
        if not isinstance(file_obj, UploadFile):
            return
        if not complete or not file_obj.buffer.complete():
            if file_obj.writing is not None:  # let a batch on its way land before the blob is shredded
                await asyncio.gather(file_obj.writing, return_exceptions=True)
                file_obj.writing = None
            if file_obj.stream.done:
                return
            await db(file_obj.stream.abort, "incomplete" if complete else "connection_ended")
            if complete:
                raise asyncssh.SFTPFailure("upload incomplete: parts of the file never arrived; it was discarded")
            return
        if file_obj.stream.done and file_obj.writing is None:  # refused or failed, and told so already
            return
        try:
            await self._flush(file_obj)  # the batch before lands, the rest goes
            await self._vault_written(file_obj)
            await db(file_obj.stream.finish)
        except asyncssh.SFTPError:
            raise
        except Exception as exc:
            log.exception("sftp upload %s could not be completed", file_obj.stream.upload.pk)
            await db(file_obj.stream.abort, "error")
            raise asyncssh.SFTPFailure("the upload could not be stored; please try again") from exc

    async def fstat(self, file_obj) -> asyncssh.SFTPAttrs:
        if isinstance(file_obj, UploadFile):
            return _file_attrs(0o200, file_obj.buffer.end, None)
        return _file_attrs(0o400, len(file_obj.data), file_obj.item.created_at)

    def fsetstat(self, file_obj, attrs) -> None:
        # Clients set times and modes after an upload; nothing to set on a vault blob, and refusing
        # would make them report an error for a file that arrived fine.
        return None

    async def setstat(self, path: bytes, attrs) -> None:
        loc = await self._resolve(path, "setstat")
        if loc.kind is not policy.Kind.UPLOAD_FILE:
            await self._refuse("setstat", "forbidden", "not allowed")

    # everything else is refused

    async def remove(self, path: bytes) -> None:
        await self._refuse("remove", "forbidden", "removing files is not allowed")

    async def rename(self, oldpath: bytes, newpath: bytes) -> None:
        await self._refuse("rename", "forbidden", "renaming is not allowed")

    async def posix_rename(self, oldpath: bytes, newpath: bytes) -> None:
        await self._refuse("rename", "forbidden", "renaming is not allowed")

    async def mkdir(self, path: bytes, attrs) -> None:
        await self._refuse("mkdir", "forbidden", "creating directories is not allowed")

    async def rmdir(self, path: bytes) -> None:
        await self._refuse("rmdir", "forbidden", "removing directories is not allowed")

    async def readlink(self, path: bytes) -> bytes:  # type: ignore[return]
        await self._refuse("readlink", "symlink", "there are no links here", asyncssh.SFTPNoSuchFile)

    async def symlink(self, oldpath: bytes, newpath: bytes) -> None:
        await self._refuse("symlink", "symlink", "links are not allowed")

    async def link(self, oldpath: bytes, newpath: bytes) -> None:
        await self._refuse("link", "symlink", "links are not allowed")

    async def lsetstat(self, path: bytes, attrs) -> None:
        await self._refuse("setstat", "forbidden", "not allowed")

    def statvfs(self, path: bytes):
        raise asyncssh.SFTPOpUnsupported("not supported")

    def fstatvfs(self, file_obj):
        raise asyncssh.SFTPOpUnsupported("not supported")


# --- the SFTP protocol handler ------------------------------------------------------------------------


class _LenientPacket(SSHPacket):
    """A request whose unread tail is skipped, not refused: OpenSSH's sftp-server ignores trailing bytes
    of a request, and clients written against it (rclone's SFTP backend, for one) send some."""

    def __init__(self, payload: bytes, on_trailing):
        super().__init__(payload)
        self._on_trailing = on_trailing

    def check_end(self) -> None:
        if self:
            self._on_trailing(len(self.get_remaining_payload()))


class SessionHandler(SFTPServerHandler):
    """asyncssh's SFTP server handler with two changes: trailing bytes in a request are tolerated (logged
    once per session), and a CLOSE request reaches ``ClientHome.close_requested`` while ``close`` stays
    what asyncssh calls for every handle left open at the end of a session.

    It reads asyncssh's handle tables (``_file_handles``, ``_dir_handles``): asyncssh is pinned, and an
    incompatible change fails loudly in the tests (no upload would complete), never silently."""

    def __init__(self, server: ClientHome, reader, writer, sftp_version: int):
        super().__init__(server, reader, writer, sftp_version)
        self._trailing_logged = False

    def _trailing(self, count: int) -> None:
        if not self._trailing_logged:
            self._trailing_logged = True
            log.info(
                "sftp client at %s sends %d trailing byte(s) in a request; skipped, as OpenSSH does (logged once per session)",  # noqa: E501
                self._server.address,  # type: ignore[attr-defined]
                count,
            )

    async def recv_packet(self) -> SSHPacket:
        packet = await super().recv_packet()
        return _LenientPacket(packet.get_remaining_payload(), self._trailing)

    async def _process_close_request(self, packet: SSHPacket) -> None:
        handle = packet.get_string()
        packet.check_end()
        file_obj = self._file_handles.pop(handle, None)
        if file_obj is not None:
            await self._server.close_requested(file_obj)  # type: ignore[attr-defined]
            return
        if self._dir_handles.pop(handle, None) is not None:
            return
        raise asyncssh.SFTPInvalidHandle("invalid file handle")

    _packet_handlers = {**SFTPServerHandler._packet_handlers, FXP_CLOSE: _process_close_request}  # type: ignore[dict-item]


class SftpSession(SSHServerStreamSession):
    """A session channel that runs only the SFTP subsystem, through ``SessionHandler``."""

    def __init__(self):
        super().__init__(None, ClientHome, SFTP_VERSION, False)

    def session_started(self) -> None:
        if self._chan.get_subsystem() != "sftp":  # type: ignore[union-attr]  # subsystem_requested allows nothing else
            self._chan.close()  # type: ignore[union-attr]
            return
        self._chan.set_encoding(None)  # type: ignore[union-attr]
        self._encoding = None
        reader = SSHReader(self, self._chan)  # type: ignore[arg-type]
        writer = SSHWriter(self, self._chan)  # type: ignore[arg-type]
        handler = SessionHandler(ClientHome(self._chan), reader, writer, self._sftp_version)
        self._conn.create_task(handler.run(), reader.logger)  # type: ignore[union-attr]


# --- the server ---------------------------------------------------------------------------------------


async def start_server(host: str, port: int, *, host_key_path: Path) -> asyncssh.SSHAcceptor:
    """Listen for SFTP clients on ``host:port`` (port 0: any free port; see ``acceptor.get_port()``)."""
    key = await asyncio.to_thread(load_host_key, host_key_path)
    ssh_speed.install()
    return await asyncssh.listen(
        host,
        port,
        server_factory=SshConnection,
        server_host_keys=[key],
        allow_scp=False,
        agent_forwarding=False,
        x11_forwarding=False,
        allow_pty=False,
        encryption_algs=ENCRYPTION_ALGS,
        window=CHANNEL_WINDOW,
        max_pktsize=MAX_PACKET,
        login_timeout=60,
        keepalive_interval=60,
        keepalive_count_max=5,
    )


async def stop_server(acceptor: asyncssh.SSHAcceptor, *, grace: float = 10.0) -> None:
    """Stop listening, end every session (their open uploads are shredded), and wait for that."""
    acceptor.close()
    await acceptor.wait_closed()
    for connection in list(SshConnection.live):
        if connection.conn is not None:
            connection.conn.close()
    deadline = time.monotonic() + grace
    while SshConnection.live and time.monotonic() < deadline:
        await asyncio.sleep(0.05)
    # Let the sessions' cleanup (aborting uploads) finish.
    pending = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
    if pending:
        await asyncio.wait(pending, timeout=max(0.1, deadline - time.monotonic()))
