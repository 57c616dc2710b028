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
from django.db.models import Count, F, Q
from django.utils import timezone


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
    Promise("P01", "Roles: each role sees and does only its part", "Staff roles as groups with only their permissions; client users bound to one client",
            ("verwerker.accounts.roles.ROLE_PERMISSIONS", "verwerker.production.queries.access_job_for",
             "verwerker.datafiles.queries.access_data_file_for")),
    Promise("P02", "CRM with validated contact and company data", "CRM app",
            ("verwerker.crm.compliance.check_p02",)),
    Promise("P03", "Information mailings only with consent", "Consent records per purpose",
            ("verwerker.crm.compliance.check_p03",)),
    Promise("P04", "Extra relation data used only for fitting promotions", "Purpose-bound CRM fields",
            ("verwerker.crm.compliance.check_p04",)),
    Promise("P05", "Client web-to-print portals with per-user accounts", "Portal app"),
    Promise("P06", "Orderer data isolated per client; no analytics without permission", "Tenant isolation; no stored payment data"),
    Promise("P07", "Data-subject requests via the client, executed on held files", "Request register with deadlines and receipts",
            ("verwerker.privacy.subject_requests.do_log_subject_request", "verwerker.privacy.subject_requests.search_subject_request",
             "verwerker.privacy.subject_requests.do_execute_subject_request")),
    Promise("P08", "Cookies only with consent", "Only the session and CSRF cookies; no tracking",
            ("verwerker.privacy.compliance.external_resources", "verwerker.facilities.compliance.cookies",
             "verwerker.facilities.actions.do_record_consent")),
    Promise("P09", "Files processed only under an active processing agreement", "One query decides; intake and production ask it",
            ("verwerker.clients.queries.get_active_agreement", "verwerker.intake.actions.do_register_upload",
             "verwerker.production.workflow.check_step")),
    Promise("P10", "Every file profiled on arrival; risk class decides the path", "Profiler on intake",
            ("verwerker.datafiles.actions.do_profile_data_file", "verwerker.datafiles.profile.profile_table")),
    Promise("P11", "Encryption at rest, least privilege, staff NDAs and awareness", "Vault; roles; NDA register",
            ("verwerker.facilities.middleware.ConfidentialityGateMiddleware", "verwerker.facilities.compliance.confidentiality")),
    Promise("P12", "Password policy, second factor for staff, lockout", "Argon2, length ≥ 12, TOTP for staff, lockout after failures",
            ("verwerker.accounts.middleware.AccountGateMiddleware", "verwerker.accounts.actions.do_change_password")),
    Promise("P13", "One SFTP login per client, issued once", "SFTP accounts with one-time credentials",
            ("verwerker.intake.actions.do_issue_sftp_account", "verwerker.intake.queries.login_refusal")),
    Promise("P14", "Files flow to print without copies; plaintext never on disk", "Vault streaming encryption; hot-folder files removed at confirmation",
            ("verwerker.vault.actions.open_blob_writer", "verwerker.vault.actions.open_blob_reader",
             "verwerker.intake.streaming.UploadStream", "verwerker.production.actions.do_close_job")),
    Promise("P15", "Every action logged, tamper-evident", "Hash-chained append-only audit log, verified daily; every read of client data audited",
            ("verwerker.audit.actions.do_record_event", "verwerker.audit.queries.verify_chain",
             "verwerker.vault.actions.open_blob_reader")),
    Promise("P16", "No backups of data files; unreadable after purge", "Crypto-shredding; vault excluded from backups",
            ("verwerker.vault.actions.do_shred_blobs", "verwerker.vault.checks.check_vault_not_backed_up")),
    Promise("P17", "Deletion right after processing; monthly workstation check", "Purge on job completion; workstation check register",
            ("verwerker.production.actions.do_close_job", "verwerker.retention.certificates.do_issue_certificate",
             "verwerker.facilities.compliance.workstations", "verwerker.facilities.actions.do_record_workstation_check")),
    Promise("P18", "SFTP folder emptied monthly; data kept at most one month", "Hourly purge against the agreement's maximum retention and the folders' monthly schedule",
            ("verwerker.retention.purge.run_purge", "verwerker.retention.purge.VaultPurger",
             "verwerker.retention.purge.SftpFolderPurger")),
    Promise("P19", "CRM and financial data kept 7 years", "Retention schedules per record class",
            ("verwerker.retention.rules.schedule_problems", "verwerker.retention.actions.do_change_retention_schedule")),
    Promise("P20", "Minors only with parental consent", "Birth dates checked; jobs blocked until consent",
            ("verwerker.production.actions.gates_waiting", "verwerker.production.actions.do_record_parental_consent")),
    Promise("P21", "Subprocessors only when the agreement names them", "Delivery checks the agreement",
            ("verwerker.production.actions.delivery_refusal",)),
    Promise("P22", "No personal data outside the EU/EEA", "Subprocessor country check in the database",
            ("verwerker.clients.eea.is_eea", "verwerker.production.actions.delivery_refusal")),
    Promise("P23", "Standard/High classification with extra measures", "Automatic classification; second approver",
            ("verwerker.datafiles.profile.profile_table", "verwerker.production.actions.gates_waiting",
             "verwerker.production.actions.do_approve_job")),
    Promise("P24", "Breach notice to the client within the agreed hours", "Breach register with clock and escalation",
            ("verwerker.privacy.actions.do_report_breach", "verwerker.privacy.actions.do_escalate_breaches")),
    Promise("P25", "Complaints handled", "Complaint register",
            ("verwerker.privacy.actions.do_register_complaint", "verwerker.privacy.actions.do_update_complaint")),
    Promise("P26", "Yearly penetration test, findings fixed and retested", "Pentest register",
            ("verwerker.privacy.actions.do_record_pentest", "verwerker.privacy.actions.do_update_finding",
             "verwerker.facilities.compliance.pentests")),
    Promise("P27", "Camera footage kept at most 4 weeks", "Footage retention register",
            ("verwerker.facilities.actions.do_set_camera_retention", "verwerker.facilities.actions.do_view_clip",
             "verwerker.facilities.compliance.cameras")),
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
            finding = Finding(State.NOT_ENFORCED, "Not enforced by the system yet.")
        else:
            try:
                finding = fn()
            except Exception as exc:  # a broken check must show, not hide the dashboard
                finding = Finding(State.FAILING, f"The check itself failed: {type(exc).__name__}")
        rows.append({"promise": promise, "finding": finding})
    return rows


