"""The audit log is a hash chain that names the first changed, deleted or inserted event."""


import pytest
from django.db import connection, transaction
from django.db.utils import DatabaseError

from verwerker.audit import chain, triggers
from verwerker.audit.actions import do_record_event
from verwerker.audit.events import EventType
from verwerker.audit.models import AuditEvent
from verwerker.audit.queries import verify_chain


def _append(actor, n):
    for i in range(n):
        do_record_event(EventType.CLIENT_CHANGED, actor=actor, client_id=7, object_id=i, details={"i": i})


def _raw(sql, params=()):
    """Change the table behind the triggers' back, as an attacker with database access would."""
    triggers.remove(connection)
    try:
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
    finally:
        triggers.install(connection)


@pytest.mark.django_db
def test_events_link_into_an_intact_chain(system_actor):
    _append(system_actor, 5)
    events = list(AuditEvent.objects.order_by("seq"))
    assert [e.seq for e in events] == [1, 2, 3, 4, 5]
    assert events[0].prev_hash == chain.GENESIS
    assert all(b.prev_hash == a.hash for a, b in zip(events, events[1:], strict=False))
    result = verify_chain()
    assert result.ok and result.events == 5 and result.head_hash == events[-1].hash


@pytest.mark.django_db
def test_it_names_the_changed_event(system_actor):
    _append(system_actor, 6)
    _raw("UPDATE audit_auditevent SET details = %s WHERE seq = 4", ['{"i":99}'])
    result = verify_chain()
    assert not result.ok
    assert result.first_bad_seq == 4 and result.events == 3
    assert "content" in result.reason


@pytest.mark.django_db
def test_it_names_the_gap_a_deleted_event_leaves(system_actor):
    _append(system_actor, 6)
    _raw("DELETE FROM audit_auditevent WHERE seq = 3")
    result = verify_chain()
    assert not result.ok and result.first_bad_seq == 4 and "3..3 are missing" in result.reason


@pytest.mark.django_db
def test_it_detects_an_inserted_event(system_actor):
    _append(system_actor, 4)
    # Make room after event 2 and insert a forged event 3 linked to event 2's hash.
    _raw("UPDATE audit_auditevent SET seq = seq + 100 WHERE seq >= 3")
    _raw("UPDATE audit_auditevent SET seq = seq - 99 WHERE seq >= 100")
    second = AuditEvent.objects.get(seq=2)
    forged = AuditEvent(
        seq=3, created_at=second.created_at, actor_type="system", action=int(EventType.CLIENT_CHANGED),
        details="{}", prev_hash=second.hash,
    )
    forged.hash = chain.link(second.hash, forged.chain_values())
    forged.save(force_insert=True)
    result = verify_chain()
    assert not result.ok and result.first_bad_seq == 4
    assert "link" in result.reason


@pytest.mark.django_db
def test_the_database_refuses_update_and_delete(system_actor):
    _append(system_actor, 2)
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEvent.objects.filter(seq=1).update(details='{"x":1}')
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEvent.objects.filter(seq=2).delete()
    assert AuditEvent.objects.count() == 2 and verify_chain().ok


@pytest.mark.django_db
def test_an_event_rolls_back_with_its_action(system_actor):
    with pytest.raises(RuntimeError), transaction.atomic():
        do_record_event(EventType.CLIENT_CHANGED, actor=system_actor)
        raise RuntimeError("the action failed")
    assert AuditEvent.objects.count() == 0


def test_details_are_canonical_whatever_the_key_order():
    assert chain.canonical_details({"b": 1, "a": "é"}) == '{"a":"é","b":1}'


@pytest.mark.django_db
def test_times_on_a_whole_second_verify_too(system_actor):
    """The canonical time omits a zero fraction, as Python's isoformat does; the SQL must agree."""
    import datetime as dt

    import time_machine

    with time_machine.travel(dt.datetime(2026, 11, 29, 9, 0, 0, tzinfo=dt.UTC), tick=False):
        do_record_event(EventType.CLIENT_CHANGED, actor=system_actor)
    with time_machine.travel(dt.datetime(2026, 11, 29, 9, 0, 0, 5, tzinfo=dt.UTC), tick=False):
        do_record_event(EventType.CLIENT_CHANGED, actor=system_actor)
    assert AuditEvent.objects.get(seq=1).created_at.microsecond == 0
    assert verify_chain().ok
