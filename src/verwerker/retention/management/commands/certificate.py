"""`verwerker certificate verify FILE | list | show ID [--pdf OUT]`: deletion certificates."""

from __future__ import annotations

import json
import sys
import uuid
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from verwerker.retention.certificates import CertificateInvalid, render_certificate_pdf, verify_certificate_bytes
from verwerker.retention.models import DeletionCertificate


class Command(BaseCommand):
    help = "Verify, list or export deletion certificates."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="subcommand", required=True)
        verify = sub.add_parser(
            "verify",
            help="check a certificate (its JSON, or its signed PDF) against the audit log; exit 1 if not genuine",
        )
        verify.add_argument("file")
        verify.add_argument("--json", action="store_true")
        listing = sub.add_parser("list", help="list certificates")
        listing.add_argument("--client", type=int)
        show = sub.add_parser("show", help="print a certificate's JSON, or write its PDF")
        show.add_argument("id")
        show.add_argument("--pdf", help="write the PDF to this file")

    def handle(self, *args, subcommand: str, **options):
        if subcommand == "verify":
            return self.verify(options)
        if subcommand == "list":
            certs = DeletionCertificate.objects.defer("body").order_by("issued_at")
            if options["client"]:
                certs = certs.filter(client_id=options["client"])
            for c in certs:
                self.stdout.write(
                    f"{c.id} {c.issued_at:%Y-%m-%d %H:%M} client {c.client_id} {c.reason} {c.objects_deleted} files"
                )
            return None
        try:
            cert = DeletionCertificate.objects.get(pk=uuid.UUID(options["id"]))
        except (DeletionCertificate.DoesNotExist, ValueError):
            raise CommandError(f"no certificate {options['id']}") from None
        if options["pdf"]:
            Path(options["pdf"]).write_bytes(render_certificate_pdf(cert))
            self.stdout.write(f"wrote {options['pdf']}")
        else:
            self.stdout.write(cert.body)
        return None

    def verify(self, options) -> None:
        path = Path(options["file"])
        try:
            raw = path.read_bytes()
        except OSError as exc:
            raise CommandError(f"{path}: cannot read ({exc.strerror})") from None
        try:
            found = verify_certificate_bytes(raw, source=str(path))
        except CertificateInvalid as exc:
            if options["json"]:
                self.stdout.write(json.dumps({"ok": False, "reason": str(exc)}))
            else:
                self.stderr.write(f"NOT VERIFIED: {exc}")
            sys.exit(1)
        if options["json"]:
            self.stdout.write(json.dumps({"ok": True, **found}))
        else:
            signed = f"; PDF signed by {found['signed_by']}" if "signed_by" in found else ""
            self.stdout.write(
                f"certificate {found['certificate_id']} verified: issued {found['issued_at']}, "
                f"{found['objects']} files, recorded in audit event #{found['audit_seq']}{signed}"
            )
