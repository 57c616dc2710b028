"""API tokens and webhook signatures: pure functions, no ORM.

A token is ``vw_<prefix>_<secret>``: the prefix (8 hex digits) is public and finds the row; the secret
is 32 random bytes (base64url). Only SHA-256 of the whole token is stored, so a database copy does not
hold a usable token. Webhook bodies are signed as Stripe and GitHub do: HMAC-SHA256 over
``<timestamp>.<body>``, sent as ``Verwerker-Signature: t=<timestamp>,v1=<hex>``.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import ipaddress
import re
import secrets

TOKEN_RE = re.compile(r"^vw_([0-9a-f]{8})_([A-Za-z0-9_-]{43})$")
SIGNATURE_HEADER = "Verwerker-Signature"
SIGNATURE_TOLERANCE_SECONDS = 300


def new_token() -> tuple[str, str, str]:
    """A fresh token: (token shown once, its prefix, its SHA-256 hex)."""
    prefix = secrets.token_hex(4)
    secret = base64.urlsafe_b64encode(secrets.token_bytes(32)).rstrip(b"=").decode()
    token = f"vw_{prefix}_{secret}"
    return token, prefix, hash_token(token)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def parse_token(token: str) -> str | None:
    """The prefix of a well-formed token, else None."""
    match = TOKEN_RE.match(token)
    return match.group(1) if match else None


def token_matches(token: str, stored_hash: str) -> bool:
    return hmac.compare_digest(hash_token(token), stored_hash)


def parse_networks(text_or_list) -> list[str]:
    """CIDRs, normalised; raises ValueError naming the first bad one."""
    items = text_or_list.replace(",", " ").split() if isinstance(text_or_list, str) else list(text_or_list)
    networks = []
    for item in items:
        try:
            networks.append(str(ipaddress.ip_network(item.strip(), strict=False)))
        except ValueError:
            raise ValueError(f"{item!r} is not a network (CIDR such as 192.0.2.0/24)") from None
    return networks


def address_allowed(address: str, networks: list[str]) -> bool:
    """True when no networks are set, or ``address`` lies in one of them."""
    if not networks:
        return True
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in ipaddress.ip_network(n) for n in networks)


def sign(secret: str, timestamp: int, body: bytes) -> str:
    """The ``Verwerker-Signature`` header value for ``body`` sent at ``timestamp``."""
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={mac}"


def verify_signature(
    secret: str, header: str, body: bytes, *, now: int, tolerance: int = SIGNATURE_TOLERANCE_SECONDS
) -> bool:
    """What a receiver does: the signature matches and the timestamp is recent (no replays)."""
    parts = dict(p.split("=", 1) for p in header.split(",") if "=" in p)
    try:
        timestamp = int(parts.get("t", ""))
    except ValueError:
        return False
    if abs(now - timestamp) > tolerance:
        return False
    expected = sign(secret, timestamp, body).split("v1=", 1)[1]
    return hmac.compare_digest(expected, parts.get("v1", ""))
