"""`verwerker client add NAME --contact EMAIL [--with-agreement] [--json]` and `verwerker client list`."""

from __future__ import annotations

import json

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from verwerker.audit.actors import Actor
from verwerker.clients.actions import do_activate_agreement, do_create_agreement, do_create_client
from verwerker.clients.queries import get_active_agreement, list_clients


class Command(BaseCommand):
    help = "Create and list clients (controllers)."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="subcommand", required=True)
        add = sub.add_parser("add", help="create a client with its designated contact")
        add.add_argument("name")
        add.add_argument("--contact", required=True, help="the designated contact's e-mail")
        add.add_argument("--with-agreement", action="store_true", help="also create and activate a default agreement")
        add.add_argument("--json", action="store_true")
        ls = sub.add_parser("list", help="list clients")
        ls.add_argument("--json", action="store_true")

    def handle(self, *args, subcommand: str, **options):
        actor = Actor.system("command line")
        if subcommand == "add":
            try:
                with transaction.atomic():
                    client = do_create_client(options["name"], contact_email=options["contact"], actor=actor)
                    agreement = None
                    if options["with_agreement"]:
                        agreement = do_create_agreement(
                            client,
                            reference=f"VO-{client.pk:05d}",
                            subject="Personalised printing and mailing of the client's mailings",
                            nature_and_purpose="Receiving address files, merging them with letter texts, printing and mailing; deleting the files afterwards",  # noqa: E501
                            data_types="Name, address and town (NAW)",
                            data_subject_categories="The client's customers and relations",
                            actor=actor,
                        )
                        do_activate_agreement(agreement, actor=actor)
            except ValidationError as exc:
                raise CommandError("; ".join(exc.messages)) from None
            if options["json"]:
                self.stdout.write(
                    json.dumps(
                        {"id": client.pk, "name": client.name, "agreement": agreement.reference if agreement else None}
                    )
                )
            else:
                self.stdout.write(str(client.pk))
            return
        clients = list_clients()
        rows = [
            {"id": c.pk, "name": c.name, "agreement": (a.reference if (a := get_active_agreement(c)) else None)}
            for c in clients
        ]
        if options["json"]:
            self.stdout.write(json.dumps(rows))
        else:
            for row in rows:
                self.stdout.write(f"{row['id']:>5}  {row['name']}  {row['agreement'] or '(no active agreement)'}")
