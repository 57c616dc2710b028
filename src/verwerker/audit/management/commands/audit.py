"""`verwerker audit verify|head|export`: check and read the hash-chained audit log."""

from __future__ import annotations

import csv
import json
import sys

from django.core.management.base import BaseCommand, CommandError

from verwerker.audit.actions import do_record_event
from verwerker.audit.actors import Actor
from verwerker.audit.events import EventType, Outcome
from verwerker.audit.queries import list_events, verify_chain


class Command(BaseCommand):
    help = "Verify, anchor or export the audit log."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="subcommand", required=True)
        verify = sub.add_parser("verify", help="check the whole hash chain; exit 1 at the first break")
        verify.add_argument("--json", action="store_true")
        verify.add_argument("--record", action="store_true", help="also record the result as an event")
        sub.add_parser("head", help="print the newest event's sequence number and hash, to keep elsewhere")
        export = sub.add_parser("export", help="export events as CSV")
        export.add_argument("--client", type=int)

    def handle(self, *args, subcommand: str, **options):
        if subcommand == "verify":
            return self.verify(options)
        if subcommand == "head":
            result = verify_chain()
            self.stdout.write(f"{result.head_seq} {result.head_hash}")
            return None
        if subcommand == "export":
            return self.export(options)
        raise CommandError(f"unknown subcommand {subcommand}")

    def verify(self, options) -> None:
        result = verify_chain()
        if options["record"]:
            result.save()
            do_record_event(
                EventType.AUDIT_VERIFIED,
                actor=Actor.system("audit verify"),
                outcome=Outcome.SUCCESS if result.ok else Outcome.FAILURE,
                details={"events": result.events, "first_bad_seq": result.first_bad_seq},
            )
        if options["json"]:
            self.stdout.write(
                json.dumps(
                    {
                        "ok": result.ok,
                        "events": result.events,
                        "head_seq": result.head_seq,
                        "head_hash": result.head_hash,
                        "first_bad_seq": result.first_bad_seq,
                        "reason": result.reason,
                    }
                )
            )
        elif result.ok:
            self.stdout.write(f"audit chain intact: {result.events} events, head {result.head_hash}")
        else:
            self.stderr.write(
                f"audit chain BROKEN at event {result.first_bad_seq}: {result.reason} "
                f"({result.events} events before it are intact)"
            )
        if not result.ok:
            sys.exit(1)

    def export(self, options) -> None:
        writer = csv.writer(self.stdout)
        writer.writerow(
            ["seq", "created_at", "actor_type", "actor", "client_id", "action", "object", "outcome", "ip", "details", "hash"]
        )
        for e in list_events(client_id=options["client"]).order_by("seq").iterator(chunk_size=5000):
            writer.writerow(
                [e.seq, e.created_at.isoformat(), e.actor_type, e.actor_label, e.client_id,
                 e.get_action_display(), f"{e.object_type}:{e.object_id}", e.outcome, e.source_ip, e.details, e.hash]
            )
