"""The API upload: the request body streamed into the vault through intake's UploadStream, the part
the SFTP server and the web upload share (same limits, same audit events, same shredding of a partial
file). The body is read in 1 MiB pieces straight from the socket; nothing is spooled.

The client states the length (``Content-Length``, required, checked against the limits before a byte is
read) and the SHA-256 of the file (``Content-SHA256: <hex>`` or ``Digest: sha-256=<base64>``): a file whose
bytes do not match is refused and shredded, so a truncated or corrupted transfer never becomes a data file.
The file's hash is the one the vault takes anyway, beside the encryption (UploadStream.sha256), not a second.
"""

from __future__ import annotations

import base64
import binascii
import re

from django.conf import settings
from django.utils.translation import gettext as _

from verwerker.api.problems import ApiProblem
from verwerker.intake import policy
from verwerker.intake.models import UploadChannel

CHUNK = 1024 * 1024
HEX64 = re.compile(r"^[0-9a-fA-F]{64}$")


def declared_sha256(meta) -> str:
    """The checksum the client sent, as lower-case hex; raises ApiProblem when none or malformed."""
    given = meta.get("HTTP_CONTENT_SHA256", "").strip()
    if given:
        if not HEX64.match(given):
            raise ApiProblem(400, _("Content-SHA256 must be 64 hexadecimal digits."), "bad_checksum_header")
        return given.lower()
    digest = meta.get("HTTP_DIGEST", "").strip()
    for part in digest.split(","):
        algo, _sep, value = part.strip().partition("=")
        if algo.lower() == "sha-256":
            try:
                raw = base64.b64decode(value, validate=True)
            except (binascii.Error, ValueError):
                raw = b""
            if len(raw) != 32:
                raise ApiProblem(400, _("Digest sha-256 must be the base64 of 32 bytes."), "bad_checksum_header")
            return raw.hex()
    raise ApiProblem(
        428,
        _("Send the file's SHA-256 in a Content-SHA256 (hex) or Digest (sha-256=base64) header."),
        "checksum_required",
    )


def declared_length(meta) -> int:
    raw = meta.get("CONTENT_LENGTH", "")
    if not raw or not raw.isdigit():
        raise ApiProblem(
            411, _("Send the file's length in a Content-Length header (no chunked uploads)."), "length_required"
        )
    length = int(raw)
    if length > settings.UPLOAD_MAX_MB * 1024 * 1024:
        raise ApiProblem(
            413, _("The file exceeds the maximum size of %(mb)s MiB.") % {"mb": settings.UPLOAD_MAX_MB}, "too_large"
        )
    return length


def receive(request, principal, *, name: str, length: int, sha256: str):
    """Stream ``length`` bytes of the request into a new upload; returns the completed Upload.
    Raises ApiProblem (the upload refused or aborted, its partial ciphertext shredded)."""
    from verwerker.intake.streaming import UploadStream  # local: same layer or upward, a cycle at the top

    try:
        stream = UploadStream.start(
            principal.client, channel=UploadChannel.API, name=name, actor=principal.actor, source_ip=principal.ip
        )
    except policy.Refusal as refusal:
        raise ApiProblem(
            413 if refusal.reason in ("too_large", "quota") else 422, str(refusal), refusal.reason
        ) from None
    left = length
    try:
        stream.check(length)
        while left:
            piece = request.read(min(CHUNK, left))
            if not piece:
                stream.abort("interrupted")
                raise ApiProblem(400, _("The body ended before Content-Length bytes arrived."), "incomplete")
            left -= len(piece)
            stream.write(piece)
        if stream.sha256() != sha256:  # the vault's hash of the plaintext, taken beside the encryption
            stream.refuse("checksum")
            raise ApiProblem(
                422, _("The file's SHA-256 does not match the checksum header; nothing was kept."), "checksum_mismatch"
            )
        return stream.finish()
    except policy.Refusal as refusal:
        stream.refuse(refusal.reason)
        raise ApiProblem(
            413 if refusal.reason in ("too_large", "quota") else 422, str(refusal), refusal.reason
        ) from None
    except ApiProblem:
        raise
    except BaseException:
        stream.abort("interrupted")
        raise
