"""Dutch first: no untranslated text on any page, PDF or CSV the system shows or writes.

Three checks:
- the catalogue holds every message the code marks for translation, each with a Dutch msgstr (Django's own
  makemessages runs over a copy of the source, so a msgid missing from the .po shows up as new or fuzzy);
- every page reachable for each role (the staff roles and a client user) is rendered in Dutch from a world
  made by the real actions (clients, files, jobs in several states, a certificate, a breach, requests,
  registers, relations; a high-risk file, an unreadable one and a job with rejects, whose reasons are stored
  in English) and its visible text holds none of a list of English words; the crawl follows the
  links each page offers and fills in the URL patterns with those objects, and fails on a pattern no role
  reached (except the POST-only ones, listed with the reason);
- the PDFs (deletion certificate, proof) and CSVs (reject report, relation export) the system writes are
  read (pdftotext, csv) and checked the same way.
"""

from __future__ import annotations

import csv
import datetime as dt
import html
import io
import json
import re
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import pytest
from django.urls import Resolver404, resolve

ROOT = Path(__file__).resolve().parents[1]
SRC = ROOT / "src" / "verwerker"

# Words that are English and not Dutch (nor a name or code the interface shows as such). A page whose visible
# text holds one has a string that escaped the catalogue. Short on purpose: each must never be Dutch.
ENGLISH = {
    "the", "and", "with", "without", "which", "this", "that", "these", "those", "from", "your", "you", "must",
    "needs", "need", "been", "has", "have", "not", "are", "were", "will", "would", "could", "should", "there",
    "their", "when", "where", "what", "who", "how", "please", "after", "before", "none", "true", "false",
    "edit", "save", "delete", "back", "next", "previous", "search", "date", "name", "agreement", "agreements",
    "job", "jobs", "file", "files", "upload", "uploaded", "uploads", "download", "report", "reports", "approved",
    "rejected", "released", "drafted", "produced", "printed", "shredded", "failed", "pending", "closed",
    "created", "received", "profiled", "certificate", "certificates", "breach", "breaches", "request",
    "requests", "days", "hours", "minutes", "ago", "by", "to", "on", "at", "yes", "only", "first",
    "last", "given", "client", "clients", "staff", "user", "users", "people", "person",
    "columns", "column", "kinds", "risk", "high", "low", "proof", "printing",
    "delivered", "delivery", "template", "deleted", "reason", "reasons", "notice",
    "notified", "window", "exposure", "subprocessor", "subprocessors", "house", "number", "street",
    "city", "initials", "surname", "unknown", "new", "cancel", "cancelled",
    "approve", "reject", "release", "retry", "sent", "send", "settings", "password",
    "second", "log", "out", "here", "can", "cannot", "may", "nothing", "every",
    "each", "any", "some", "all", "also", "than", "then", "into", "under", "about", "between",
    "while", "until", "since", "because", "its", "it", "they", "them", "she", "his", "our",
    "left", "right", "total", "count", "counts", "state", "step", "steps", "waiting", "ready",
    "done", "error", "errors", "warning", "warnings", "refused", "allowed", "needed", "required",
    "missing", "invalid", "valid", "expired", "active", "inactive", "enabled", "disabled", "finding",
    "findings", "complaint", "complaints", "outcome", "severity", "fixed", "retested", "due",
    "overdue", "purpose", "purposes", "consent", "consents",
    "withdrawn", "workstation", "workstations", "cameras", "incidents",
    "footage", "retention", "schedule", "schedules", "hold", "holds", "shredding", "purged",
    "certified", "confirmed", "measures", "approval",
}
ENGLISH = {w for w in ENGLISH if re.fullmatch(r"[a-z]+", w)}

# POST-only views (their GET answers 405 or redirects) and downloads checked by the PDF/CSV tests below.
# Pages with text still outside the catalogue, and why. The test fails when one of them turns out clean
# (take it off the list), and still checks them for every other problem (status, links).
KNOWN_UNTRANSLATED: dict[str, str] = {}

