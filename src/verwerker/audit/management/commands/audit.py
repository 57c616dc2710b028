"""`verwerker audit verify|head|export`: check and read the hash-chained audit log."""

from __future__ import annotations

import datetime
import json
import sys

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from verwerker.audit.actions import do_record_event, do_verify_chain
from verwerker.audit.actors import Actor
from verwerker.audit.events import EventType
from verwerker.audit.export import export_csv, export_json
from verwerker.audit.queries import list_events, verify_chain


class Command(BaseCommand):
    help = "Verify, anchor or export the audit log."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="subcommand", required=True)
        verify = sub.add_parser("verify", help="check the whole hash chain; exit 1 at the first break")
        verify.add_argument("--json", action="store_true")
        verify.add_argument("--record", action="store_true", help="also record the result as an event")
        sub.add_parser("head", help="print the newest event's sequence number and hash, to keep elsewhere")
        export = sub.add_parser("export", help="export events with their chain proof (JSON) or as CSV")
        export.add_argument("--client", type=int)
        export.add_argument("--object-type", default="")
        export.add_argument("--object-id", default="")
        export.add_argument("--since", type=datetime.date.fromisoformat, help="YYYY-MM-DD")
        export.add_argument("--until", type=datetime.date.fromisoformat, help="YYYY-MM-DD (inclusive)")
        export.add_argument("--format", choices=["json", "csv"], default="json")
        export.add_argument("-o", "--output", help="file to write (default: standard output)")

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
        result = do_verify_chain(actor=Actor.system("audit verify")) if options["record"] else verify_chain()
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
        selection = {
            "client_id": options["client"],
            "object_type": options["object_type"],
            "object_id": options["object_id"],
            "since": options["since"].isoformat() if options["since"] else None,
            "until": options["until"].isoformat() if options["until"] else None,
        }
        events = list_events(
            client_id=options["client"],
            object_type=options["object_type"],
            object_id=options["object_id"],
            since=_day_start(options["since"]),
            until=_day_start(options["until"] + datetime.timedelta(days=1)) if options["until"] else None,
        )
        text = export_json(events, selection=selection) if options["format"] == "json" else export_csv(events)
        do_record_event(
            EventType.AUDIT_EXPORTED, actor=Actor.system("command line"), client_id=options["client"],
            details={"format": options["format"], **{k: v for k, v in selection.items() if v}},
        )
        if options["output"]:
            with open(options["output"], "w", encoding="utf-8") as fh:
                fh.write(text)
        else:
            self.stdout.write(text)


def _day_start(day):
    if day is None:
        return None
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))
