"""The compliance dashboard: one row per promise P01–P27, the control that enforces it, and live evidence.

Each promise has a check: a function returning a Finding computed from the system's own records at the
moment of asking, and names the code that enforces it (``where``). A promise the system does not (yet)
enforce says so plainly instead of showing green. Every check can fail: tests put the system in a state
where each must not show "enforced", and in one where it must.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.core import checks as django_checks
from django.db.models import Count, Exists, F, OuterRef, Q
from django.template import engines
from django.utils import timezone
from django.utils.module_loading import import_string
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from verwerker.accounts.models import User
from verwerker.accounts.roles import ROLE_PERMISSIONS
from verwerker.audit.models import AuditEvent, ChainCheckpoint
from verwerker.clients.eea import EEA
from verwerker.clients.models import Agreement, Client, Subprocessor
from verwerker.clients.queries import agreements_in_force
from verwerker.datafiles.models import DataFile, DataFileState
from verwerker.intake.models import SftpAccount
from verwerker.intake.purge import SftpFolderPurger
from verwerker.privacy.models import (
    OPEN_BREACH_STATES,
    BreachClient,
    Complaint,
    DataSubjectRequest,
    FindingStatus,
    Pentest,
    PentestFinding,
    RequestStatus,
)
from verwerker.production.models import Job
from verwerker.production.workflow import JobState
from verwerker.retention.models import RetentionSchedule
from verwerker.retention.queries import get_keep_days, held_ids
from verwerker.retention.rules import RecordClass, schedule_problems
from verwerker.vault.models import Blob, BlobState


class State:
    OK = "ok"
    ATTENTION = "attention"
    FAILING = "failing"
    NOT_ENFORCED = "not_enforced"


@dataclass(frozen=True)
class Finding:
    state: str
    evidence: str


@dataclass(frozen=True)
class Promise:
    id: str
    promise: str
    control: str
    # The functions and classes that enforce the promise, as dotted import paths (shown on the dashboard;
    # a test imports each, so a rename cannot leave the dashboard pointing at nothing).
    where: tuple[str, ...] = ()


PROMISES = [
    Promise(
        "P01",
        _("Roles: each role sees and does only its part"),  # type: ignore[arg-type]
        _("Staff roles as groups with only their permissions; client users bound to one client"),  # type: ignore[arg-type]
        (
            "verwerker.accounts.roles.ROLE_PERMISSIONS",
            "verwerker.production.queries.access_job_for",
            "verwerker.datafiles.queries.access_data_file_for",
        ),
    ),
    Promise(
        "P02", _("CRM with validated contact and company data"), _("CRM app"), ("verwerker.crm.compliance.check_p02",)  # type: ignore[arg-type]
    ),
    Promise(
        "P03",
        _("Information mailings only with consent"),  # type: ignore[arg-type]
        _("Consent records per purpose"),  # type: ignore[arg-type]
        ("verwerker.crm.compliance.check_p03",),
    ),
    Promise(
        "P04",
        _("Extra relation data used only for fitting promotions"),  # type: ignore[arg-type]
        _("Purpose-bound CRM fields"),  # type: ignore[arg-type]
        ("verwerker.crm.compliance.check_p04",),
    ),
    Promise(
        "P05",
        _("Client web-to-print portals with per-user accounts"),  # type: ignore[arg-type]
        _("Portal app"),  # type: ignore[arg-type]
        (
            "verwerker.portal.queries.access_member_for",
            "verwerker.portal.actions.do_add_member",
            "verwerker.portal.compliance.check_p05",
        ),
    ),
    Promise(
        "P06",
        _("Orderer data isolated per client; no analytics without permission"),  # type: ignore[arg-type]
        _("Tenant isolation; no stored payment data"),  # type: ignore[arg-type]
        (
            "verwerker.portal.queries.access_member_for",
            "verwerker.portal.actions.do_switch_analytics",
            "verwerker.portal.purge.PortalOrderPurger",
            "verwerker.portal.payment.PaymentProvider",
            "verwerker.portal.compliance.check_p06",
        ),
    ),
    Promise(
        "P07",
        _("Data-subject requests via the client, executed on held files"),  # type: ignore[arg-type]
        _("Request register with deadlines and receipts"),  # type: ignore[arg-type]
        (
            "verwerker.privacy.subject_requests.do_log_subject_request",
            "verwerker.privacy.subject_requests.search_subject_request",
            "verwerker.privacy.subject_requests.do_execute_subject_request",
        ),
    ),
    Promise(
        "P08",
        _("Cookies only with consent"),  # type: ignore[arg-type]
        _("Only the session and CSRF cookies; no tracking"),  # type: ignore[arg-type]
        (
            "verwerker.privacy.compliance.external_resources",
            "verwerker.facilities.compliance.cookies",
            "verwerker.facilities.actions.do_record_consent",
        ),
    ),
    Promise(
        "P09",
        _("Files processed only under an active processing agreement"),  # type: ignore[arg-type]
        _("One query decides; intake and production ask it"),  # type: ignore[arg-type]
        (
            "verwerker.clients.queries.get_active_agreement",
            "verwerker.intake.actions.do_register_upload",
            "verwerker.production.workflow.check_step",
        ),
    ),
    Promise(
        "P10",
        _("Every file profiled on arrival; risk class decides the path"),  # type: ignore[arg-type]
        _("Profiler on intake"),  # type: ignore[arg-type]
        ("verwerker.datafiles.actions.do_profile_data_file", "verwerker.datafiles.profile.profile_table"),
    ),
    Promise(
        "P11",
        _("Encryption at rest, least privilege, staff NDAs and awareness"),  # type: ignore[arg-type]
        _("Vault; roles; NDA register"),  # type: ignore[arg-type]
        (
            "verwerker.facilities.middleware.ConfidentialityGateMiddleware",
            "verwerker.facilities.compliance.confidentiality",
        ),
    ),
    Promise(
        "P12",
        _("Password policy, second factor for staff, lockout"),  # type: ignore[arg-type]
        _("Argon2, length ≥ 12, TOTP for staff, lockout after failures"),  # type: ignore[arg-type]
        ("verwerker.accounts.middleware.AccountGateMiddleware", "verwerker.accounts.actions.do_change_password"),
    ),
    Promise(
        "P13",
        _("One SFTP login per client, issued once"),  # type: ignore[arg-type]
        _("SFTP accounts with one-time credentials"),  # type: ignore[arg-type]
        ("verwerker.intake.actions.do_issue_sftp_account", "verwerker.intake.queries.login_refusal"),
    ),
    Promise(
        "P14",
        _("Files flow to print without copies; plaintext never on disk"),  # type: ignore[arg-type]
        _("Vault streaming encryption; hot-folder files removed at confirmation"),  # type: ignore[arg-type]
        (
            "verwerker.vault.actions.open_blob_writer",
            "verwerker.vault.actions.open_blob_reader",
            "verwerker.intake.streaming.UploadStream",
            "verwerker.production.actions.do_close_job",
        ),
    ),
    Promise(
        "P15",
        _("Every action logged, tamper-evident"),  # type: ignore[arg-type]
        _("Hash-chained append-only audit log, verified daily; every read of client data audited"),  # type: ignore[arg-type]
        (
            "verwerker.audit.actions.do_record_event",
            "verwerker.audit.queries.verify_chain",
            "verwerker.vault.actions.open_blob_reader",
        ),
    ),
    Promise(
        "P16",
        _("No backups of data files; unreadable after purge"),  # type: ignore[arg-type]
        _("Crypto-shredding; vault excluded from backups"),  # type: ignore[arg-type]
        ("verwerker.vault.actions.do_shred_blobs", "verwerker.vault.checks.check_vault_not_backed_up"),
    ),
    Promise(
        "P17",
        _("Deletion right after processing; monthly workstation check"),  # type: ignore[arg-type]
        _("Purge on job completion; workstation check register"),  # type: ignore[arg-type]
        (
            "verwerker.production.actions.do_close_job",
            "verwerker.retention.actions.do_issue_certificate",
            "verwerker.facilities.compliance.workstations",
            "verwerker.facilities.actions.do_record_workstation_check",
        ),
    ),
    Promise(
        "P18",
        _("SFTP folder emptied monthly; data kept at most one month"),  # type: ignore[arg-type]
        _("Hourly purge against the agreement's maximum retention and the folders' monthly schedule"),  # type: ignore[arg-type]
        (
            "verwerker.retention.purge.run_purge",
            "verwerker.datafiles.purge.DataFilePurger",
            "verwerker.intake.purge.SftpFolderPurger",
        ),
    ),
    Promise(
        "P19",
        _("CRM and financial data kept 7 years"),  # type: ignore[arg-type]
        _("Retention schedules per record class"),  # type: ignore[arg-type]
        ("verwerker.retention.rules.schedule_problems", "verwerker.retention.actions.do_change_retention_schedule"),
    ),
    Promise(
        "P20",
        _("Minors only with parental consent"),  # type: ignore[arg-type]
        _("Birth dates checked; jobs blocked until consent"),  # type: ignore[arg-type]
        ("verwerker.production.actions.gates_waiting", "verwerker.production.actions.do_record_parental_consent"),
    ),
    Promise(
        "P21",
        _("Subprocessors only when the agreement names them"),  # type: ignore[arg-type]
        _("Delivery checks the agreement"),  # type: ignore[arg-type]
        ("verwerker.production.actions.delivery_refusal",),
    ),
    Promise(
        "P22",
        _("No personal data outside the EU/EEA"),  # type: ignore[arg-type]
        _("Subprocessor country check in the database"),  # type: ignore[arg-type]
        ("verwerker.clients.eea.is_eea", "verwerker.production.actions.delivery_refusal"),
    ),
    Promise(
        "P23",
        _("Standard/High classification with extra measures"),  # type: ignore[arg-type]
        _("Automatic classification; second approver"),  # type: ignore[arg-type]
        (
            "verwerker.datafiles.profile.profile_table",
            "verwerker.production.actions.gates_waiting",
            "verwerker.production.actions.do_approve_job",
        ),
    ),
    Promise(
        "P24",
        _("Breach notice to the client within the agreed hours"),  # type: ignore[arg-type]
        _("Breach register with clock and escalation"),  # type: ignore[arg-type]
        ("verwerker.privacy.actions.do_report_breach", "verwerker.privacy.actions.do_escalate_breaches"),
    ),
    Promise(
        "P25",
        _("Complaints handled"),  # type: ignore[arg-type]
        _("Complaint register"),  # type: ignore[arg-type]
        ("verwerker.privacy.actions.do_register_complaint", "verwerker.privacy.actions.do_update_complaint"),
    ),
    Promise(
        "P26",
        _("Yearly penetration test, findings fixed and retested"),  # type: ignore[arg-type]
        _("Pentest register"),  # type: ignore[arg-type]
        (
            "verwerker.privacy.actions.do_record_pentest",
            "verwerker.privacy.actions.do_update_finding",
            "verwerker.facilities.compliance.pentests",
        ),
    ),
    Promise(
        "P27",
        _("Camera footage kept at most 4 weeks"),  # type: ignore[arg-type]
        _("Footage retention register"),  # type: ignore[arg-type]
        (
            "verwerker.facilities.actions.do_set_camera_retention",
            "verwerker.facilities.actions.do_view_clip",
            "verwerker.facilities.compliance.cameras",
        ),
    ),
]

# Staff time-outs the checks use: the audit chain is verified daily (a day and a bit of slack), and a
# complaint is answered within six weeks (the Dutch General Administrative Law Act's term, art. 9:11).
AUDIT_VERIFY_MAX_AGE = dt.timedelta(hours=26)
COMPLAINT_TERM = dt.timedelta(weeks=6)

CHECKS: dict[str, Callable[[], Finding]] = {}


def check(promise_id: str):
    def register(fn: Callable[[], Finding]) -> Callable[[], Finding]:
        CHECKS[promise_id] = fn
        return fn

    return register


def evaluate() -> list[dict]:
    rows = []
    for promise in PROMISES:
        fn = CHECKS.get(promise.id)
        if fn is None:
            finding = Finding(State.NOT_ENFORCED, gettext("Not enforced by the system yet."))
        else:
            try:
                finding = fn()
            except Exception as exc:  # a broken check must show, not hide the dashboard
                finding = Finding(State.FAILING, gettext("The check itself failed: %(error)s") % {
                    "error": type(exc).__name__})
        rows.append({"promise": promise, "finding": finding})
    return rows


@check("P01")
def _roles() -> Finding:
    staff_without_role = User.objects.filter(is_staff=True, is_active=True, groups__isnull=True).count()
    superusers = User.objects.filter(is_superuser=True, is_active=True).count()
    text = gettext("%(roles)s roles; %(without)s active staff without a role; %(superusers)s superusers (bypass "
                   "roles).") % {"roles": len(ROLE_PERMISSIONS), "without": staff_without_role,
                                 "superusers": superusers}
    return Finding(State.OK if superusers == 0 else State.ATTENTION, text)


_EXTERNAL = re.compile(
    r"<(?:script|iframe|img|link)\b[^>]*\b(?:src|href)\s*=\s*[\"']?(?:https?:)?//", re.IGNORECASE
)


def external_resources() -> list[str]:
    """Templates that load a script, frame, image or style sheet from another site (a tracker could set
    cookies from there); the application's own cookies are its session, CSRF and language cookies."""

    found, seen = [], set()
    for folder in engines["django"].template_dirs:
        for path in sorted(Path(folder).rglob("*.html")):
            name = path.relative_to(folder)
            if name in seen:
                continue  # shadowed by an earlier directory's template of that name: never rendered
            seen.add(name)
            if _EXTERNAL.search(path.read_text(encoding="utf-8", errors="replace")):
                found.append(f"{Path(folder).name}/{name}")
    return found


