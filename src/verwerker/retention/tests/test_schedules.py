"""Retention schedules are data, seeded with the statement's figures, and the audit log's floor holds."""

import pytest
from django.core.exceptions import ValidationError

from verwerker.audit.events import EventType
from verwerker.audit.models import AuditEvent
from verwerker.retention.actions import do_change_retention_schedule
from verwerker.retention.models import RetentionSchedule
from verwerker.retention.rules import RecordClass, schedule_problems

pytestmark = pytest.mark.django_db


def test_schedules_are_seeded_with_the_statements_figures():
    days = dict(RetentionSchedule.objects.values_list("record_class", "keep_days"))
    assert days == {
        RecordClass.DATA_FILES: 31,
        RecordClass.SFTP_FOLDERS: 31,
        RecordClass.CAMERA_FOOTAGE: 28,
        RecordClass.CRM: 2 * 365,
        RecordClass.FINANCIAL: 7 * 365 + 2,
        RecordClass.AUDIT_EVENTS: None,
        RecordClass.CONSENT_LOG: 2 * 365,
        RecordClass.CAMERA_CLIPS: 28,
        RecordClass.PORTAL_ORDERS: 2 * 365,
    }


def test_audit_events_are_never_kept_shorter_than_the_longest_other_class(system_actor):
    with pytest.raises(ValidationError, match="minstens zo lang"):
        do_change_retention_schedule(RecordClass.AUDIT_EVENTS, keep_days=365, actor=system_actor)
    do_change_retention_schedule(RecordClass.AUDIT_EVENTS, keep_days=3000, actor=system_actor)
    with pytest.raises(ValidationError, match="minstens zo lang"):
        do_change_retention_schedule(RecordClass.FINANCIAL, keep_days=3650, actor=system_actor)
    assert RetentionSchedule.objects.get(record_class=RecordClass.FINANCIAL).keep_days == 7 * 365 + 2


def test_only_audit_events_may_be_kept_indefinitely(system_actor):
    with pytest.raises(ValidationError, match="heeft een bewaartermijn nodig"):
        do_change_retention_schedule(RecordClass.CAMERA_FOOTAGE, keep_days=None, actor=system_actor)


def test_a_schedule_change_is_audited(system_actor):
    do_change_retention_schedule(RecordClass.CAMERA_FOOTAGE, keep_days=14, actor=system_actor)
    event = AuditEvent.objects.get(action=EventType.RETENTION_SCHEDULE_CHANGED)
    assert '"before":28' in event.details and '"after":14' in event.details


def test_schedule_problems_is_empty_for_the_defaults():
    from verwerker.retention.rules import DEFAULTS

    assert schedule_problems({c: v["keep_days"] for c, v in DEFAULTS.items()}) == []
