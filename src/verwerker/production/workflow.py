"""The job life cycle as one table: states, the steps between them, and who may take each step.

Pure (no ORM): ``production/actions/`` asks ``check_step`` before every transition and writes the
step's audit event. A data file goes received -> profiled (datafiles app); a job starts at
``drafted`` on a profiled file:

    drafted --release--> released --start--> producing --finish--> produced
    released | producing --fail--> failed             (a one-line reason; no output becomes visible)
    failed --retry--> released                        (the database department, after a fix)
    producing --start--> producing                    (a new attempt: the recovery sweep, P14)
    produced --approve_proof--> proof_approved        (optional, by the client)
    produced --reject_proof--> drafted                (outputs shredded; redraft)
    produced | proof_approved --deliver--> delivered  (hot folder or EU/EEA subprocessor)
    delivered --confirm--> confirmed --purge--> purged --certify--> certified
    drafted | released | failed | produced | proof_approved --cancel--> cancelled
    delivered --reprint--> delivered                  (spoiled pieces rendered again, before confirm)
    released | producing | produced | proof_approved --reproduce--> released
                                      (its file was rewritten: outputs shredded, gates kept, produced again)
    released | producing | produced | proof_approved --stop--> drafted   (its agreement ended; outputs shredded)

Every step is refused without an agreement in force for the job's client (P09), except the closing
ones (purge, certify, cancel), which delete data and so must always be possible.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import models
from django.utils import translation
from django.utils.functional import Promise
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _


class JobState(models.TextChoices):
    DRAFTED = "drafted", _("drafted")
    RELEASED = "released", _("released")
    PRODUCING = "producing", _("in production")
    FAILED = "failed", _("production failed")
    PRODUCED = "produced", _("produced")
    PROOF_APPROVED = "proof_approved", _("proof approved")
    DELIVERED = "delivered", _("delivered")
    CONFIRMED = "confirmed", _("printed / confirmed")
    PURGED = "purged", _("data shredded")
    CERTIFIED = "certified", _("certified")
    CANCELLED = "cancelled", _("cancelled")


@dataclass(frozen=True)
class Step:
    name: str
    sources: tuple[str, ...]
    target: str
    event: str  # the EventType member's name
    needs_agreement: bool = True


S = JobState
STEPS: dict[str, Step] = {
    s.name: s
    for s in (
        Step("draft", (), S.DRAFTED, "JOB_DRAFTED"),
        Step("change", (S.DRAFTED,), S.DRAFTED, "JOB_CHANGED"),
        Step("approve", (S.DRAFTED,), S.DRAFTED, "JOB_APPROVED"),
        Step("release", (S.DRAFTED,), S.RELEASED, "JOB_RELEASED"),
        Step("start", (S.RELEASED, S.PRODUCING), S.PRODUCING, "JOB_PRODUCTION_STARTED"),
        Step("finish", (S.PRODUCING,), S.PRODUCED, "JOB_PRODUCED"),
        Step("fail", (S.RELEASED, S.PRODUCING), S.FAILED, "JOB_PRODUCTION_FAILED", needs_agreement=False),
        Step("retry", (S.FAILED,), S.RELEASED, "JOB_PRODUCTION_RETRIED"),
        Step("approve_proof", (S.PRODUCED,), S.PROOF_APPROVED, "JOB_PROOF_APPROVED"),
        Step("reject_proof", (S.PRODUCED,), S.DRAFTED, "JOB_PROOF_REJECTED", needs_agreement=False),
        Step("deliver", (S.PRODUCED, S.PROOF_APPROVED), S.DELIVERED, "JOB_DELIVERED"),
        Step("reprint", (S.DELIVERED,), S.DELIVERED, "JOB_REPRINT_DELIVERED"),
        Step("confirm", (S.DELIVERED,), S.CONFIRMED, "JOB_CONFIRMED", needs_agreement=False),
        Step("purge", (S.CONFIRMED, S.CANCELLED), S.PURGED, "JOB_PURGED", needs_agreement=False),
        Step("certify", (S.PURGED,), S.CERTIFIED, "JOB_CERTIFIED", needs_agreement=False),
        Step(
            "reproduce", (S.RELEASED, S.PRODUCING, S.PRODUCED, S.PROOF_APPROVED), S.RELEASED,
            "JOB_SENT_BACK_TO_PRODUCTION", needs_agreement=False,
        ),
        Step(
            "stop", (S.RELEASED, S.PRODUCING, S.PRODUCED, S.PROOF_APPROVED), S.DRAFTED, "JOB_STOPPED",
            needs_agreement=False,
        ),
        Step(
            "cancel", (S.DRAFTED, S.RELEASED, S.FAILED, S.PRODUCED, S.PROOF_APPROVED), S.CANCELLED, "JOB_CANCELLED",
            needs_agreement=False,
        ),
    )
}
# States in which the job's data may still be in use (lists, screens, the retention dashboard).
OPEN_STATES = (S.DRAFTED, S.RELEASED, S.PRODUCING, S.FAILED, S.PRODUCED, S.PROOF_APPROVED, S.DELIVERED)


class StepRefused(Exception):
    """A step that the life cycle or a gate does not allow now; ``str(exc)`` says why in one line, in the
    language active when it is shown (``reason`` is lazily translated; the audit keeps ``untranslated``)."""

    def __init__(self, step: str, reason: str | Promise, code: str = "state"):
        self.step = step
        self.reason = reason
        self.code = code
        super().__init__(reason)


def untranslated(text: str | Promise) -> str:
    """A (lazily translated) text as written in the code: what the audit log keeps, whatever the reader's language."""
    with translation.override(None):
        return str(text)


def check_step(step: str, state: str | None, *, agreement_in_force: bool, proof_required: bool = False) -> Step:
    """The step if it is allowed from ``state``; raises StepRefused naming what is wrong."""
    spec = STEPS[step]
    if spec.needs_agreement and not agreement_in_force:
        raise StepRefused(
            step, _("the client has no processing agreement in force; nothing may be done (P09)"), "agreement"
        )
    if spec.sources and state not in spec.sources:
        current = JobState(state).label if state else _("none")
        allowed = format_lazy(", ".join(["{}"] * len(spec.sources)), *(JobState(s).label for s in spec.sources))
        raise StepRefused(
            step,
            format_lazy(
                _("a job that is {current} cannot be given the step «{step}» (only when {allowed})"),
                current=current,
                step=step,
                allowed=allowed,
            ),
        )
    if step == "deliver" and proof_required and state != S.PROOF_APPROVED:
        raise StepRefused(step, _("the client must approve the proof before delivery"), "proof")
    return spec


def transition_table() -> list[tuple[str, str, str, str]]:
    """(step, from, to, audit event) for every allowed transition: the table docs and tests read."""
    rows = []
    for spec in STEPS.values():
        for source in spec.sources or ("(profiled file)",):
            rows.append((spec.name, str(source), str(spec.target), spec.event))
    return rows
