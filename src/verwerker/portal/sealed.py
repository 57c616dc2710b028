"""Orderer data sealed in the row (P06). Pure: no ORM.

Threat model: a database dump, a stray query or a page that forgets the rule. Names, phone numbers,
e-mail addresses and delivery addresses of orderers therefore exist only as ciphertext in the rows that
need them (orders, order lines, address book), and plaintext only in memory after queries.open_* with an
actor and a purpose (audited). Construction: the vault's sealing (vault/sealing.py) under the prefix
``verwerker.portal:``, with the row's key (a UUID) as the row key, so a sealed value copied onto another
row does not open. Clearing the columns is a cryptographic erase.
"""

from __future__ import annotations

from verwerker.vault.sealing import Sealing

# Never changes: the values sealed under it would no longer open.
SEALING = Sealing(b"verwerker.portal:")