POST_ONLY = {
    "accounts:logout", "accounts:person_roles", "accounts:person_reset_2fa", "accounts:person_deactivate",
    "accounts:person_reactivate", "clients:agreement_approve", "clients:agreement_activate",
    "clients:subprocessor_agreement", "clients:client_user_create", "intake:lift_ban", "intake:sftp_issue",
    "intake:sftp_add_key", "intake:sftp_remove_key", "intake:sftp_disable_password", "intake:sftp_networks",
    "production:override_kind", "production:job_step", "production:record_spoilage", "production:confirm_printed",
    "production:subprocessor_confirm", "production:client_proof_decision", "production:job_progress",
    "privacy:breach_status", "privacy:breach_details", "privacy:breach_analyse", "privacy:breach_add_client",
    "privacy:breach_follow_up", "privacy:finding_status", "facilities:workstation_check", "facilities:finding_due",
    "facilities:answer_report_request", "facilities:close_incident", "facilities:view_clip",
    "facilities:answer_camera_request", "crm:person_extra", "crm:purpose", "crm:renewals",
    "retention:certificate_json", "set_language", "site:cookies_log", "site:cookies_js", "site:cookies_config",
    "crm:consent_link", "crm:request_export", "crm:certificate", "production:draft_job",
    # forms that sit on the list and detail pages the crawl renders; their own URL only takes the POST
    "accounts:person_create", "clients:create", "clients:edit", "clients:contact_add",
    # a subprocessor's own list needs a subprocessor login bound to a subprocessor with an SFTP target
    # (test_subprocessor_delivery renders it); a CRM request page needs a request of an own relation
    # (crm's test_requests renders it)
    "production:subprocessor", "crm:request",
    # the first-login and second-factor pages are reached before a session is complete: test_login and the
    # pages test below render them on their own
    "accounts:login", "accounts:otp", "accounts:password_change",
}


class _Text(HTMLParser):
    """The text a person reads on a page: text nodes (not scripts or styles) and the attributes shown."""

    SHOWN = ("title", "placeholder", "aria-label", "alt")

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.links: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag in ("script", "style", "code"):  # code (dotted paths, keys) is not prose
            self._skip += 1
        if tag == "a" and a.get("href"):
            self.links.append(a["href"])
        for name in self.SHOWN:
            if a.get(name):
                self.parts.append(a[name])
        if tag == "input" and a.get("type") in ("submit", "button") and a.get("value"):
            self.parts.append(a["value"])
        if a.get("data-confirm"):
            self.parts.append(a["data-confirm"])

    def handle_endtag(self, tag):
        if tag in ("script", "style", "code") and self._skip:
            self._skip -= 1

    def handle_data(self, data):
        if not self._skip:
            self.parts.append(data)


def english_words(text: str, *, allow: set[str] = frozenset()) -> list[str]:
    """The English words in ``text``, each with a little context."""
    found = []
    for m in re.finditer(r"[A-Za-z][A-Za-z'-]*", text):
        word = m.group(0).lower()
        before, after = text[m.start() - 1: m.start()], text[m.end(): m.end() + 2]
        if before in (".", "_") or re.fullmatch(r"[._][a-z]", after):  # part of a dotted path or an identifier
            continue
        if word in ENGLISH and word not in allow:
            found.append(text[max(0, m.start() - 40): m.end() + 40].replace("\n", " ").strip())
    return found


def visible(page: str) -> tuple[str, list[str]]:
    parser = _Text()
    parser.feed(page)
    return "\n".join(parser.parts), parser.links


def _csv_text(url: str, body: bytes) -> str:
    """The text of a CSV a person reads. The audit export's cells are the chain's values (codes, JSON details,
    hashes) that verification needs as they are: of it, the headers and the event names are read."""
    text = body.decode("utf-8-sig")
    if not url.startswith("/audit/"):
        return text
    rows = list(csv.reader(io.StringIO(text)))
    event = len(rows[0]) - 3  # ..., event, previous hash, hash
    return "\n".join([",".join(rows[0]), *(row[event] for row in rows[1:])])


# -- the catalogue -------------------------------------------------------------------------------------


