"""Every decryption of client data is an action (P15): who read which blob, and why, is in the audit log."""

import ast
import json
from pathlib import Path

import pytest

from verwerker.audit.actors import Actor
from verwerker.audit.events import EventType
from verwerker.audit.models import AuditEvent
from verwerker.vault.actions import do_store_blob, open_blob_reader, read_blob_bytes
from verwerker.vault.models import BlobPurpose, ReadPurpose

READERS = {"open_blob_reader", "read_blob_bytes"}
ROOT = Path(__file__).resolve().parents[4]


def _reader_calls():
    """(file, line, keywords) of every call of a vault reader in the source, tests and benchmarks."""
    for folder in ("src", "tests", "bench"):
        for path in sorted((ROOT / folder).rglob("*.py")):
            if path == Path(__file__).resolve():  # this file calls the readers wrongly on purpose
                continue
            tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
            for node in ast.walk(tree):
                if not isinstance(node, ast.Call):
                    continue
                name = node.func.id if isinstance(node.func, ast.Name) else getattr(node.func, "attr", None)
                if name in READERS:
                    yield path.relative_to(ROOT), node.lineno, node.keywords


def _purpose_of(keyword: ast.keyword) -> str | None:
    """The purpose a call passes when it is written out (a ReadPurpose member or its value), else None."""
    value = keyword.value
    if isinstance(value, ast.Constant):
        return value.value
    if isinstance(value, ast.Attribute) and getattr(value.value, "id", "") == "ReadPurpose":
        return ReadPurpose[value.attr].value
    return None


def test_every_caller_of_the_vault_readers_passes_an_actor_and_a_known_purpose():
    calls = [(f, line, kws) for f, line, kws in _reader_calls() if not str(f).endswith("vault/actions.py")]
    assert len(calls) >= 11, "the scan found fewer reader calls than the code has: is it looking in the right place?"
    missing, unknown = [], []
    for path, line, keywords in calls:
        names = {k.arg for k in keywords}
        if not {"actor", "purpose"} <= names:
            missing.append(f"{path}:{line}")
            continue
        purpose = _purpose_of(next(k for k in keywords if k.arg == "purpose"))
        if purpose is not None and purpose not in ReadPurpose.values:
            unknown.append(f"{path}:{line} ({purpose})")
    assert missing == [], f"vault reads without actor and purpose: {missing}"
    assert unknown == [], f"vault reads with an unknown purpose: {unknown}"


def test_the_application_reads_the_vault_for_named_purposes_only():
    """GIVEN the application code (not tests) WHEN its vault reads are listed THEN each names its purpose
    in the code itself, so the list of read sites and their purposes can be read off the source."""
    sites = {}
    for path, line, keywords in _reader_calls():
        if "/tests/" in str(path) or not str(path).startswith("src/") or str(path).endswith("vault/actions.py"):
            continue
        purpose = _purpose_of(
            next((k for k in keywords if k.arg == "purpose"), ast.keyword(arg="purpose", value=ast.Name("x")))
        )
        sites[f"{path}:{line}"] = purpose
    assert sites and None not in sites.values(), sites
    assert {"profiling", "production", "delivery", "proof_download", "outbox_download", "subject_request"} <= set(
        sites.values()
    )


@pytest.mark.django_db
def test_a_read_without_actor_or_purpose_is_refused_before_decrypting(client_a, system_actor):
    blob = do_store_blob(b"naam;adres\n", client=client_a, purpose=BlobPurpose.UPLOAD, name="f.csv", actor=system_actor)
    before = AuditEvent.objects.filter(action=EventType.BLOB_READ).count()
    with pytest.raises(TypeError):
        read_blob_bytes(blob)  # type: ignore[call-arg]  # the point of the test: actor and purpose are required
    with pytest.raises(TypeError):
        open_blob_reader(blob, actor=system_actor)
    with pytest.raises(ValueError, match="unknown read purpose"):
        read_blob_bytes(blob, actor=system_actor, purpose="curiosity")
    assert AuditEvent.objects.filter(action=EventType.BLOB_READ).count() == before


@pytest.mark.django_db
def test_each_read_records_who_why_and_which_blob(client_a, system_actor, make_staff):
    staff_dbdept = make_staff("database")
    blob = do_store_blob(
        b"naam;adres\n", client=client_a, purpose=BlobPurpose.UPLOAD, name="upload-7", actor=system_actor
    )
    reader = Actor.for_user(staff_dbdept, "192.0.2.7")
    assert read_blob_bytes(blob, actor=reader, purpose=ReadPurpose.PROFILING) == b"naam;adres\n"
    with open_blob_reader(blob.pk, actor=Actor.system("delivery"), purpose=ReadPurpose.DELIVERY) as stream:
        assert stream.read(4) == b"naam"
    events = list(AuditEvent.objects.filter(action=EventType.BLOB_READ).order_by("seq"))
    assert [(e.actor_label, e.object_id, e.client_id) for e in events] == [
        (staff_dbdept.get_username(), str(blob.pk), client_a.pk),
        ("delivery", str(blob.pk), client_a.pk),
    ]
    assert [json.loads(e.details)["purpose"] for e in events] == ["profiling", "delivery"]
    assert events[0].source_ip == "192.0.2.7" and json.loads(events[0].details)["blob_purpose"] == "upload"
    # No blob name: the append-only log outlives the blob, and a name can name a person.
    assert [sorted(json.loads(e.details)) for e in events] == [["blob_purpose", "purpose", "size"]] * 2
