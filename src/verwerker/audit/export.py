"""Exports of the audit trail with the chain proof, for a client, a file, a job or a period."""

from __future__ import annotations

import io
import json

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from verwerker.audit import chain
from verwerker.audit.models import AuditEvent
from verwerker.lib.spreadsheet import csv_writer

FORMAT = "verwerker-audit-export/1"


def export_json(events: QuerySet[AuditEvent], *, selection: dict) -> str:
    """The selected events in seq order with their canonical values and hashes, plus the chain's head.

    ``chain.py`` (standard library only) checks such a file offline: ``python3 chain.py export.json``.
    """
    head = AuditEvent.objects.order_by("-seq").values_list("seq", "hash").first() or (0, chain.GENESIS)
    document = {
        "format": FORMAT,
        "exported_at": timezone.now().isoformat(),
        "selection": selection,
        "fields": list(chain.FIELDS),
        "head": {"seq": head[0], "hash": head[1]},
        "events": [
            {
                "values": list(e.chain_values()),
                "prev_hash": e.prev_hash,
                "hash": e.hash,
                "action": e.get_action_display(),
            }
            for e in events.order_by("seq").iterator(chunk_size=5000)
        ],
    }
    return json.dumps(document, ensure_ascii=False, indent=1)


# Column headers a person reads in the spreadsheet (the JSON export keeps the chain's field names).
HEADERS = {
    "seq": _("number"), "created_at": _("time (UTC)"), "actor_type": _("kind of actor"), "actor_id": _("actor id"),
    "actor_label": _("actor"), "client_id": _("client id"), "action": _("event code"), "object_type": _("object type"),
    "object_id": _("object id"), "outcome": _("outcome"), "source_ip": _("IP address"), "details": _("details (codes)"),
    "action_name": _("event"), "prev_hash": _("previous hash"), "hash": _("hash"),
}


def export_csv(events: QuerySet[AuditEvent]) -> str:
    """The selected events as CSV, for reading in a spreadsheet (formula-neutralised cells, so a
    username typed at a failed login cannot run there). The JSON export is the one to verify."""
    out = io.StringIO()
    writer = csv_writer(out)
    writer.writerow([str(HEADERS.get(f, f)) for f in (*chain.FIELDS, "action_name", "prev_hash", "hash")])
    for e in events.order_by("seq").iterator(chunk_size=5000):
        writer.writerow([*e.chain_values(), e.get_action_display(), e.prev_hash, e.hash])
    return out.getvalue()