def test_every_message_the_code_marks_is_in_the_catalogue_with_a_dutch_text(tmp_path):
    """GIVEN a copy of the source WHEN makemessages collects its messages into the copy's catalogue
    THEN no entry is new (empty msgstr) or a fuzzy guess: every msgid already had its Dutch text."""
    if not shutil.which("xgettext") or not shutil.which("msgattrib"):
        pytest.skip("gettext tools missing (apt-get install gettext)")
    copy = tmp_path / "verwerker"
    shutil.copytree(SRC, copy, ignore=shutil.ignore_patterns("__pycache__", "tests"))
    django_admin = Path(__file__).resolve().parents[1] / ".venv" / "bin" / "django-admin"
    command = [str(django_admin)] if django_admin.exists() else ["django-admin"]
    subprocess.run([*command, "makemessages", "-l", "nl", "--no-location", "--no-obsolete"], cwd=copy, check=True,
                   capture_output=True)
    missing = []
    for po in copy.rglob("locale/nl/LC_MESSAGES/django.po"):
        for flag in ("--untranslated", "--only-fuzzy"):
            out = subprocess.run(
                ["msgattrib", flag, "--no-wrap", str(po)], capture_output=True, text=True, check=True
            ).stdout
            missing += [m for m in re.findall(r'^msgid "(.+)"$', out, re.M)]
    assert missing == []


# -- the world the pages show ------------------------------------------------------------------------


def _produce(job):
    from verwerker.production.models import Job
    from verwerker.production.tasks import finish_job_production, produce_job, render_job_part

    parts = produce_job.call(job.pk)
    job = Job.objects.get(pk=job.pk)
    for index in range(1, parts + 1):
        render_job_part.call(job.pk, job.attempt, index)
    finish_job_production.call(job.pk, job.attempt)
    return Job.objects.get(pk=job.pk)


