"""The compliance dashboard: one row per promise P01–P27, the control that enforces it, and live evidence.

Each promise has a check: a function returning a Finding computed from the system's own records at the
moment of asking. A promise the system does not (yet) enforce says so plainly instead of showing green.
Apps that enforce a promise register its check here (``@check("P18")``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

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


PROMISES = [
    Promise("P01", "Roles: each role sees and does only its part", "Staff roles as groups with only their permissions; client users bound to one client"),
    Promise("P02", "CRM with validated contact and company data", "CRM app"),
    Promise("P03", "Information mailings only with consent", "Consent records per purpose"),
    Promise("P04", "Extra relation data used only for fitting promotions", "Purpose-bound CRM fields"),
    Promise("P05", "Client web-to-print portals with per-user accounts", "Portal app"),
    Promise("P06", "Orderer data isolated per client; no analytics without permission", "Tenant isolation; no stored payment data"),
    Promise("P07", "Data-subject requests via the client, executed on held files", "Request register with deadlines"),
    Promise("P08", "Cookies only with consent", "Only the session and CSRF cookies; no tracking"),
    Promise("P09", "Files processed only under an active processing agreement", "One query decides; intake and production ask it"),
    Promise("P10", "Every file profiled on arrival; risk class decides the path", "Profiler on intake"),
    Promise("P11", "Encryption at rest, least privilege, staff NDAs and awareness", "Vault; roles; NDA register"),
    Promise("P12", "Password policy, second factor for staff, lockout", "Argon2, length ≥ 12, TOTP for staff, lockout after failures"),
    Promise("P13", "One SFTP login per client, issued once", "SFTP accounts with one-time credentials"),
    Promise("P14", "Files flow to print without copies; plaintext never on disk", "Vault streaming encryption"),
    Promise("P15", "Every action logged, tamper-evident", "Hash-chained append-only audit log, verified daily"),
    Promise("P16", "No backups of data files; unreadable after purge", "Crypto-shredding; vault excluded from backups"),
    Promise("P17", "Deletion right after processing; monthly workstation check", "Purge on job completion; workstation check register"),
    Promise("P18", "SFTP folder emptied monthly; data kept at most one month", "Hourly purge against the agreement's maximum retention"),
    Promise("P19", "CRM and financial data kept 7 years", "Retention schedules per record class"),
    Promise("P20", "Minors only with parental consent", "Birth dates checked; jobs blocked until consent"),
    Promise("P21", "Subprocessors only when the agreement names them", "Delivery checks the agreement"),
    Promise("P22", "No personal data outside the EU/EEA", "Subprocessor country check in the database"),
    Promise("P23", "Standard/High classification with extra measures", "Automatic classification; second approver"),
    Promise("P24", "Breach notice to the client within the agreed hours", "Breach register with clock and escalation"),
    Promise("P25", "Complaints handled", "Complaint register"),
    Promise("P26", "Yearly penetration test, findings fixed and retested", "Pentest register"),
    Promise("P27", "Camera footage kept at most 4 weeks", "Footage retention register"),
]

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


@check("P08")
def _cookies() -> Finding:
    return Finding(State.OK, "The application sets only its session, CSRF and language cookies; it loads no third-party scripts.")


@check("P09")
def _agreements() -> Finding:
    from verwerker.clients.models import Client
    from verwerker.clients.queries import agreements_in_force

    active = set(agreements_in_force().values_list("client_id", flat=True))
    total = Client.objects.count()
    return Finding(State.OK, f"{len(active)} of {total} clients have an agreement in force; only they can send files.")


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

    last = ChainCheckpoint.objects.order_by("-checked_at").first()
    if last is None:
        return Finding(State.ATTENTION, "The audit chain has not been verified yet (daily task).")
    age = timezone.now() - last.checked_at
    if not last.ok:
        return Finding(State.FAILING, f"Audit chain BROKEN at event {last.first_bad_seq} (checked {last.checked_at:%Y-%m-%d %H:%M}).")
    state = State.OK if age < dt.timedelta(days=2) else State.ATTENTION
    return Finding(state, f"Audit chain verified intact at {timezone.localtime(last.checked_at):%Y-%m-%d %H:%M}: {last.events} events.")


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

    counts = Complaint.objects.aggregate(
        open=Count("pk", filter=Q(status__in=["received", "investigating"])), total=Count("pk")
    )
    return Finding(State.OK, f"{counts['total']} complaints registered, {counts['open']} open.")


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

    live = Blob.objects.filter(state=BlobState.STORED).count()
    return Finding(
        State.OK,
        f"{live} client blobs held, each encrypted on write with its own AES-256 data key (STREAM/AES-GCM); "
        "uploads and outputs stream through the vault, no plaintext files.",
    )


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
    from verwerker.vault.models import Blob, BlobState

    oldest = Blob.objects.filter(state__in=[BlobState.STORED, BlobState.WRITING], client__isnull=False).order_by("created_at").first()
    if oldest is None:
        return Finding(State.OK, "No client data is held at all.")
    agreement = agreements_in_force().filter(client_id=oldest.client_id).order_by("-starts_on").first()
    limit = agreement.max_retention_days if agreement else settings.DEFAULT_MAX_RETENTION_DAYS
    age = timezone.now() - oldest.created_at
    state = State.OK if age <= dt.timedelta(days=limit) else State.FAILING
    return Finding(
        state,
        f"Oldest client data in the vault is {age.days} days old (its client's maximum: {limit} days); "
        "the purge runs hourly.",
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
        State.OK,
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
    from verwerker.production.workflow import JobState

    released = Job.objects.exclude(state__in=[JobState.DRAFTED, JobState.CANCELLED]).filter(data_file__minors__gt=0)
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
    from verwerker.production.workflow import JobState

    high = Job.objects.exclude(state__in=[JobState.DRAFTED, JobState.CANCELLED]).filter(data_file__risk="high")
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


# The house's own registers check P08, P11, P17's workstation half, P26 and P27 (facilities/compliance.py).
def _facilities(name: str) -> Callable[[], Finding]:
    def run() -> Finding:
        from verwerker.facilities import compliance

        return getattr(compliance, name)()

    return run


def _p17_with_workstations() -> Finding:
    from verwerker.facilities.compliance import combine, workstations

    return combine(_deleted_after_processing, workstations)()


CHECKS.update({
    "P08": _facilities("cookies"),
    "P11": _facilities("confidentiality"),
    "P17": _p17_with_workstations,
    "P26": _facilities("pentests"),
    "P27": _facilities("cameras"),
})