@check("P01")
def _roles() -> Finding:
    from verwerker.accounts.models import User
    from verwerker.accounts.roles import ROLE_PERMISSIONS

    staff_without_role = User.objects.filter(is_staff=True, is_active=True, groups__isnull=True).count()
    superusers = User.objects.filter(is_superuser=True, is_active=True).count()
    text = f"{len(ROLE_PERMISSIONS)} roles; {staff_without_role} active staff without a role; {superusers} superusers (bypass roles)."
    return Finding(State.OK if superusers == 0 else State.ATTENTION, text)


_EXTERNAL = re.compile(
    r"<(?:script|iframe|img|link)\b[^>]*\b(?:src|href)\s*=\s*[\"']?(?:https?:)?//", re.IGNORECASE
)


def external_resources() -> list[str]:
    """Templates that load a script, frame, image or style sheet from another site (a tracker could set
    cookies from there); the application's own cookies are its session, CSRF and language cookies."""
    from django.template import engines

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
    from verwerker.privacy.models import DataSubjectRequest, RequestStatus

    today = timezone.localdate()
    open_requests = DataSubjectRequest.objects.filter(status=RequestStatus.OPEN)
    overdue = open_requests.filter(Q(extended_to__lt=today) | Q(extended_to__isnull=True, deadline__lt=today)).count()
    executed = DataSubjectRequest.objects.filter(status=RequestStatus.EXECUTED)
    without_receipt = executed.filter(receipt="").count()
    text = (f"{open_requests.count()} requests open, {overdue} past their deadline; "
            f"{executed.count()} executed, {without_receipt} of them without a receipt for the client.")
    return Finding(State.FAILING if overdue or without_receipt else State.OK, text)


@check("P08")
def _cookies() -> Finding:
    external = external_resources()
    if external:
        return Finding(State.FAILING, f"{len(external)} templates load content from another site (it could set cookies "
                                      f"without consent): {', '.join(external[:5])}.")
    return Finding(State.OK, "The application sets only its session, CSRF and language cookies; no template loads "
                             "scripts, frames, images or styles from another site.")


