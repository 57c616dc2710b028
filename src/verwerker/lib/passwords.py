"""One-time passwords for new accounts: long, random, easy to type (no 0/O, 1/l/I)."""

import secrets

ALPHABET = "abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"


def generate_password(length: int = 20) -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(length))
