"""Pinned SSH host keys, written the way people get them: ``ssh-keygen -lf`` output or ``TYPE SHA256:...``.

A push to a subprocessor trusts exactly one host key: its type (so the server must present that
kind of key) and its SHA256 fingerprint. Pure; no ORM.
"""

from __future__ import annotations

import re

KEY_TYPES = ("ssh-ed25519", "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384", "ecdsa-sha2-nistp521", "ssh-rsa")
_FINGERPRINT = re.compile(r"^SHA256:[A-Za-z0-9+/]{43}$")
_KEYGEN_TYPE = {"ED25519": "ssh-ed25519", "RSA": "ssh-rsa"}


def parse_host_key_pin(text: str) -> tuple[str, str]:
    """(key type, ``SHA256:...`` fingerprint) from ``ssh-ed25519 SHA256:...`` or ``ssh-keygen -lf``
    output (``256 SHA256:... comment (ED25519)``). Raises ValueError with a one-line reason."""
    tokens = text.split()
    fingerprints = [t for t in tokens if t.startswith("SHA256:")]
    if len(fingerprints) != 1 or not _FINGERPRINT.match(fingerprints[0]):
        raise ValueError("the host key must be given as its type and SHA256 fingerprint, e.g. ssh-ed25519 SHA256:...")
    key_type = next((t for t in tokens if t in KEY_TYPES), None)
    if key_type is None and tokens and tokens[-1].startswith("(") and tokens[-1].endswith(")"):
        name = tokens[-1][1:-1].upper()
        if name == "ECDSA" and tokens[0] in ("256", "384", "521"):
            key_type = f"ecdsa-sha2-nistp{tokens[0]}"
        else:
            key_type = _KEYGEN_TYPE.get(name)
    if key_type is None:
        raise ValueError(f"the host key's type is missing or unknown (one of {', '.join(KEY_TYPES)})")
    return key_type, fingerprints[0]


def format_host_key_pin(key_type: str, fingerprint: str) -> str:
    return f"{key_type} {fingerprint}"


def signature_algorithms(key_type: str) -> list[str]:
    """The host key algorithms to offer so the server must show a key of ``key_type``."""
    if key_type == "ssh-rsa":
        return ["rsa-sha2-512", "rsa-sha2-256"]
    return [key_type]