@check("P07")
def _subject_requests() -> Finding:
    today = timezone.localdate()
    open_requests = DataSubjectRequest.objects.filter(status=RequestStatus.OPEN)
    overdue = open_requests.filter(Q(extended_to__lt=today) | Q(extended_to__isnull=True, deadline__lt=today)).count()
    executed = DataSubjectRequest.objects.filter(status=RequestStatus.EXECUTED)
    without_receipt = executed.filter(receipt="").count()
    text = gettext("%(open)s requests open, %(overdue)s past their deadline; %(executed)s executed, %(without)s of "
                   "them without a receipt for the client.") % {
        "open": open_requests.count(), "overdue": overdue, "executed": executed.count(), "without": without_receipt}
    return Finding(State.FAILING if overdue or without_receipt else State.OK, text)


@check("P08")
def _cookies() -> Finding:
    external = external_resources()
    if external:
        return Finding(State.FAILING, gettext("%(count)s templates load content from another site (it could set "
                                              "cookies without consent): %(templates)s.") % {
            "count": len(external), "templates": ", ".join(external[:5])})
    return Finding(State.OK, gettext("The application sets only its session, CSRF and language cookies; no template "
                                     "loads scripts, frames, images or styles from another site."))


@check("P09")
def _agreements() -> Finding:
    active = set(agreements_in_force().values_list("client_id", flat=True))
    total = Client.objects.count()
    in_process = (JobState.RELEASED, JobState.PRODUCING, JobState.PRODUCED, JobState.PROOF_APPROVED, JobState.DELIVERED)
    stranded = Job.objects.filter(state__in=in_process).exclude(client_id__in=active).count()
    text = gettext("%(active)s of %(total)s clients have an agreement in force; only they can send files.") % {
        "active": len(active), "total": total}
    if stranded:
        return Finding(State.ATTENTION, text + " " + gettext(
            "%(count)s jobs are in process for clients without one (every further step is refused; cancel them to "
            "delete their data).") % {"count": stranded})
    return Finding(State.OK, text)


