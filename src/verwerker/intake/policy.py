"""Intake rules as plain functions (no ORM, no sockets): paths in the virtual home, file names,
limits, ban periods, network allow-lists, and the reorder window for out-of-order SFTP writes.

The SFTP server and the web upload both ask these, so one rule holds for both channels; tests call
them directly.
"""

from __future__ import annotations

import datetime as dt
import enum
import ipaddress
import posixpath
from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

UPLOAD_DIR = "upload"
OUTBOX_DIR = "outbox"
MAX_NAME_LENGTH = 200


class Refusal(Exception):
    """A request the intake refuses; ``reason`` is a short code for the audit log, the message is for the user."""

    def __init__(self, reason: str, message: str | Promise):
        super().__init__(message)
        self.reason = reason


class Kind(enum.Enum):
    ROOT = "root"
    UPLOAD_DIR = "upload_dir"
    OUTBOX_DIR = "outbox_dir"
    UPLOAD_FILE = "upload_file"
    OUTBOX_FILE = "outbox_file"


@dataclass(frozen=True)
class Location:
    kind: Kind
    path: str  # normalised absolute path inside the virtual home
    name: str = ""  # file name for the file kinds

    @property
    def is_dir(self) -> bool:
        return self.kind in (Kind.ROOT, Kind.UPLOAD_DIR, Kind.OUTBOX_DIR)


def normalise_path(raw: bytes | str, cwd: str = "/") -> str:
    """The absolute path ``raw`` names inside the virtual home (whose root is ``/``).

    Raises Refusal for undecodable names, NUL bytes, and any attempt to climb above the home: the
    home is a chroot, and ``..`` past its root is an attack, not a typo.
    """
    if isinstance(raw, bytes):
        try:
            raw = raw.decode("utf-8")
        except UnicodeDecodeError:
            raise Refusal("bad_encoding", _("path is not valid UTF-8")) from None
    if "\x00" in raw:
        raise Refusal("bad_path", _("path contains a NUL byte"))
    path = raw if raw.startswith("/") else posixpath.join(cwd, raw or ".")
    parts: list[str] = []
    for part in path.split("/"):
        if part in ("", "."):
            continue
        if part == "..":
            if not parts:
                raise Refusal("traversal", _("path leads outside your home directory"))
            parts.pop()
            continue
        parts.append(part)
    return "/" + "/".join(parts)


def resolve(raw: bytes | str) -> Location:
    """Map a client path onto the virtual home: ``/``, ``/upload``, ``/outbox`` and files directly in them.

    Raises Refusal("outside_home") for anything else (deeper paths, other top-level names, absolute
    paths of the host), and Refusal for bad names.
    """
    path = normalise_path(raw)
    parts = [p for p in path.split("/") if p]
    if not parts:
        return Location(Kind.ROOT, "/")
    top = parts[0]
    if top not in (UPLOAD_DIR, OUTBOX_DIR) or len(parts) > 2:
        raise Refusal("outside_home", _("no such place: your home holds only upload/ and outbox/"))
    if len(parts) == 1:
        return Location(Kind.UPLOAD_DIR if top == UPLOAD_DIR else Kind.OUTBOX_DIR, path)
    name = parts[1]
    check_name(name)
    return Location(Kind.UPLOAD_FILE if top == UPLOAD_DIR else Kind.OUTBOX_FILE, path, name)


def check_name(name: str) -> None:
    """Refuse file names that are hidden, over-long, or hold control characters or backslashes."""
    if not name or len(name) > MAX_NAME_LENGTH:
        raise Refusal("bad_name", format_lazy(_("file names must be 1 to {n} characters"), n=MAX_NAME_LENGTH))
    if name.startswith("."):
        raise Refusal("bad_name", _("hidden file names (starting with a dot) are not accepted"))
    if any(ord(c) < 32 or c in "\\\x7f" for c in name):
        raise Refusal("bad_name", _("file name contains a control character or backslash"))


