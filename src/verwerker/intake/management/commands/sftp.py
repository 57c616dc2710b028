"""`verwerker sftp issue CLIENT [--public-key FILE] [--json]` and friends: the clients' SFTP accounts."""

from __future__ import annotations

import json
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from verwerker.audit.actors import Actor
from verwerker.clients.models import Client
from verwerker.clients.queries import find_client
from verwerker.intake.actions import (
    do_disable_password_login,
    do_issue_sftp_account,
    do_set_allowed_networks,
)
from verwerker.intake.models import SftpAccount


def _client(ref: str) -> Client:
    client = find_client(ref)
    if client is None:
        raise CommandError(f"{ref}: no such client (give its id or exact name)")
    return client


class Command(BaseCommand):
    help = "Issue and manage the clients' SFTP accounts (one per client)."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="subcommand", required=True)
        issue = sub.add_parser(
            "issue", help="issue the account: prints the username and a one-time password, or adds a key"
        )
        issue.add_argument("client", help="client id or name")
        issue.add_argument("--public-key", metavar="FILE", help="an OpenSSH public key file (e.g. id_ed25519.pub)")
        issue.add_argument("--json", action="store_true")
        nopw = sub.add_parser("disable-password", help="switch password login off (keys only)")
        nopw.add_argument("client")
        nets = sub.add_parser("networks", help="allow logins only from these networks (CIDRs; '' allows any)")
        nets.add_argument("client")
        nets.add_argument("networks")

    def handle(self, *args, subcommand: str, **options):
        actor = Actor.system("command line")
        client = _client(options["client"])
        try:
            if subcommand == "issue":
                return self._issue(client, options, actor)
            account = SftpAccount.objects.filter(client=client).first()
            if account is None:
                raise CommandError(f"{client.name} has no SFTP account; issue one first")
            if subcommand == "disable-password":
                do_disable_password_login(account, actor=actor)
                self.stdout.write(f"password login switched off for {account.username}")
            else:
                nets = do_set_allowed_networks(account, options["networks"], actor=actor)
                self.stdout.write(f"{account.username}: " + (", ".join(nets) or "any address"))
        except ValidationError as exc:
            raise CommandError("; ".join(exc.messages)) from None

    def _issue(self, client, options, actor):
        key_text = None
        if options["public_key"]:
            path = Path(options["public_key"])
            try:
                key_text = path.read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError) as exc:
                raise CommandError(
                    f"{path}: cannot read the public key ({getattr(exc, 'strerror', None) or exc})"
                ) from None
        try:
            account, password = do_issue_sftp_account(client, actor=actor, public_key=key_text)
        except ValidationError as exc:
            raise CommandError(f"{options['public_key'] or client.name}: " + "; ".join(exc.messages)) from None
        if options["json"]:
            self.stdout.write(
                json.dumps(
                    {
                        "client": client.pk,
                        "username": account.username,
                        "password": password,
                        "public_keys": len(account.key_lines),
                        "password_login": account.password_login_enabled,
                    }
                )
            )
        elif password:
            self.stdout.write(
                f"SFTP account for {client.name}\n  username: {account.username}\n  password: {password}\n"
                "The password is shown this once and stored only as a hash; any earlier password no longer works."
            )
        else:
            self.stdout.write(f"SFTP account {account.username}: public key added ({len(account.key_lines)} in all)")
