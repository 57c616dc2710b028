"""`verwerker api-token create|revoke|list`: the API's bearer tokens (shown once, stored as hashes).

verwerker api-token create --client ID [--expires DAYS] [--contact ID] [--networks CIDRS] [--json]
verwerker api-token create --user USERNAME --role ROLE [--role ROLE ...] [--expires DAYS] [--json]
verwerker api-token revoke ID|PREFIX
verwerker api-token list [--client ID] [--json]
"""

from __future__ import annotations

import json

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from verwerker.api.actions import do_create_api_token, do_revoke_api_token
from verwerker.api.queries import find_token, list_tokens
from verwerker.audit.actors import Actor


class Command(BaseCommand):
    help = "Create, revoke and list API tokens (a client's, or a staff member's with roles)."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="subcommand", required=True)
        create = sub.add_parser("create", help="create a token; it is printed once")
        create.add_argument("--client", help="client id or exact name: a client's token")
        create.add_argument("--user", help="staff username: a staff service token acting for this person")
        create.add_argument("--role", action="append", default=[], help="a role of the staff member (repeatable)")
        create.add_argument(
            "--expires", type=int, default=90, metavar="DAYS", help="days until it expires (default 90)"
        )
        create.add_argument("--contact", type=int, help="the designated contact who asked for it (client tokens)")
        create.add_argument("--networks", default="", help="allowed networks, CIDRs separated by commas")
        create.add_argument("--label", default="")
        create.add_argument("--json", action="store_true")
        revoke = sub.add_parser("revoke", help="revoke a token at once")
        revoke.add_argument("token", help="the token's id or prefix (vw_xxxxxxxx)")
        listing = sub.add_parser("list", help="list tokens (never the tokens themselves)")
        listing.add_argument("--client", type=int)
        listing.add_argument("--json", action="store_true")

    def handle(self, *args, subcommand: str, **options):
        actor = Actor.system("command line")
        if subcommand == "create":
            return self._create(options, actor)
        if subcommand == "revoke":
            token = find_token(options["token"])
            if token is None:
                raise CommandError(f"{options['token']}: no such token (give its id or prefix)")
            done = do_revoke_api_token(token, actor=actor)
            self.stdout.write(f"vw_{token.prefix} " + ("revoked" if done else "was revoked already"))
            return None
        rows = [
            {
                "id": t.pk,
                "prefix": f"vw_{t.prefix}",
                "kind": t.kind,
                "client": t.client_id,
                "user": t.user.username if t.user_id else None,  # type: ignore[union-attr]
                "roles": t.roles,
                "expires_at": t.expires_at.isoformat(),
                "revoked_at": t.revoked_at.isoformat() if t.revoked_at else None,
                "last_used_at": t.last_used_at.isoformat() if t.last_used_at else None,
            }
            for t in list_tokens(client_id=options["client"])
        ]
        if options["json"]:
            self.stdout.write(json.dumps(rows))
        else:
            for r in rows:
                state = "revoked" if r["revoked_at"] else "active"
                who = f"client {r['client']}" if r["client"] else f"{r['user']} ({', '.join(r['roles'])})"
                self.stdout.write(
                    f"{r['id']:>4}  {r['prefix']}  {r['kind']:<6} {who:<30} expires {r['expires_at'][:10]}  {state}"
                )
        return None

    def _create(self, options, actor):
        from verwerker.accounts.models import User  # local: same layer or upward, a cycle at the top
        from verwerker.clients.models import Contact  # local: same layer or upward, a cycle at the top
        from verwerker.clients.queries import find_client  # local: same layer or upward, a cycle at the top

        client = user = contact = None
        if options["client"]:
            client = find_client(options["client"])
            if client is None:
                raise CommandError(f"{options['client']}: no such client (give its id or exact name)")
        if options["user"]:
            user = User.objects.filter(username=options["user"]).first()
            if user is None:
                raise CommandError(f"{options['user']}: no such user")
        if options["contact"]:
            contact = Contact.objects.filter(pk=options["contact"]).first()
            if contact is None:
                raise CommandError(f"{options['contact']}: no such contact")
        try:
            token, secret = do_create_api_token(
                client=client,
                user=user,
                roles=options["role"],
                expires_days=options["expires"],
                networks=options["networks"],
                contact=contact,
                label=options["label"],
                actor=actor,
            )
        except ValidationError as exc:
            raise CommandError("; ".join(exc.messages)) from None
        if options["json"]:
            self.stdout.write(
                json.dumps(
                    {
                        "id": token.pk,
                        "token": secret,
                        "prefix": f"vw_{token.prefix}",
                        "kind": token.kind,
                        "client": token.client_id,
                        "roles": token.roles,
                        "expires_at": token.expires_at.isoformat(),
                    }
                )
            )
        else:
            self.stdout.write(
                f"API token {token.pk} ({token.kind}), expires {token.expires_at:%Y-%m-%d}:\n  {secret}\n"
                "It is shown this once and stored only as a hash."
            )
        return None