@pytest.fixture
def world(client_a, client_b, user_a, make_staff, system_actor, tmp_path, settings):
    """Objects in the states the screens show, made by the actions; returns the people who look at them."""
    from types import SimpleNamespace

    from django.utils import timezone

    from verwerker.audit.actors import Actor
    from verwerker.crm.actions import do_create_organisation, do_create_person
    from verwerker.datafiles.synthetic import address_csv
    from verwerker.facilities.actions import do_register_workstation
    from verwerker.intake.actions import do_issue_sftp_account
    from verwerker.privacy.actions import (
        do_add_affected_client,
        do_record_finding,
        do_record_pentest,
        do_register_complaint,
        do_report_breach,
    )
    from verwerker.privacy.subject_requests import do_log_subject_request
    from verwerker.privacy.subjects import Criteria
    from verwerker.production.actions import (
        do_confirm_printed,
        do_deliver_job,
        do_draft_job,
        do_fail_production,
        do_release_job,
    )
    from verwerker.production.models import PrintStation, Template
    from verwerker.production.render import EXAMPLES
    from verwerker.testing import receive_file

    staff = SimpleNamespace(
        database=make_staff("database", "db-opsteller"), second=make_staff("database", "db-tweede"),
        print=make_staff("print", "drukker"), relation=make_staff("relation", "relatiebeheer"),
        privacy=make_staff("privacy", "privacy-officer"), admin=make_staff("admin", "beheer"),
    )
    hot = tmp_path / "hot"
    hot.mkdir()
    template = Template.objects.create(name="Huurdersbrief", source=(EXAMPLES / "letter.typ").read_text())
    station = PrintStation.objects.create(name="Pers 1", hot_folder=str(hot))
    drafter = Actor.for_user(staff.database)

    def job(name: str, seed: int, *, extra: bytes = b"", **kwargs):
        data_file = receive_file(client_a, f"bestand-{seed}.csv", address_csv(12, seed=seed) + extra)
        return do_draft_job(data_file, name=name, template=template, user=staff.database, actor=drafter,
                            station=station, **kwargs)

    job("Brief concept", 1)
    proof = job("Brief met proef", 2, proof_required=True)
    do_release_job(proof, user=staff.database, actor=drafter)
    proof = _produce(proof)
    # a record without a postcode and a double one: the reject report gives its reasons
    done = job("Brief gedrukt", 3, extra=b"P.;;Zonderpostcodeman;Kerkpad;3;;NERGENS;K99\r\n"
                                         b"A.;van;Dubbelsteyn;Laan;5;2345 BC;DAAR;K98\r\n" * 2)
    do_release_job(done, user=staff.database, actor=drafter)
    done = _produce(done)
    done = do_deliver_job(done, actor=drafter)
    do_confirm_printed(done, user=staff.print, actor=Actor.for_user(staff.print))
    failed = job("Brief mislukt", 4)
    do_release_job(failed, user=staff.database, actor=drafter)
    do_fail_production(failed, error="sjabloonfout op regel 3", actor=system_actor)
    delivered = job("Brief bij de drukker", 5)
    do_release_job(delivered, user=staff.database, actor=drafter)
    do_deliver_job(_produce(delivered), actor=drafter)
    receive_file(client_a, "nog-te-bekijken.csv", address_csv(8, seed=6))
    receive_file(client_b, "leden.csv", address_csv(8, seed=7))
    # a file of risk class high (its reasons are stored in English) and one that cannot be read (so is its reason)
    receive_file(client_a, "hoog-risico.csv", (ROOT / "tests" / "samples" / "high_utf8_comma.csv").read_bytes())
    receive_file(client_a, "scan.csv", b"%PDF-1.4\n% een scan, geen tabel\n")

    do_issue_sftp_account(client_a, actor=system_actor)
    now = timezone.now()
    breach = do_report_breach(title="Laptop verloren", description="Een laptop is in de trein blijven liggen.",
                              discovered_at=now - dt.timedelta(hours=3), window_start=now - dt.timedelta(days=2),
                              window_end=now - dt.timedelta(days=1), reporter=staff.database, actor=system_actor)
    do_add_affected_client(breach, client_b, actor=system_actor)
    do_log_subject_request(client_a, "access", Criteria(email="iemand@example.test"), actor=system_actor)
    do_register_complaint(complainant="J. Jansen", subject="Brief te laat", description="Twee weken te laat.",
                          client=client_a, actor=system_actor)
    pentest = do_record_pentest(performed_on=dt.date(2026, 6, 1), tester="Testbureau", scope="Portaal",
                                actor=system_actor)
    do_record_finding(pentest, title="Ontbrekende header", severity="low", actor=system_actor)
    org = do_create_organisation({"name": "Drukwerk Klant BV", "is_client": True, "street": "Kerkstraat",
                                  "house_number": "1", "postcode": "1234AB", "city": "Utrecht"}, actor=system_actor)
    do_create_person({"initials": "P.", "last_name": "Pietersen", "email": "p@example.test", "street": "Dorpsweg",
                      "house_number": "5", "postcode": "2345 CD", "city": "Leiden", "organisation": org},
                     actor=system_actor)
    do_register_workstation(name="Werkplek 1", kind="desktop", location="Kantoor", responsible=staff.admin,
                            actor=system_actor)
    # The agreements' texts as a house writes them (the shared fixtures' are placeholders).
    from verwerker.clients.actions import do_create_agreement
    from verwerker.clients.models import Agreement
    from verwerker.crm.actions import do_create_mailing
    from verwerker.crm.models import MailingChannel, Purpose

    Agreement.objects.update(subject="Huurdersbrieven", nature_and_purpose="Drukken en verzenden van brieven",
                             data_subject_categories="Huurders en leden")
    draft_agreement = do_create_agreement(
        client_b, reference="VO-B-2", subject="Ledenblad", nature_and_purpose="Drukken en verzenden",
        data_types="NAW", data_subject_categories="Leden", starts_on=dt.date(2027, 1, 1), actor=system_actor)
    purpose = Purpose.objects.filter(active=True).first()
    do_create_mailing(name="Nieuwsbrief voorjaar", purpose=purpose, channel=MailingChannel.LETTER, actor=system_actor)
    seeds = [f"/klanten/overeenkomsten/{draft_agreement.pk}/wijzigen/", "/relaties/mailings/"]
    return SimpleNamespace(staff=staff, user_a=user_a, proof=proof, done=done, failed=failed, seeds=seeds)


def _log_in(client, user):
    client.force_login(user)
    if user.is_staff:
        from django_otp.plugins.otp_totp.models import TOTPDevice

        device = TOTPDevice.objects.create(user=user, name="test", confirmed=True)
        session = client.session
        session["otp_device_id"] = device.persistent_id
        session.save()
    client.cookies["django_language"] = "nl"


