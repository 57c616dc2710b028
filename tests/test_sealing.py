"""The one sealing of small values (vault/sealing.py) opens what crm's and the portals' own copies of it
sealed before they were merged: the same construction, the same prefixes, no data migration."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest

from verwerker.crm import extra
from verwerker.portal import sealed
from verwerker.vault import crypto
from verwerker.vault.sealing import Sealing

# Sealed by the code before the merge (crm/extra.py and portal/sealed.py at 9659de5), master key
# bytes(range(32)), row key ROW: the bytes a database holds today.
MASTER = bytes(range(32))
ROW = uuid.UUID("00000000-0000-4000-8000-000000000001")
CRM_WRAPPED = bytes.fromhex(
    "0108c5ee581713e3d32afeef2f425694194105063421fcd71399a07c321c51f5003146369ada7e0550e1ba8295857eb37c012a2f"
    "04ffadbca7cf892145")
CRM_SEALED = bytes.fromhex(
    "56575653010010000036832797cef4c3ee2a3683c9b207c6c1070a0bf11d211e8cde70c292f5cbeea467f13d591e2301dcb46c7f"
    "65d3d745ac9539c0160bb2f74710462fc5a53adb8c4a74acfda7729eca17e33224e0179effe59d6e47bd18fa251541a24c935580"
    "b871fb5ff73061cf52914917ff5a0648a5a86f2eaf30")
CRM_VALUE = extra.ExtraData(dt.date(1970, 1, 2), ("zeilen",), ("https://example.org/a",))
PORTAL_WRAPPED = bytes.fromhex(
    "018b59c9e0a29595fb2e1e9ea77f89c6085dfabe74dca68819cf029f971db8735c83b5f705a199907d89142086fc5d24a6eb1d06"
    "581b6f9d7b640f3132")
PORTAL_SEALED = bytes.fromhex(
    "565756530100100000f6db4427ac252b110af71e4cdbfc65c42415c442344d20d3d6ab0bdaed771307a385c4e324208dfa65a7ab"
    "f413603fdd1c8967f035dd1e9285a6495aefa2ef")
PORTAL_VALUE = {"name": "Test Persoon", "city": "Utrecht"}


def test_values_sealed_by_the_old_crm_and_portal_code_open_with_the_shared_sealing():
    assert extra.unseal(MASTER, ROW, CRM_WRAPPED, CRM_SEALED) == CRM_VALUE
    assert sealed.SEALING.unseal(MASTER, ROW, PORTAL_WRAPPED, PORTAL_SEALED) == PORTAL_VALUE


def test_the_prefixes_stay_apart_a_crm_value_does_not_open_as_a_portal_value_nor_the_reverse():
    assert extra.SEALING.prefix != sealed.SEALING.prefix
    with pytest.raises(crypto.VaultError):
        sealed.SEALING.unseal(MASTER, ROW, CRM_WRAPPED, CRM_SEALED)
    with pytest.raises(crypto.VaultError):
        extra.SEALING.unseal(MASTER, ROW, PORTAL_WRAPPED, PORTAL_SEALED)
    wrapped, data = sealed.SEALING.seal(MASTER, ROW, PORTAL_VALUE)
    with pytest.raises(crypto.VaultError):
        extra.SEALING.unseal(MASTER, ROW, wrapped, data)
    with pytest.raises(crypto.VaultError):  # nor as a vault blob whose id is the row key
        crypto.unwrap_key(MASTER, wrapped, ROW.bytes)


def test_a_value_opens_only_on_its_own_row_and_every_seal_takes_a_new_key():
    sealing = Sealing(b"verwerker.test:")
    first, second = sealing.seal(MASTER, ROW, {"a": 1}), sealing.seal(MASTER, ROW, {"a": 1})
    assert first[0] != second[0] and first[1] != second[1]
    assert sealing.unseal(MASTER, ROW, *first) == {"a": 1}
    with pytest.raises(crypto.VaultError):
        sealing.unseal(MASTER, uuid.uuid4(), *first)


def test_rewrap_moves_an_old_value_to_the_new_key_and_a_rerun_finds_it_done():
    new = crypto.generate_data_key()
    wrapped = sealed.SEALING.rewrap(MASTER, new, ROW, PORTAL_WRAPPED)
    assert wrapped is not None
    assert sealed.SEALING.unseal(new, ROW, wrapped, PORTAL_SEALED) == PORTAL_VALUE
    assert sealed.SEALING.rewrap(MASTER, new, ROW, wrapped) is None
    with pytest.raises(crypto.WrongKeyError):
        sealed.SEALING.rewrap(crypto.generate_data_key(), new, ROW, PORTAL_WRAPPED)


@pytest.mark.parametrize("prefix", [b"", b":", b"verwerker.crm.extra"])
def test_a_prefix_is_a_name_ending_in_a_colon(prefix):
    with pytest.raises(ValueError):
        Sealing(prefix)
