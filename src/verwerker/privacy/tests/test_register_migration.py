"""The migrations that brought own relations' and camera requests into the one register keep every request."""

import datetime as dt

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

BEFORE = [("crm", "0002_seed_purposes"), ("facilities", "0002_seed_consent_categories"),
          ("privacy", "0004_pentest_finding_due_on")]
AFTER = [
    ("crm", "0004_relation_requests_keep_only_the_person"),
    ("facilities", "0004_camera_requests_keep_only_the_footage"),
    ("privacy", "0005_one_register_for_all_requests"),
]


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


def test_existing_relation_and_camera_requests_become_entries_of_the_register_with_their_dates_and_answers():
    """GIVEN a relation request (answered) and a camera request (open) in their old registers
    WHEN the migrations run THEN each is an entry of the one register with its reference, kind, dates,
    deadline and answer, and its app's row points at it (on PostgreSQL too, where a table with rows
    written in a migration's transaction cannot be altered in it)."""
    try:
        _check_the_migration()
    finally:  # the next test needs the schema of today whatever happened here
        _migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())


def _check_the_migration():
    old = _migrate(BEFORE)
    received = timezone.now() - dt.timedelta(days=3)
    old.get_model("crm", "RelationRequest").objects.create(
        reference="RV-2026-0007", subject_mask="J. K****", kind="erasure", received_at=received,
        deadline=dt.date(2026, 5, 1), logged_by="officer", executed_at=received + dt.timedelta(days=1),
        receipt="Verwijderd.",
    )
    old.get_model("facilities", "CameraRequest").objects.create(
        reference="CV-2026-0002", kind="access", requester="Bezoeker Jansen", received_at=received,
        deadline=dt.date(2026, 5, 2),
    )
    new = _migrate(AFTER)
    entries = {e.reference: e for e in new.get_model("privacy", "DataSubjectRequest").objects.all()}
    own, camera = entries["RV-2026-0007"], entries["CV-2026-0002"]
    assert (own.concerns, own.client_id, own.kind, own.status, own.receipt) == (
        "own_relation", None, "erasure", "executed", "Verwijderd.")
    assert own.deadline == dt.date(2026, 5, 1) and own.received_at == received and own.subject_mask == "J. K****"
    assert (camera.concerns, camera.kind, camera.status, camera.deadline) == (
        "camera",
        "access",
        "open",
        dt.date(2026, 5, 2),
    )
    assert "Jansen" not in camera.subject_mask
    assert new.get_model("crm", "RelationRequest").objects.get().request_id == own.pk
    assert new.get_model("facilities", "CameraRequest").objects.get().request_id == camera.pk
