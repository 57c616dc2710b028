"""`verwerker subprocessor target NAME --host H --user U --host-key "ssh-ed25519 SHA256:..." (--key-file F | --password-file F)
[--port P] [--directory D]` and `verwerker subprocessor user NAME USERNAME [--email E]`."""  # noqa: E501

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from verwerker.audit.actors import Actor
from verwerker.clients.actions import do_create_subprocessor_user, do_set_subprocessor_sftp_target
from verwerker.clients.models import Subprocessor


class Command(BaseCommand):
    help = "Set a subprocessor's SFTP push target (host key pinned) or give it a login."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="subcommand", required=True)
        target = sub.add_parser("target", help="where jobs for the subprocessor are pushed")
        target.add_argument("name")
        target.add_argument("--host", required=True)
        target.add_argument("--port", type=int, default=22)
        target.add_argument("--user", required=True)
        target.add_argument("--directory", default="")
        target.add_argument("--host-key", required=True, help='type and SHA256 fingerprint, or `ssh-keygen -lf` output')
        target.add_argument("--key-file", default="", help="path of the private key (kept there, not copied)")
        target.add_argument("--password-file", default="", help="path of a file holding the password")
        user = sub.add_parser("user", help="a login for the subprocessor (prints its one-time password)")
        user.add_argument("name")
        user.add_argument("username")
        user.add_argument("--email", default="")

    def handle(self, *args, subcommand: str, **options):
        actor = Actor.system("command line")
        sub = Subprocessor.objects.filter(name=options["name"]).first()
        if sub is None:
            raise CommandError(f"no subprocessor named {options['name']!r}")
        try:
            if subcommand == "target":
                sub = do_set_subprocessor_sftp_target(
                    sub, host=options["host"], port=options["port"], username=options["user"],
                    directory=options["directory"], host_key=options["host_key"], key_file=options["key_file"],
                    password_file=options["password_file"], actor=actor,
                )
                self.stdout.write(f"{sub.sftp_target_label()} {sub.sftp_host_key}")
            else:
                user, password = do_create_subprocessor_user(
                    sub, options["username"], email=options["email"], actor=actor
                )
                self.stdout.write(f"{user.username} {password}")
        except ValidationError as exc:
            raise CommandError("; ".join(exc.messages)) from None