@check("P12")
def _authentication() -> Finding:
    from django_otp.plugins.otp_totp.models import TOTPDevice  # deferred: a heavy import


    staff = User.objects.filter(is_staff=True, is_active=True)
    enrolled = TOTPDevice.objects.filter(user__in=staff, confirmed=True).values("user").distinct().count()
    total = staff.count()
    state = State.OK if enrolled == total else State.ATTENTION
    return Finding(
        state,
        gettext("%(enrolled)s of %(total)s active staff have a second factor (the rest must enrol at their next "
                "login); lockout after %(limit)s failures; passwords ≥ 12 characters, Argon2.") % {
            "enrolled": enrolled, "total": total, "limit": settings.AXES_FAILURE_LIMIT},
    )


@check("P15")
def _audit() -> Finding:
    last = ChainCheckpoint.objects.order_by("-checked_at").first()
    if last is None:
        return Finding(State.ATTENTION, gettext("The audit chain has not been verified yet (daily task)."))
    when = f"{timezone.localtime(last.checked_at):%Y-%m-%d %H:%M}"
    if not last.ok:
        return Finding(State.FAILING, gettext("Audit chain BROKEN at event %(seq)s (checked %(when)s).") % {
            "seq": last.first_bad_seq, "when": when})
    age = timezone.now() - last.checked_at
    head = AuditEvent.objects.order_by("-seq").values_list("seq", flat=True).first() or 0
    since = max(0, head - last.head_seq)
    text = gettext("Audit chain verified intact %(age)s ago (%(when)s): %(events)s events; %(since)s events written "
                   "since are not covered by that verification.") % {
        "age": _age(age), "when": when, "events": last.events, "since": since}
    if age > AUDIT_VERIFY_MAX_AGE:
        return Finding(State.ATTENTION, text + " " + gettext(
            "The verification is stale: run `verwerker audit verify`."))
    return Finding(State.OK, text)