SKIP_LINKS = ("/static/", "/i18n/", "/beheer/", "/site/")
# URL namespaces whose every pattern another suite requests for each kind of user: the JSON API
# (api/tests/test_schemathesis.py and the cross-client tests) and the client portals (portal/tests/
# test_isolation.py enumerates every portal URL); the crawl starts from the house's screens.
OWN_SUITES = ("api:", "apiscreens:", "portal:", "portal_house:")
# Opened by a form's POST, an <img> or a button rather than a link the crawl follows; each has its own test.
NOT_LINKED = {
    "audit:save_filter", "audit:delete_filter", "notifications:mark_read", "notifications:preferences",
    "privacy:breach_impact", "production:rejects_preview", "production:proof_sheet", "production:template_sample",
    "crm:certificate_pdf",
}
PER_PATTERN = 3  # pages of one URL pattern visited per role: enough to see each kind of object


def crawl(client, *, downloads: dict, known: dict, seeds=()) -> tuple[dict[str, list[str]], set[str]]:
    """Visit every page reachable from home (and the ``seeds``: pages a form or a button opens, not a link;
    those a role may not open are passed over); return {url: English found} and the URL names reached."""
    seen: set[str] = set()
    per_name: dict[str, int] = {}
    found: dict[str, list[str]] = {}
    reached: set[str] = set()
    queue = ["/", *seeds]
    while queue:
        url = queue.pop(0)
        seeded = url in seeds
        if url in seen:
            continue
        seen.add(url)
        try:
            match = resolve(urlsplit(url).path)
        except Resolver404:
            found[url] = ["link to a page that does not exist"]
            continue
        name = f"{match.namespace}:{match.url_name}" if match.namespace else match.url_name
        if per_name.get(name, 0) >= PER_PATTERN:
            continue
        per_name[name] = per_name.get(name, 0) + 1
        response = client.get(url)
        if response.status_code in (301, 302):
            continue
        if response.status_code != 200:
            if not (seeded and response.status_code in (403, 404)):
                found[url] = [f"status {response.status_code} (a link this role is shown leads to a refusal)"]
            continue
        reached.add(name)
        kind = response.get("Content-Type", "")
        if not kind.startswith("text/html"):
            body = b"".join(response.streaming_content) if response.streaming else response.content
            downloads.setdefault(kind.split(";")[0], []).append((url, body))
            continue
        text, links = visible(response.content.decode())
        english = english_words(text)
        if name in KNOWN_UNTRANSLATED:
            known.setdefault(name, []).extend(english)
        elif english:
            found[url] = english
        for link in links:
            target = urljoin(url, html.unescape(link))
            parts = urlsplit(target)
            if parts.netloc or parts.scheme or not parts.path.startswith("/") or parts.path.startswith(SKIP_LINKS):
                continue
            target = parts.path + (f"?{parts.query}" if parts.query else "")
            if target not in seen:
                queue.append(target)
    return found, reached


@pytest.mark.slow
def test_every_page_for_every_role_is_dutch(world, client, settings):
    """GIVEN the world, each staff role and a client user WHEN every page reachable from their home is
    rendered in Dutch THEN no visible text holds an English word, no link leads nowhere, and every URL
    pattern a person opens is reached by some role."""
    from django.urls import get_resolver

    from verwerker.lib.testing import pdf_text

    people = {**vars(world.staff), "client": world.user_a}
    problems: dict[str, dict[str, list[str]]] = {}
    reached: set[str] = set()
    downloads: dict[str, list] = {}
    known: dict[str, list] = {}
    for role, user in people.items():
        client.logout()
        _log_in(client, user)
        found, names = crawl(client, downloads=downloads, known=known, seeds=world.seeds)
        reached |= names
        if found:
            problems[role] = found
    patterns = set()

    def walk(resolver, prefix=""):
        for p in resolver.url_patterns:
            if hasattr(p, "url_patterns"):
                walk(p, f"{prefix}{p.namespace}:" if p.namespace else prefix)
            elif p.name:
                patterns.add(f"{prefix}{p.name}")

    walk(get_resolver())
    not_reached = sorted(p for p in patterns - reached - POST_ONLY - NOT_LINKED
                         if not p.startswith(("admin:", *OWN_SUITES)))
    pdfs = [(url, english_words(pdf_text(body))) for url, body in downloads.get("application/pdf", [])]
    csvs = [(url, english_words(_csv_text(url, body))) for url, body in downloads.get("text/csv", [])]
    clean_now = sorted(name for name in KNOWN_UNTRANSLATED if name in reached and not known.get(name))
    report = {"problems": problems, "not reached": not_reached, "known untranslated but clean now": clean_now,
              "pdf": [p for p in pdfs if p[1]], "csv": [c for c in csvs if c[1]]}
    if any(report.values()):
        pytest.fail("untranslated text:\n" + json.dumps(report, indent=1, ensure_ascii=False), pytrace=False)
    assert any(url for url, _ in downloads.get("application/pdf", [])), "no PDF was reached to check"


