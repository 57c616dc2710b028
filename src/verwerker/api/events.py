"""Which audit events become which webhook events, and the body each carries.

Webhooks are derived from the audit log after a cursor (``actions.do_collect_webhook_events``), not
from calls or signals planted in the other apps: every state change the webhooks report is audited
already, in the same transaction as the change, so nothing is missed and nothing is reported that
did not commit. A body holds ids, states and counts only (no file names, no personal data).
"""

from __future__ import annotations

import json

from verwerker.api.models import WebhookEvent
from verwerker.audit.events import EventType
from verwerker.audit.models import AuditEvent

SOURCE_ACTIONS = (
    EventType.DATAFILE_PROFILED,
    EventType.DATAFILE_UNREADABLE,
    EventType.DATAFILE_REFUSED,
    EventType.JOB_PRODUCED,
    EventType.JOB_CONFIRMED,
    EventType.CERTIFICATE_ISSUED,
    EventType.BREACH_NOTICE_SENT,
)


def _details(event: AuditEvent) -> dict:
    try:
        return json.loads(event.details or "{}")
    except ValueError:
        return {}


def translate(event: AuditEvent) -> list[tuple[str, dict]]:
    """The webhook events (kind, body without id and type) one audit event stands for."""
    from verwerker.datafiles.models import DataFile  # local: same layer or upward, a cycle at the top
    from verwerker.production.models import Job  # local: same layer or upward, a cycle at the top

    base = {"occurred_at": event.created_at.isoformat(), "client": event.client_id, "audit_seq": event.seq}
    details = _details(event)
    action = event.action
    if action == EventType.DATAFILE_PROFILED:
        row = DataFile.objects.filter(pk=event.object_id).values("state", "record_count", "risk").first() or {}  # type: ignore[var-annotated]
        return [
            (
                WebhookEvent.FILE_PROFILED,
                {
                    **base,
                    "data": {
                        "file": int(event.object_id),
                        "state": row.get("state"),
                        "records": details.get("rows"),
                        "risk": details.get("risk"),
                    },
                },
            )
        ]
    if action in (EventType.DATAFILE_UNREADABLE, EventType.DATAFILE_REFUSED):
        key = "file" if event.object_type == "datafiles.datafile" else "upload"
        return [
            (
                WebhookEvent.FILE_REFUSED,
                {
                    **base,
                    "data": {
                        key: int(event.object_id),
                        "state": "unreadable" if action == EventType.DATAFILE_UNREADABLE else "refused",
                    },
                },
            )
        ]
    if action == EventType.JOB_PRODUCED:
        job = Job.objects.filter(pk=event.object_id).values("proof_required", "records_out", "pages").first()
        if not job or not job["proof_required"]:
            return []
        return [
            (
                WebhookEvent.PROOF_READY,
                {
                    **base,
                    "data": {
                        "job": int(event.object_id),
                        "state": "produced",
                        "letters": job["records_out"],
                        "pages": job["pages"],
                    },
                },
            )
        ]
    if action == EventType.JOB_CONFIRMED:
        return [
            (
                WebhookEvent.JOB_PRINTED,
                {**base, "data": {"job": int(event.object_id), "state": "confirmed", "pieces": details.get("pieces")}},
            )
        ]
    if action == EventType.CERTIFICATE_ISSUED and event.client_id is not None:
        return [
            (
                WebhookEvent.CERTIFICATE_ISSUED,
                {
                    **base,
                    "data": {
                        "certificate": event.object_id,
                        "objects": details.get("objects"),
                        "reason": details.get("reason"),
                    },
                },
            )
        ]
    if action == EventType.BREACH_NOTICE_SENT:
        return [
            (
                WebhookEvent.BREACH_NOTICE_SENT,
                {**base, "data": {"breach": int(event.object_id), "on_time": details.get("on_time")}},
            )
        ]
    return []