def _age(delta: dt.timedelta) -> str:
    minutes = int(delta.total_seconds() // 60)
    if minutes < 60:
        return gettext("%(minutes)s min") % {"minutes": minutes}
    if minutes < 48 * 60:
        return gettext("%(hours)s h %(minutes)s min") % {"hours": minutes // 60, "minutes": minutes % 60}
    days = minutes // (24 * 60)
    return ngettext("%(days)s day", "%(days)s days", days) % {"days": days}


@check("P22")
def _eea() -> Finding:
    outside = Subprocessor.objects.filter(receives_personal_data=True).exclude(country__in=sorted(EEA)).count()
    total = Subprocessor.objects.filter(receives_personal_data=True).count()
    return Finding(
        State.OK if outside == 0 else State.FAILING,
        gettext("%(total)s subprocessors receive personal data, %(outside)s outside the EU/EEA (the database refuses "
                "any).") % {"total": total, "outside": outside},
    )


@check("P24")
def _breaches() -> Finding:
    pending = BreachClient.objects.filter(notified_at__isnull=True, breach__status__in=OPEN_BREACH_STATES)
    overdue = pending.filter(deadline__lt=timezone.now()).count()
    late = BreachClient.objects.filter(notified_at__gt=F("deadline")).count()
    if overdue:
        return Finding(State.FAILING, gettext("%(count)s client notices are overdue.") % {"count": overdue})
    nearest = pending.order_by("deadline").first()
    if nearest:
        text = gettext("%(pending)s client notices pending, nearest deadline %(deadline)s; %(late)s notices were "
                       "ever sent late.") % {"pending": pending.count(), "late": late,
                                             "deadline": f"{timezone.localtime(nearest.deadline):%Y-%m-%d %H:%M}"}
    else:
        text = gettext("%(pending)s client notices pending; %(late)s notices were ever sent late.") % {
            "pending": pending.count(), "late": late}
    return Finding(State.ATTENTION if pending.exists() or late else State.OK, text)


@check("P25")
def _complaints() -> Finding:
    open_states = ["received", "investigating"]
    counts = Complaint.objects.aggregate(open=Count("pk", filter=Q(status__in=open_states)), total=Count("pk"))
    late = Complaint.objects.filter(status__in=open_states, received_at__lt=timezone.now() - COMPLAINT_TERM).count()
    text = gettext("%(total)s complaints registered, %(open)s open, %(late)s open for more than six weeks.") % {
        "total": counts["total"], "open": counts["open"], "late": late}
    return Finding(State.ATTENTION if late else State.OK, text)


@check("P26")
def _pentests() -> Finding:
    last = Pentest.objects.order_by("-performed_on").first()
    if last is None:
        return Finding(State.ATTENTION, gettext("No penetration test recorded."))
    open_findings = PentestFinding.objects.exclude(status__in=[FindingStatus.RETESTED, FindingStatus.ACCEPTED]).count()
    due = last.performed_on + dt.timedelta(days=365)
    state = State.OK if due >= timezone.localdate() and not open_findings else State.ATTENTION
    return Finding(
        state,
        gettext("Last test %(date)s by %(tester)s; next due %(due)s; %(open)s findings not yet retested.") % {
            "date": last.performed_on, "tester": last.tester, "due": due, "open": open_findings},
    )


@check("P14")
def _vault_only() -> Finding:
    live = Blob.objects.filter(state=BlobState.STORED).count()
    # Print files in a hot folder are the one plaintext copy allowed, and only while the job is at the printer.
    lingering = [
        path
        for files in Job.objects.exclude(state=JobState.DELIVERED)
        .exclude(delivered_files=[])
        .values_list("delivered_files", flat=True)
        for path in files
        if Path(path).exists()
    ]
    text = gettext("%(live)s client blobs held, each encrypted on write with its own AES-256 data key "
                   "(STREAM/AES-GCM); uploads and outputs stream through the vault.") % {"live": live}
    if lingering:
        return Finding(
            State.FAILING,
            text + " " + gettext("%(count)s plaintext print files remain in hot folders of jobs no longer at the "
                                 "printer.") % {"count": len(lingering)},
        )
    return Finding(State.OK, text + " " + gettext("No plaintext print file outlives its job's printing."))


@check("P16")
def _no_backups() -> Finding:

    warnings = [m for m in django_checks.run_checks(tags=None) if m.id.startswith("vault.")]  # type: ignore[union-attr]
    shredded = Blob.objects.filter(state=BlobState.SHREDDED).count()
    if warnings:
        return Finding(State.FAILING, "; ".join(w.msg for w in warnings))
    return Finding(
        State.OK,
        gettext("The vault is marked for exclusion from backups (CACHEDIR.TAG) and lies outside every configured "
                "backup path; %(shredded)s shredded blobs are unreadable from any copy (their keys are destroyed).")
        % {"shredded": shredded},
    )


@check("P18")
def _retention() -> Finding:
    # Data under a hold is kept on purpose (an incident, a dispute): it does not fail the promise.
    held_clients = [int(i) for i in held_ids("clients.client") if i.isdigit()]
    oldest = (Blob.objects.filter(state__in=[BlobState.STORED, BlobState.WRITING], client__isnull=False)
              .exclude(pk__in=list(held_ids("vault.blob"))).exclude(client_id__in=held_clients)
              .order_by("created_at").first())
    if oldest is None:
        return Finding(State.OK, gettext("No client data is held at all."))
    agreement = agreements_in_force().filter(client_id=oldest.client_id).order_by("-starts_on").first()  # type: ignore[misc]
    limit = agreement.max_retention_days if agreement else settings.DEFAULT_MAX_RETENTION_DAYS
    age = timezone.now() - oldest.created_at
    folder_days = get_keep_days(RecordClass.SFTP_FOLDERS) or settings.DEFAULT_MAX_RETENTION_DAYS
    # The purger's own selection, so a file under a hold (kept on purpose) does not fail the check.
    in_folders = len(SftpFolderPurger().expired(timezone.now())[0])
    state = State.OK if age <= dt.timedelta(days=limit) and not in_folders else State.FAILING
    return Finding(
        state,
        gettext("Oldest client data in the vault is %(days)s days old (its client's maximum: %(limit)s days); "
                "%(in_folders)s files in SFTP folders are older than the folders' %(folder_days)s days; the purge "
                "runs hourly.") % {"days": age.days, "limit": limit, "in_folders": in_folders,
                                   "folder_days": folder_days},
    )


@check("P10")
def _profiled() -> Finding:
    counts = dict(DataFile.objects.values_list("state").annotate(n=Count("pk")))
    waiting = counts.get(DataFileState.RECEIVED, 0) + counts.get(DataFileState.PROFILING, 0)
    stale = DataFile.objects.filter(
        state__in=[DataFileState.RECEIVED, DataFileState.PROFILING],
        received_at__lt=timezone.now() - dt.timedelta(hours=1),
    ).count()
    text = gettext("%(profiled)s files profiled, %(unreadable)s unreadable, %(waiting)s waiting; a job can only be "
                   "drafted from a profiled file.") % {
        "profiled": counts.get(DataFileState.PROFILED, 0), "unreadable": counts.get(DataFileState.UNREADABLE, 0),
        "waiting": waiting}
    if stale:
        text += " " + gettext("%(count)s have waited over an hour.") % {"count": stale}
    return Finding(State.ATTENTION if stale else State.OK, text)


@check("P13")
def _sftp_accounts() -> Finding:
    in_force = set(agreements_in_force().values_list("client_id", flat=True))
    accounts = SftpAccount.objects.all()
    without = accounts.exclude(client_id__in=in_force).count()
    return Finding(
        State.ATTENTION if without else State.OK,
        gettext("%(accounts)s SFTP accounts, one per client, each with a one-time password stored only as a hash "
                "or with keys; %(without)s belong to a client without an agreement in force (they cannot log in).")
        % {"accounts": accounts.count(), "without": without},
    )


@check("P17")
def _deleted_after_processing() -> Finding:
    closed = Job.objects.filter(state__in=[JobState.CONFIRMED, JobState.PURGED, JobState.CERTIFIED])
    lingering = closed.filter(data_file__blob__state=BlobState.STORED).count()
    return Finding(
        State.OK if lingering == 0 else State.FAILING,
        gettext("%(closed)s jobs printed or confirmed; %(lingering)s of them still hold their data file (shredding "
                "happens in the confirmation's transaction).") % {"closed": closed.count(), "lingering": lingering},
    )


@check("P20")
def _minors() -> Finding:
    released = Job.objects.filter(released_at__isnull=False, data_file__minors__gt=0)
    without = released.filter(consent_recorded_at__isnull=True).count()
    return Finding(
        State.OK if without == 0 else State.FAILING,
        gettext("%(released)s released jobs had minors in their file; %(without)s without recorded parental "
                "consent.") % {"released": released.count(), "without": without},
    )


@check("P21")
def _subprocessors_named() -> Finding:

    delivered = Job.objects.filter(subprocessor__isnull=False)
    named = Agreement.subprocessors.through.objects.filter(
        agreement_id=OuterRef("agreement_id"), subprocessor_id=OuterRef("subprocessor_id")
    )
    unnamed = delivered.exclude(Exists(named)).count()
    return Finding(
        State.OK if unnamed == 0 else State.FAILING,
        gettext("%(delivered)s jobs went to subprocessors; %(unnamed)s to one the client's agreement does not "
                "name.") % {"delivered": delivered.count(), "unnamed": unnamed},
    )


@check("P23")
def _classification() -> Finding:
    high = Job.objects.filter(released_at__isnull=False, data_file__risk="high")
    unapproved = high.filter(
        Q(approved_by__isnull=True) | Q(approved_by=F("drafted_by")) | Q(measures_confirmed=False)
    ).count()
    files = dict(DataFile.objects.exclude(risk="").values_list("risk").annotate(n=Count("pk")))
    return Finding(
        State.OK if unapproved == 0 else State.FAILING,
        gettext("Files classified: %(standard)s standard, %(high)s high. %(released)s high-risk jobs released; "
                "%(unapproved)s without a second approver and ticked-off measures.") % {
            "standard": files.get("standard", 0), "high": files.get("high", 0), "released": high.count(),
            "unapproved": unapproved},
    )


@check("P19")
def _schedules() -> Finding:
    schedules = dict(RetentionSchedule.objects.values_list("record_class", "keep_days"))
    problems = schedule_problems(schedules)
    kept = gettext("kept")
    rows = ", ".join(f"{name}: {days if days is not None else kept}" for name, days in sorted(schedules.items()))
    return Finding(
        State.FAILING if problems else State.OK,
        (("; ".join(problems) + ". ") if problems else "") + gettext("Schedules (days): %(rows)s.") % {"rows": rows},
    )


_WORST_LAST = [State.OK, State.ATTENTION, State.NOT_ENFORCED, State.FAILING]


def combine(*checks: Callable[[], Finding]) -> Callable[[], Finding]:
    """One promise checked by several functions: the worst state, the evidence of each."""
    def run() -> Finding:
        findings = [fn() for fn in checks]
        return Finding(max((f.state for f in findings), key=_WORST_LAST.index), " ".join(f.evidence for f in findings))

    return run


def _elsewhere(path: str) -> Callable[[], Finding]:
    """A check that lives in the app it checks (crm, facilities), imported when the dashboard asks. The
    crm's checks return (state, evidence), so that app needs nothing from this one."""
    def run() -> Finding:
        found = import_string(path)()
        return found if isinstance(found, Finding) else Finding(*found)

    return run


# The house's own relations (crm/compliance.py), its own registers (facilities/compliance.py) and the portals.
CHECKS.update({
    "P02": _elsewhere("verwerker.crm.compliance.check_p02"),
    "P03": _elsewhere("verwerker.crm.compliance.check_p03"),
    "P04": _elsewhere("verwerker.crm.compliance.check_p04"),
    "P19": combine(CHECKS["P19"], _elsewhere("verwerker.crm.compliance.check_p19")),
    "P08": combine(_cookies, _elsewhere("verwerker.facilities.compliance.cookies")),  # the screens and the website
    "P11": _elsewhere("verwerker.facilities.compliance.confidentiality"),
    "P17": combine(_deleted_after_processing, _elsewhere("verwerker.facilities.compliance.workstations")),
    "P26": _elsewhere("verwerker.facilities.compliance.pentests"),
    "P27": _elsewhere("verwerker.facilities.compliance.cameras"),
    # The client portals (portal/compliance.py).
    "P05": _elsewhere("verwerker.portal.compliance.check_p05"),
    "P06": _elsewhere("verwerker.portal.compliance.check_p06"),
})