@check("P09")
def _agreements() -> Finding:
    from verwerker.clients.models import Client
    from verwerker.clients.queries import agreements_in_force

    from verwerker.production.models import Job
    from verwerker.production.workflow import JobState

    active = set(agreements_in_force().values_list("client_id", flat=True))
    total = Client.objects.count()
    in_process = (JobState.RELEASED, JobState.PRODUCING, JobState.PRODUCED, JobState.PROOF_APPROVED, JobState.DELIVERED)
    stranded = Job.objects.filter(state__in=in_process).exclude(client_id__in=active).count()
    text = f"{len(active)} of {total} clients have an agreement in force; only they can send files."
    if stranded:
        return Finding(State.ATTENTION, text + f" {stranded} jobs are in process for clients without one "
                                               "(every further step is refused; cancel them to delete their data).")
    return Finding(State.OK, text)


@check("P12")
def _authentication() -> Finding:
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from verwerker.accounts.models import User

    staff = User.objects.filter(is_staff=True, is_active=True)
    enrolled = TOTPDevice.objects.filter(user__in=staff, confirmed=True).values("user").distinct().count()
    total = staff.count()
    state = State.OK if enrolled == total else State.ATTENTION
    return Finding(
        state,
        f"{enrolled} of {total} active staff have a second factor (the rest must enrol at their next login); "
        f"lockout after {settings.AXES_FAILURE_LIMIT} failures; passwords ≥ 12 characters, Argon2.",
    )


@check("P15")
def _audit() -> Finding:
    from verwerker.audit.models import ChainCheckpoint

    from verwerker.audit.models import AuditEvent

    last = ChainCheckpoint.objects.order_by("-checked_at").first()
    if last is None:
        return Finding(State.ATTENTION, "The audit chain has not been verified yet (daily task).")
    when = f"{timezone.localtime(last.checked_at):%Y-%m-%d %H:%M}"
    if not last.ok:
        return Finding(State.FAILING, f"Audit chain BROKEN at event {last.first_bad_seq} (checked {when}).")
    age = timezone.now() - last.checked_at
    head = AuditEvent.objects.order_by("-seq").values_list("seq", flat=True).first() or 0
    since = max(0, head - last.head_seq)
    text = (f"Audit chain verified intact {_age(age)} ago ({when}): {last.events} events; "
            f"{since} events written since are not covered by that verification.")
    if age > AUDIT_VERIFY_MAX_AGE:
        return Finding(State.ATTENTION, text + " The verification is stale: run `verwerker audit verify`.")
    return Finding(State.OK, text)


