"""The migrations that moved the notifications' and the webhooks' cursors into the audit log's one reader
(audit.LogCursor) keep each cursor's place, both ways."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

BEFORE = [("notifications", "0002_start_cursor_at_the_log_head"), ("api", "0001_tokens_and_webhooks"),
          ("audit", "0004_log_cursor")]
AFTER = [("notifications", "0003_cursor_in_the_audit_log_reader"), ("api", "0002_cursor_in_the_audit_log_reader")]


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


def test_each_cursor_keeps_its_seq_in_the_one_reader_and_back():
    """GIVEN the dispatcher's cursor at 41 and the webhooks' at 37 in their own tables WHEN the migrations
    run THEN the reader's cursors stand at 41 and 37 (nobody told twice, nothing skipped); migrating back
    puts them where they were."""
    try:
        old = _migrate(BEFORE)
        old.get_model("notifications", "DispatchCursor").objects.update_or_create(
            name="audit", defaults={"last_seq": 41})
        old.get_model("api", "WebhookCursor").objects.update_or_create(name="audit", defaults={"seq": 37})
        old.get_model("audit", "LogCursor").objects.all().delete()
        new = _migrate(AFTER)
        cursors = dict(new.get_model("audit", "LogCursor").objects.values_list("name", "seq"))
        assert cursors == {"notifications": 41, "webhooks": 37}
        back = _migrate(BEFORE)
        assert back.get_model("notifications", "DispatchCursor").objects.get(name="audit").last_seq == 41
        assert back.get_model("api", "WebhookCursor").objects.get(name="audit").seq == 37
        assert not back.get_model("audit", "LogCursor").objects.exists()
    finally:  # the next test needs the schema of today whatever happened here
        _migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())
