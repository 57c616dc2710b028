"""`verwerker agreement add CLIENT [--from FILE.json] [--json]`, `agreement approve|activate ID`,
`agreement list CLIENT [--json]`: the processing agreements' actions, for scripts."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from verwerker.audit.actors import Actor
from verwerker.clients.actions import AGREEMENT_TERMS, do_activate_agreement, do_approve_agreement, do_create_agreement
from verwerker.clients.models import Agreement, Client, Subprocessor
from verwerker.clients.queries import find_client, list_agreements_for_client

DEFAULT_TERMS = {
    "subject": "Personalised printing and mailing of the client's mailings",
    "nature_and_purpose": "Receiving address files, merging them with letter texts, printing and mailing; deleting the files afterwards",  # noqa: E501
    "data_types": "Name, address and town (NAW)",
    "data_subject_categories": "The client's customers and relations",
}


def _client(ref: str) -> Client:
    client = find_client(ref)
    if client is None:
        raise CommandError(f"{ref}: no such client (give its id or exact name)")
    return client


def _agreement(ref: str) -> Agreement:
    agreement = Agreement.objects.filter(pk=int(ref)).first() if ref.isdigit() else None
    if agreement is None:
        raise CommandError(f"{ref}: no such agreement (give its id)")
    return agreement


def _row(a: Agreement) -> dict:
    return {"id": a.pk, "client": a.client_id, "reference": a.reference, "version": a.version,
            "status": a.status, "standing": getattr(a, "standing", a.status),
            "starts_on": a.starts_on.isoformat(), "ends_on": a.ends_on.isoformat() if a.ends_on else None,
            "supersedes": a.supersedes_id, "high_risk_allowed": a.high_risk_allowed,
            "approved": a.approved_at is not None, "max_retention_days": a.max_retention_days,
            "breach_notice_hours": a.breach_notice_hours}


def read_terms(path: Path) -> dict:
    """The terms in a JSON file: an object with the Art. 28(3) fields, ``reference`` and ``subprocessors``
    (names). Raises CommandError with one line naming the file and the problem."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise CommandError(f"{path}: cannot read it ({exc.strerror})") from None
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise CommandError(f"{path}: not valid JSON ({exc})") from None
    if not isinstance(data, dict):
        raise CommandError(f"{path}: expected a JSON object with the agreement's terms")
    unknown = set(data) - set(AGREEMENT_TERMS) - {"reference", "subprocessors"}
    if unknown:
        raise CommandError(f"{path}: unknown field(s) {', '.join(sorted(unknown))}")
    for key in ("starts_on", "ends_on"):
        if data.get(key):
            try:
                data[key] = dt.date.fromisoformat(data[key])
            except (TypeError, ValueError):
                raise CommandError(f"{path}: {key} must be a date as YYYY-MM-DD") from None
    names = data.pop("subprocessors", []) or []
    subs = list(Subprocessor.objects.filter(name__in=names))
    missing = set(names) - {s.name for s in subs}
    if missing:
        raise CommandError(f"{path}: no subprocessor named {', '.join(sorted(missing))}")
    data["subprocessors"] = subs
    return data


class Command(BaseCommand):
    help = "Draft, approve, activate and list processing agreements."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="subcommand", required=True)
        add = sub.add_parser("add", help="draft an agreement (default terms, or those of --from FILE.json)")
        add.add_argument("client", help="client id or name")
        add.add_argument("--from", dest="source", metavar="FILE.json")
        add.add_argument("--json", action="store_true")
        approve = sub.add_parser("approve", help="the privacy officer approves a draft's high-risk terms")
        approve.add_argument("id")
        approve.add_argument("--as", dest="officer", required=True, help="the privacy officer's username")
        activate = sub.add_parser("activate", help="put a draft in force (an amendment supersedes its old version)")
        activate.add_argument("id")
        ls = sub.add_parser("list", help="every version of a client's agreements")
        ls.add_argument("client")
        ls.add_argument("--json", action="store_true")

    def handle(self, *args, subcommand: str, **options):
        actor = Actor.system("command line")
        try:
            if subcommand == "add":
                client = _client(options["client"])
                terms = dict(DEFAULT_TERMS)
                if options["source"]:
                    terms.update(read_terms(Path(options["source"])))
                terms.setdefault("reference", f"VO-{client.pk:05d}-{client.agreements.count() + 1}")
                agreement = do_create_agreement(client, actor=actor, **terms)  # type: ignore[arg-type]
                if options["json"]:
                    self.stdout.write(json.dumps(_row(agreement)))
                else:
                    self.stdout.write(str(agreement.pk))
            elif subcommand == "approve":
                from verwerker.accounts.models import User

                officer = User.objects.filter(username__iexact=options["officer"], is_active=True).first()
                if officer is None:
                    raise CommandError(f"{options['officer']}: no such active user")
                agreement = _agreement(options["id"])
                do_approve_agreement(agreement, user=officer, actor=Actor.for_user(officer))
                self.stdout.write(f"{agreement.reference}: high-risk terms approved by {officer.username}")
            elif subcommand == "activate":
                agreement = _agreement(options["id"])
                do_activate_agreement(agreement, actor=actor)
                self.stdout.write(f"{agreement.reference} is active from {agreement.starts_on}")
            else:
                rows = [_row(a) for a in list_agreements_for_client(_client(options["client"]))]
                if options["json"]:
                    self.stdout.write(json.dumps(rows))
                else:
                    for r in rows:
                        self.stdout.write(f"{r['id']:>5}  {r['reference']:<20} v{r['version']}  {r['standing']:<18} "
                                          f"{r['starts_on']} – {r['ends_on'] or '…'}")
        except ValidationError as exc:
            raise CommandError("; ".join(exc.messages)) from None
