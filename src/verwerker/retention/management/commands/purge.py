"""`verwerker purge [--dry-run] [--json]`: run the retention purge now."""

from __future__ import annotations

import json

from django.core.management.base import BaseCommand, CommandError

from verwerker.audit.actors import Actor
from verwerker.retention.purge import run_purge
from verwerker.vault.crypto import VaultError


class Command(BaseCommand):
    help = "Delete everything past its retention (crypto-shred data files); --dry-run only counts."

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="count what would be purged; change nothing")
        parser.add_argument("--json", action="store_true", help="print the report as one JSON object")

    def handle(self, *args, **options):
        dry_run = options["dry_run"]
        try:
            result = run_purge(actor=Actor.system("purge command"), dry_run=dry_run)
        except VaultError as exc:
            raise CommandError(f"purge stopped: {exc}") from None
        if options["json"]:
            self.stdout.write(json.dumps(result))
            return
        verb = "would purge" if dry_run else "purged"
        for cls in result["classes"]:
            if not cls["managed"]:
                self.stdout.write(f"{cls['record_class']}: no purger installed")
                continue
            line = f"{cls['record_class']}: {verb} {cls['purged'] if not dry_run else cls['found']}"
            if cls["held"]:
                line += f", {cls['held']} held"
            recovered = {k: v for k, v in cls["recovered"].items() if v}
            if recovered:
                line += ", finished " + ", ".join(f"{v} {k.replace('_', ' ')}" for k, v in recovered.items())
            self.stdout.write(line)
        if result.get("certificates"):
            self.stdout.write(f"deletion certificates issued: {len(result['certificates'])}")

