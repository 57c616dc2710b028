"""The audit log's one reader (audit/feed.py) feeds the notifications and the webhooks in one pass, and a
crash between reading and recording neither loses an event nor tells anyone twice."""

from __future__ import annotations

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext

from verwerker.api.actions import LOG_READER as WEBHOOKS
from verwerker.api.actions import do_register_webhook
from verwerker.api.models import WebhookDelivery
from verwerker.audit.actors import Actor
from verwerker.audit.feed import LogReader, do_feed_log_readers
from verwerker.audit.models import AuditEvent, LogCursor
from verwerker.datafiles.synthetic import address_csv
from verwerker.notifications.models import Kind, Notification
from verwerker.testing import receive_file

pytestmark = pytest.mark.django_db

READERS = ["verwerker.notifications.actions.LOG_READER", "verwerker.api.actions.LOG_READER"]


class Crash(Exception):
    pass


def _take_then_die(events):
    """The webhooks' own recording, then the process dies before the cursor moves."""
    WEBHOOKS.take(events)
    assert WebhookDelivery.objects.exists()  # recorded, in the transaction that is about to be lost
    raise Crash


CRASHING_WEBHOOKS = LogReader(WEBHOOKS.name, WEBHOOKS.actions, _take_then_die)


@pytest.fixture
def both_want_a_profiled_file(client_a, user_a, settings):
    """A client user with an e-mail address (told of a profiled file) and the client's webhook endpoint for
    file.profiled; then one file received and profiled."""
    settings.AUDIT_LOG_READERS = READERS
    user_a.email = "alice@aland.example"
    user_a.save(update_fields=["email"])
    do_register_webhook(url="https://hooks.aland.example/in", events=["file.profiled"], client=client_a,
                        actor=Actor.system("test"))
    receive_file(client_a, "leden.csv", address_csv(4, seed=2))
    return user_a


def _head() -> int:
    return AuditEvent.objects.order_by("-seq").values_list("seq", flat=True).first()


def _log_reads(queries) -> list[str]:
    table = AuditEvent._meta.db_table
    return [q["sql"] for q in queries if f'FROM "{table}"' in q["sql"] and '"seq" >' in q["sql"]]


def test_one_pass_over_the_log_feeds_both_the_notifications_and_the_webhooks(both_want_a_profiled_file):
    """GIVEN a profiled file that both the client user and the client's endpoint want WHEN the log is read
    once THEN the user is told (listed and e-mailed) and the endpoint has its delivery, from one read of the
    events; both cursors stand at the head, and a second pass makes nothing."""
    user = both_want_a_profiled_file
    mail.outbox.clear()
    with CaptureQueriesContext(connection) as queries:
        made = do_feed_log_readers()
    assert len(_log_reads(queries.captured_queries)) == 1
    assert [n.kind for n in made["notifications"]] == [Kind.FILE_PROFILED]
    assert Notification.objects.filter(recipient=user, kind=Kind.FILE_PROFILED).count() == 1
    assert [m.to for m in mail.outbox] == [["alice@aland.example"]]
    assert [str(d.pk) for d in WebhookDelivery.objects.all()] == made["webhooks"] and len(made["webhooks"]) == 1
    assert dict(LogCursor.objects.values_list("name", "seq")) == {"notifications": _head(), "webhooks": _head()}
    assert do_feed_log_readers() == {"notifications": [], "webhooks": []}
    assert len(mail.outbox) == 1


def test_a_crash_between_reading_and_recording_loses_nothing_and_repeats_nothing(both_want_a_profiled_file,
                                                                                 settings):
    """GIVEN a profiled file both readers want WHEN the webhooks' reader dies after recording its delivery
    but before its cursor moved THEN its delivery is gone with its transaction and its cursor stands,
    while the notifications were made and their cursor moved; the next pass makes the one delivery and
    tells nobody a second time."""
    settings.AUDIT_LOG_READERS = [READERS[0], f"{__name__}.CRASHING_WEBHOOKS"]
    before = LogCursor.objects.filter(name="webhooks").values_list("seq", flat=True).first() or 0
    mail.outbox.clear()
    with pytest.raises(Crash):
        do_feed_log_readers()
    assert not WebhookDelivery.objects.exists()
    assert LogCursor.objects.get(name="webhooks").seq == before < _head()
    told = Notification.objects.count()
    assert told == 1 and LogCursor.objects.get(name="notifications").seq == _head()
    assert len(mail.outbox) == 1

    settings.AUDIT_LOG_READERS = READERS
    made = do_feed_log_readers()
    assert made["notifications"] == [] and len(made["webhooks"]) == 1
    assert WebhookDelivery.objects.count() == 1 and Notification.objects.count() == told
    assert len(mail.outbox) == 1
    assert do_feed_log_readers() == {"notifications": [], "webhooks": []}


def test_a_batch_read_again_after_the_cursors_were_lost_tells_and_delivers_nothing_twice(
        both_want_a_profiled_file):
    """GIVEN a pass that recorded everything WHEN both cursors go back to 0 (as if the commit of the
    cursors alone were lost) THEN the next pass reads the batch again and the readers' unique keys keep
    every notification and delivery single."""
    do_feed_log_readers()
    LogCursor.objects.update(seq=0)
    assert do_feed_log_readers()["webhooks"] == []
    assert Notification.objects.count() == 1 and WebhookDelivery.objects.count() == 1
