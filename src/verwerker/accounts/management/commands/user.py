"""`verwerker user add|list|deactivate|reactivate|reset-2fa`: the People screen's actions, for scripts."""

from __future__ import annotations

import json

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from verwerker.accounts.actions import (
    do_create_client_user,
    do_create_staff_user,
    do_deactivate_user,
    do_reactivate_user,
    do_reset_second_factor,
)
from verwerker.accounts.models import User
from verwerker.accounts.queries import has_second_factor, list_users
from verwerker.accounts.roles import Role
from verwerker.audit.actors import Actor


def _user(username: str) -> User:
    user = User.objects.filter(username__iexact=username).first()
    if user is None:
        raise CommandError(f"{username}: no such user")
    return user


class Command(BaseCommand):
    help = "Create, list, deactivate and reset the second factor of users (staff and client users)."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="subcommand", required=True)
        add = sub.add_parser("add", help="create a user; prints the one-time password once")
        add.add_argument("username")
        add.add_argument("--email", required=True)
        add.add_argument("--role", action="append", default=[], choices=[r.value for r in Role],
                         help="a staff role (repeat for several)")
        add.add_argument("--client", help="client id: create a user of that client instead of staff")
        add.add_argument("--request", default="", help="reference of the client's request (client users, P05)")
        add.add_argument("--json", action="store_true")
        ls = sub.add_parser("list", help="list users")
        ls.add_argument("--json", action="store_true")
        for name, text in (("deactivate", "stop a user from logging in"), ("reactivate", "let a user log in again"),
                           ("reset-2fa", "remove a user's second factor: they enrol again at the next login")):
            p = sub.add_parser(name, help=text)
            p.add_argument("username")

    def handle(self, *args, subcommand: str, **options):
        actor = Actor.system("command line")
        try:
            if subcommand == "add":
                return self._add(options, actor)
            if subcommand == "list":
                return self._list(options)
            user = _user(options["username"])
            if subcommand == "deactivate":
                do_deactivate_user(user, actor=actor)
                self.stdout.write(f"{user.username} deactivated")
            elif subcommand == "reactivate":
                do_reactivate_user(user, actor=actor)
                self.stdout.write(f"{user.username} reactivated")
            else:
                removed = do_reset_second_factor(user, actor=actor)
                self.stdout.write(
                    f"{user.username}: {removed} second-factor device(s) removed; enrols again at next login"
                )
        except ValidationError as exc:
            raise CommandError(f"{options.get('username')}: " + "; ".join(exc.messages)) from None

    def _add(self, options, actor):
        from verwerker.clients.queries import find_client  # local: same layer or upward, a cycle at the top

        if options["client"]:
            if options["role"]:
                raise CommandError("a client user has no staff roles: give --client or --role, not both")
            client = find_client(options["client"])
            if client is None:
                raise CommandError(f"{options['client']}: no such client (give its id or name)")
            user, password = do_create_client_user(
                client, options["username"], email=options["email"], request_reference=options["request"], actor=actor
            )
        else:
            if not options["role"]:
                raise CommandError("a staff user needs at least one --role (or --client for a client user)")
            user, password = do_create_staff_user(options["username"], email=options["email"], roles=options["role"],
                                                  actor=actor)
        if options["json"]:
            self.stdout.write(json.dumps({"username": user.username, "password": password}))
        else:
            self.stdout.write(
                f"user {user.username}\n  one-time password: {password}\n"
                "Shown this once and stored only as a hash; it must be changed at the first login."
            )

    def _list(self, options):
        rows = [
            {"username": u.username, "email": u.email, "kind": "client" if u.client_id else "staff",
             "roles": sorted(g.name for g in u.groups.all()), "client": u.client_id, "active": u.is_active,
             "second_factor": has_second_factor(u),
             "last_login": u.last_login.isoformat() if u.last_login else None}
            for u in list_users()
        ]
        if options["json"]:
            self.stdout.write(json.dumps(rows))
            return
        for r in rows:
            who = f"client {r['client']}" if r["client"] else ",".join(r["roles"]) or "-"  # type: ignore[arg-type]
            state = "active" if r["active"] else "deactivated"
            self.stdout.write(f"{r['username']:<20} {who:<30} {state:<12} {r['last_login'] or 'never'}")