def _age(delta: dt.timedelta) -> str:
    minutes = int(delta.total_seconds() // 60)
    if minutes < 60:
        return f"{minutes} min"
    if minutes < 48 * 60:
        return f"{minutes // 60} h {minutes % 60} min"
    return f"{minutes // (24 * 60)} days"


@check("P22")
def _eea() -> Finding:
    from verwerker.clients.eea import EEA
    from verwerker.clients.models import Subprocessor

    outside = Subprocessor.objects.filter(receives_personal_data=True).exclude(country__in=sorted(EEA)).count()
    total = Subprocessor.objects.filter(receives_personal_data=True).count()
    return Finding(
        State.OK if outside == 0 else State.FAILING,
        f"{total} subprocessors receive personal data, {outside} outside the EU/EEA (the database refuses any).",
    )


@check("P24")
def _breaches() -> Finding:
    from verwerker.privacy.models import BreachClient, OPEN_BREACH_STATES

    pending = BreachClient.objects.filter(notified_at__isnull=True, breach__status__in=OPEN_BREACH_STATES)
    overdue = pending.filter(deadline__lt=timezone.now()).count()
    late = BreachClient.objects.filter(notified_at__gt=F("deadline")).count()
    if overdue:
        return Finding(State.FAILING, f"{overdue} client notices are overdue.")
    nearest = pending.order_by("deadline").first()
    text = f"{pending.count()} client notices pending"
    if nearest:
        text += f", nearest deadline {timezone.localtime(nearest.deadline):%Y-%m-%d %H:%M}"
    text += f"; {late} notices were ever sent late."
    return Finding(State.ATTENTION if pending.exists() or late else State.OK, text)


@check("P25")
def _complaints() -> Finding:
    from verwerker.privacy.models import Complaint

    open_states = ["received", "investigating"]
    counts = Complaint.objects.aggregate(open=Count("pk", filter=Q(status__in=open_states)), total=Count("pk"))
    late = Complaint.objects.filter(status__in=open_states, received_at__lt=timezone.now() - COMPLAINT_TERM).count()
    text = f"{counts['total']} complaints registered, {counts['open']} open, {late} open for more than six weeks."
    return Finding(State.ATTENTION if late else State.OK, text)


@check("P26")
def _pentests() -> Finding:
    from verwerker.privacy.models import FindingStatus, Pentest, PentestFinding

    last = Pentest.objects.order_by("-performed_on").first()
    if last is None:
        return Finding(State.ATTENTION, "No penetration test recorded.")
    open_findings = PentestFinding.objects.exclude(status__in=[FindingStatus.RETESTED, FindingStatus.ACCEPTED]).count()
    due = last.performed_on + dt.timedelta(days=365)
    state = State.OK if due >= timezone.localdate() and not open_findings else State.ATTENTION
    return Finding(state, f"Last test {last.performed_on} by {last.tester}; next due {due}; {open_findings} findings not yet retested.")



@check("P14")
def _vault_only() -> Finding:
    from verwerker.vault.models import Blob, BlobState

    from verwerker.production.models import Job
    from verwerker.production.workflow import JobState

    live = Blob.objects.filter(state=BlobState.STORED).count()
    # Print files in a hot folder are the one plaintext copy allowed, and only while the job is at the printer.
    lingering = [
        path
        for files in Job.objects.exclude(state=JobState.DELIVERED).exclude(delivered_files=[]).values_list("delivered_files", flat=True)
        for path in files
        if Path(path).exists()
    ]
    text = (f"{live} client blobs held, each encrypted on write with its own AES-256 data key (STREAM/AES-GCM); "
            "uploads and outputs stream through the vault.")
    if lingering:
        return Finding(State.FAILING, text + f" {len(lingering)} plaintext print files remain in hot folders of jobs no longer at the printer.")
    return Finding(State.OK, text + " No plaintext print file outlives its job's printing.")


@check("P16")
def _no_backups() -> Finding:
    from django.core import checks as django_checks

    from verwerker.vault.models import Blob, BlobState

    warnings = [m for m in django_checks.run_checks(tags=None) if m.id.startswith("vault.")]
    shredded = Blob.objects.filter(state=BlobState.SHREDDED).count()
    if warnings:
        return Finding(State.FAILING, "; ".join(w.msg for w in warnings))
    return Finding(
        State.OK,
        f"The vault is marked for exclusion from backups (CACHEDIR.TAG) and lies outside every configured "
        f"backup path; {shredded} shredded blobs are unreadable from any copy (their keys are destroyed).",
    )


@check("P18")
def _retention() -> Finding:
    from verwerker.clients.queries import agreements_in_force
    from verwerker.intake.models import OutboxFile, Upload
    from verwerker.retention.queries import get_keep_days
    from verwerker.retention.rules import RecordClass
    from verwerker.vault.models import Blob, BlobState

    oldest = Blob.objects.filter(state__in=[BlobState.STORED, BlobState.WRITING], client__isnull=False).order_by("created_at").first()
    if oldest is None:
        return Finding(State.OK, "No client data is held at all.")
    agreement = agreements_in_force().filter(client_id=oldest.client_id).order_by("-starts_on").first()
    limit = agreement.max_retention_days if agreement else settings.DEFAULT_MAX_RETENTION_DAYS
    age = timezone.now() - oldest.created_at
    folder_days = get_keep_days(RecordClass.SFTP_FOLDERS) or settings.DEFAULT_MAX_RETENTION_DAYS
    cutoff = timezone.now() - dt.timedelta(days=folder_days)
    live = [BlobState.STORED, BlobState.WRITING]
    in_folders = (Upload.objects.filter(blob__state__in=live, blob__created_at__lt=cutoff).count()
                  + OutboxFile.objects.filter(blob__state__in=live, blob__created_at__lt=cutoff).count())
    state = State.OK if age <= dt.timedelta(days=limit) and not in_folders else State.FAILING
    return Finding(
        state,
        f"Oldest client data in the vault is {age.days} days old (its client's maximum: {limit} days); "
        f"{in_folders} files in SFTP folders are older than the folders' {folder_days} days; the purge runs hourly.",
    )


@check("P10")
def _profiled() -> Finding:
    from verwerker.datafiles.models import DataFile, DataFileState

    counts = dict(DataFile.objects.values_list("state").annotate(n=Count("pk")))
    waiting = counts.get(DataFileState.RECEIVED, 0) + counts.get(DataFileState.PROFILING, 0)
    stale = DataFile.objects.filter(
        state__in=[DataFileState.RECEIVED, DataFileState.PROFILING], received_at__lt=timezone.now() - dt.timedelta(hours=1)
    ).count()
    text = (
        f"{counts.get(DataFileState.PROFILED, 0)} files profiled, {counts.get(DataFileState.UNREADABLE, 0)} unreadable, "
        f"{waiting} waiting; a job can only be drafted from a profiled file."
    )
    return Finding(State.ATTENTION if stale else State.OK, text + (f" {stale} have waited over an hour." if stale else ""))


@check("P13")
def _sftp_accounts() -> Finding:
    from verwerker.clients.queries import agreements_in_force
    from verwerker.intake.models import SftpAccount

    in_force = set(agreements_in_force().values_list("client_id", flat=True))
    accounts = SftpAccount.objects.all()
    without = accounts.exclude(client_id__in=in_force).count()
    return Finding(
        State.ATTENTION if without else State.OK,
        f"{accounts.count()} SFTP accounts, one per client, each with a one-time password stored only as a hash or "
        f"with keys; {without} belong to a client without an agreement in force (they cannot log in).",
    )


@check("P17")
def _deleted_after_processing() -> Finding:
    from verwerker.production.models import Job
    from verwerker.production.workflow import JobState
    from verwerker.vault.models import BlobState

    closed = Job.objects.filter(state__in=[JobState.CONFIRMED, JobState.PURGED, JobState.CERTIFIED])
    lingering = closed.filter(data_file__blob__state=BlobState.STORED).count()
    return Finding(
        State.OK if lingering == 0 else State.FAILING,
        f"{closed.count()} jobs printed or confirmed; {lingering} of them still hold their data file "
        "(shredding happens in the confirmation's transaction).",
    )


@check("P20")
def _minors() -> Finding:
    from verwerker.production.models import Job

    released = Job.objects.filter(released_at__isnull=False, data_file__minors__gt=0)
    without = released.filter(consent_recorded_at__isnull=True).count()
    return Finding(
        State.OK if without == 0 else State.FAILING,
        f"{released.count()} released jobs had minors in their file; {without} without recorded parental consent.",
    )


@check("P21")
def _subprocessors_named() -> Finding:
    from django.db.models import Exists, OuterRef

    from verwerker.clients.models import Agreement
    from verwerker.production.models import Job

    delivered = Job.objects.filter(subprocessor__isnull=False)
    named = Agreement.subprocessors.through.objects.filter(
        agreement_id=OuterRef("agreement_id"), subprocessor_id=OuterRef("subprocessor_id")
    )
    unnamed = delivered.exclude(Exists(named)).count()
    return Finding(
        State.OK if unnamed == 0 else State.FAILING,
        f"{delivered.count()} jobs went to subprocessors; {unnamed} to one the client's agreement does not name.",
    )


@check("P23")
def _classification() -> Finding:
    from verwerker.datafiles.models import DataFile
    from verwerker.production.models import Job

    high = Job.objects.filter(released_at__isnull=False, data_file__risk="high")
    unapproved = high.filter(Q(approved_by__isnull=True) | Q(approved_by=F("drafted_by")) | Q(measures_confirmed=False)).count()
    files = dict(DataFile.objects.exclude(risk="").values_list("risk").annotate(n=Count("pk")))
    return Finding(
        State.OK if unapproved == 0 else State.FAILING,
        f"Files classified: {files.get('standard', 0)} standard, {files.get('high', 0)} high. {high.count()} high-risk "
        f"jobs released; {unapproved} without a second approver and ticked-off measures.",
    )


@check("P19")
def _schedules() -> Finding:
    from verwerker.retention.models import RetentionSchedule
    from verwerker.retention.rules import schedule_problems

    schedules = dict(RetentionSchedule.objects.values_list("record_class", "keep_days"))
    problems = schedule_problems(schedules)
    rows = ", ".join(f"{name}: {days if days is not None else 'kept'}" for name, days in sorted(schedules.items()))
    return Finding(State.FAILING if problems else State.OK, (("; ".join(problems) + ". ") if problems else "") + f"Schedules (days): {rows}.")


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
        from django.utils.module_loading import import_string

        found = import_string(path)()
        return found if isinstance(found, Finding) else Finding(*found)

    return run


# The house's own relations (crm/compliance.py) and its own registers (facilities/compliance.py).
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
})
