"""Writes of the production app: the job life cycle (workflow.py), its gates, production and delivery.

Threat model: a job moves personal data from the vault to paper. What can go wrong is releasing what
should wait (high risk without a second person, minors without parental consent, a BSN without a
legal basis, a client without an agreement), sending data where it may not go (a subprocessor the
agreement does not name, outside the EU/EEA, or without its own agreement), and keeping data after
the job (P17). So every step goes through ``_step``: it locks the job, asks workflow.check_step and
the gates, changes the state and writes the step's audit event in one transaction; a refusal is
audited too (in its own transaction) and raised as StepRefused with a one-line reason.

Invariants: outputs of a production attempt are only visible (queries.visible_outputs) once the job
is produced with that attempt; closing shreds every blob of the job in one transaction with the
certificate that lists them.

The package is split by phase (drafting, producing, delivering, closing); ``common`` holds the step
every phase shares. Import from the package: ``from verwerker.production.actions import do_x``.
"""

from verwerker.production.actions.closing import (
    do_close_job,
    do_confirm_printed,
    do_confirm_production,
    job_blob_ids,
)
from verwerker.production.actions.common import agreement_for, do_stop_job
from verwerker.production.actions.delivering import (
    delivery_refusal,
    do_approve_proof,
    do_deliver_job,
    do_deliver_produced_job,
    do_deliver_reprint,
    do_record_spoilage,
    do_reject_proof,
)
from verwerker.production.actions.drafting import (
    bsn_columns_kept,
    do_approve_job,
    do_cancel_job,
    do_change_job,
    do_confirm_measures,
    do_draft_job,
    do_drop_bsn_columns,
    do_record_legal_basis,
    do_record_parental_consent,
    do_release_job,
    gates_waiting,
)
from verwerker.production.actions.producing import (
    REJECTS_OUTBOX_PREFIX,
    do_fail_production,
    do_finish_production,
    do_prepare_production,
    do_render_part,
    do_resume_production,
    do_retry_production,
    do_start_production,
)
from verwerker.production.workflow import StepRefused

__all__ = [
    "REJECTS_OUTBOX_PREFIX", "StepRefused", "agreement_for", "bsn_columns_kept", "delivery_refusal", "do_approve_job",
    "do_approve_proof", "do_cancel_job", "do_change_job", "do_close_job", "do_confirm_measures",
    "do_confirm_printed", "do_confirm_production", "do_deliver_job", "do_deliver_produced_job",
    "do_deliver_reprint", "do_record_spoilage", "do_draft_job", "do_drop_bsn_columns",
    "do_fail_production", "do_finish_production", "do_prepare_production", "do_render_part", "do_resume_production",
    "do_retry_production", "do_record_legal_basis", "do_record_parental_consent",
    "do_reject_proof", "do_release_job", "do_start_production", "do_stop_job", "gates_waiting", "job_blob_ids",
]