def extension_of(name: str) -> str:
    _stem, dot, ext = name.rpartition(".")
    return ext.lower() if dot else ""


def check_upload_name(name: str, allowed: list[str]) -> str:
    """Check a name for upload; return its extension. Raises Refusal("extension") for a type not accepted."""
    check_name(name)
    ext = extension_of(name)
    if ext not in allowed:
        raise Refusal(
            "extension", format_lazy(_("files of type .{ext} are not accepted; allowed: {allowed}"),
                                     ext=ext or _("(none)"), allowed=", ".join(allowed))
        )
    return ext


def check_size(size: int, *, max_bytes: int, used_bytes: int, quota_bytes: int) -> None:
    """Refuse when a file grows past the maximum size or the client's quota."""
    if size > max_bytes:
        raise Refusal("too_large", format_lazy(_("file exceeds the maximum size of {n} MiB"),
                                                   n=max_bytes // (1024 * 1024)))
    if used_bytes + size > quota_bytes:
        raise Refusal("quota", format_lazy(_("upload quota of {n} MiB exceeded"), n=quota_bytes // (1024 * 1024)))


def ban_period(previous_bans: int, *, base: dt.timedelta, maximum: dt.timedelta) -> dt.timedelta:
    """How long the next ban lasts: the base period, doubled for every earlier ban, capped."""
    return min(base * (2 ** min(previous_bans, 30)), maximum)


def parse_networks(text: str) -> list[str]:
    """Parse an allow-list (CIDRs or addresses, comma- or line-separated) into normalised CIDRs.

    Raises ValueError naming the first entry that is not a network.
    """
    nets = []
    for item in text.replace(",", "\n").split():
        try:
            nets.append(str(ipaddress.ip_network(item.strip(), strict=False)))
        except ValueError:
            raise ValueError(f"{item!r} is not an IP address or network (CIDR)") from None
    return nets


def address_allowed(address: str, networks: list[str]) -> bool:
    """True if no allow-list is set or ``address`` lies in one of its networks."""
    if not networks:
        return True
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    if ip.version == 6 and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    return any(ip in ipaddress.ip_network(n) for n in networks)


class ReorderBuffer:
    """Turns SFTP writes at arbitrary offsets into one sequential stream, within a bounded window.

    SFTP clients keep several write requests in flight, and nothing in the protocol makes them arrive
    in order. Data at the next expected offset is released at once; data further on waits in memory,
    up to ``window`` bytes. Rewriting bytes already released is refused: they are encrypted already.
    """

    def __init__(self, window: int):
        self.window = window
        self.next_offset = 0
        self._pending: dict[int, bytes] = {}
        self._pending_bytes = 0

    @property
    def pending_bytes(self) -> int:
        return self._pending_bytes

    @property
    def end(self) -> int:
        """One past the highest byte received so far."""
        ends = [o + len(d) for o, d in self._pending.items()]
        return max([self.next_offset, *ends])

    def add(self, offset: int, data: bytes) -> list[bytes]:
        """Accept ``data`` at ``offset``; return the pieces now ready, in order. Raises Refusal."""
        if not data:
            return []
        if offset < self.next_offset:
            raise Refusal("rewrite", _("rewriting data already written is not supported; upload the file again"))
        if offset > self.next_offset:
            if offset in self._pending:
                raise Refusal("rewrite", _("the same offset was written twice"))
            if self._pending_bytes + len(data) > self.window:
                raise Refusal("out_of_order", _("writes arrived too far out of order"))
            self._pending[offset] = data
            self._pending_bytes += len(data)
            return []
        ready = [data]
        self.next_offset += len(data)
        while self.next_offset in self._pending:
            piece = self._pending.pop(self.next_offset)
            self._pending_bytes -= len(piece)
            ready.append(piece)
            self.next_offset += len(piece)
        if any(o < self.next_offset for o in self._pending):
            raise Refusal("rewrite", _("overlapping writes are not supported"))
        return ready

    def complete(self) -> bool:
        """True when nothing waits: the stream has no holes."""
        return not self._pending