# -- what the code stores in English and a screen shows ------------------------------------------------
# A profile's risk reasons and an unreadable file's reason are stored in English (the profile JSON is the
# command line's contract, DataFile.reason the API's) and put through the catalogue when shown
# (datafiles/texts.py). The crawl above reaches them only when its world holds such files; these tests
# make them and read them.

# A record without a postcode and a double record: production leaves both out (with reasons).
WITH_REJECTS = (b"Voorletters;Tussenvoegsel;Achternaam;Straat;Huisnummer;Postcode;Plaats\r\n"
                b"J.;de;Vries;Dorpsstraat;12;1234 AB;ERGENS\r\n"
                b"P.;;Zonderpostcodeman;Kerkpad;3;;NERGENS\r\n"
                b"A.;van;Dubbelsteyn;Laan;5;2345 BC;DAAR\r\n"
                b"A.;van;Dubbelsteyn;Laan;5;2345 BC;DAAR\r\n")


def _unreadable_calls() -> list[tuple[str, int, str]]:
    """Each UnreadableFile(name, reason) the readers raise, with its reason as written (an f-string's
    parts filled with "7")."""
    import ast

    found = []
    for path in (SRC / "datafiles" / "read.py", SRC / "datafiles" / "actions.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "UnreadableFile":
                reason = node.args[1]
                if isinstance(reason, ast.Constant):
                    text = reason.value
                else:
                    assert isinstance(reason, ast.JoinedStr), f"{path.name}:{node.lineno}: a reason that is not text"
                    text = "".join(v.value if isinstance(v, ast.Constant) else "7" for v in reason.values)
                found.append((path.name, node.lineno, text))
    return found


def test_every_reason_a_file_is_unreadable_for_is_one_the_screens_translate():
    """GIVEN each reason the readers and the profiling give for an unreadable file WHEN a screen shows it in
    Dutch THEN it is one of read.UNREADABLE_REASONS, translated without an English word; and every one
    listed is still given somewhere. The reasons a file is refused read in Dutch too."""
    from django.utils import translation

    from verwerker.datafiles.actions import REFUSAL_REASONS
    from verwerker.datafiles.read import UNREADABLE_REASONS
    from verwerker.datafiles.texts import _reason_patterns, reason_text, unreadable_text

    calls = _unreadable_calls()
    assert len(calls) >= 30
    used = set()
    with translation.override("nl"):
        for reason in REFUSAL_REASONS:
            assert reason_text(reason) != reason and english_words(reason_text(reason)) == []
        for module, line, reason in calls:
            stored = f"lijst.csv: {reason}"
            template = next((t for p, t in _reason_patterns() if p.fullmatch(reason)), None)
            assert template is not None, f"{module}:{line}: {reason!r} is not in read.UNREADABLE_REASONS"
            used.add(template)
            shown = unreadable_text(stored)
            assert shown.startswith("lijst.csv: ") and shown != stored
            assert english_words(shown) == [], (module, line, shown)
    assert sorted(set(UNREADABLE_REASONS) - used) == []


@pytest.mark.slow
def test_risk_reasons_unreadable_files_and_rejects_read_in_dutch(client, client_a, user_a, make_staff, tmp_path):
    """GIVEN a high-risk file, the same with a profile stored before its risks were kept as codes (English
    lines only), an unreadable file, a file with rows production leaves out and an interrupted upload
    WHEN their pages (with their timelines), the client's list, the masked rejects and the reject report
    are read in Dutch THEN no English word is left and the reasons read as the catalogue has them."""
    from django.urls import reverse

    from verwerker.audit.actors import Actor
    from verwerker.datafiles.models import DataFile
    from verwerker.intake.actions import do_abort_upload, do_register_upload
    from verwerker.intake.models import UploadChannel
    from verwerker.production.actions import do_draft_job, do_release_job
    from verwerker.production.models import OutputKind, PrintStation, Template
    from verwerker.production.render import EXAMPLES
    from verwerker.testing import receive_file

    high_risk = (ROOT / "tests" / "samples" / "high_utf8_comma.csv").read_bytes()
    high = receive_file(client_a, "hoog-risico.csv", high_risk)
    assert high.risk == "high" and {"code": "not_naw", "column": "Veld7", "kind": "iban"} in high.profile["risks"]
    old = receive_file(client_a, "oud-profiel.csv", high_risk)
    DataFile.objects.filter(pk=old.pk).update(profile={k: v for k, v in old.profile.items() if k != "risks"})
    unreadable = receive_file(client_a, "scan.csv", b"%PDF-1.4\n% een scan, geen tabel\n")
    assert unreadable.state == "unreadable" and unreadable.reason == "scan.csv: a PDF document, not a table"
    rejects = receive_file(client_a, "met-fouten.csv", WITH_REJECTS)

    drafter = make_staff("database", "db-opsteller")
    _log_in(client, drafter)
    pages = {
        f"{f.name}": client.get(reverse("production:data_file", args=[f.pk])).content.decode()
        for f in (high, old, unreadable)
    }
    pages["rejects preview"] = client.post(reverse("production:rejects_preview", args=[rejects.pk]),
                                           {"dedupe": "person"}).content.decode()
    for name in ("hoog-risico.csv", "oud-profiel.csv"):
        assert "Veld7 (IBAN): geen naam- en adresgegevens" in pages[name]
        assert "Diagnose: de kolomnaam wijst op bijzondere persoonsgegevens (gezondheidsgegevens)" in pages[name]
    assert "scan.csv: een PDF-document, geen tabel" in pages["scan.csv"]
    assert "onbestelbaar: ongeldige of ontbrekende postcode" in pages["rejects preview"]

    template = Template.objects.create(name="Huurdersbrief", source=(EXAMPLES / "letter.typ").read_text())
    station = PrintStation.objects.create(name="Pers 1", hot_folder=str(tmp_path))
    job = do_draft_job(rejects, name="Brief met afwijzingen", template=template, user=drafter,
                       actor=Actor.for_user(drafter), station=station)
    job = _produce(do_release_job(job, user=drafter, actor=Actor.for_user(drafter)))
    output = job.outputs.get(kind=OutputKind.REJECTS, attempt=job.attempt)
    url = reverse("production:job_output", args=[job.pk, output.pk])
    response = client.get(url)
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    report = _csv_text(url, b"".join(response.streaming_content) if response.streaming else response.content)
    assert "onbestelbaar: ongeldige of ontbrekende postcode" in report

    client.logout()
    _log_in(client, user_a)
    pages["client's files"] = client.get(reverse("production:client")).content.decode()
    assert "scan.csv: een PDF-document, geen tabel" in pages["client's files"]
    # an upload's reason is a code (Upload.reason, the log's details): shown by its label
    broken = do_register_upload(client_a, channel=UploadChannel.WEB, name="half.csv", user=user_a,
                                actor=Actor.for_user(user_a))
    do_abort_upload(broken, None, actor=Actor.for_user(user_a), reason="interrupted")
    pages["interrupted upload"] = client.get(reverse("intake:upload", args=[broken.pk])).content.decode()
    assert "afgebroken (onderbroken)" in pages["interrupted upload"]

    english = {name: english_words(visible(page)[0]) for name, page in pages.items()}
    english["reject report"] = english_words(report)
    assert {name: words for name, words in english.items() if words} == {}
