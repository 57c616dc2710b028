"""Retention rules as plain data and checks (no ORM): record classes, defaults, the audit-log floor."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _


class RecordClass(models.TextChoices):
    DATA_FILES = "data_files", _("client data files and everything derived from them")
    SFTP_FOLDERS = "sftp_folders", _("SFTP folders")
    CAMERA_FOOTAGE = "camera_footage", _("camera footage")
    AUDIT_EVENTS = "audit_events", _("audit events")
    # The house's own relations (crm): people and organisations without a relationship or consent.
    CRM = "crm", _("CRM: own relations without a relationship or consent")
    # Financial records and contract terms of own relations, seven years after the relationship ended.
    # (A class "crm_financial" once named the same records but nothing purged it; migration 0009 removed it.)
    FINANCIAL = "financieel", _("financial records of own relations")
    CONSENT_LOG = "consent_log", _("website cookie consent log")
    CAMERA_CLIPS = "camera_clips", _("camera clips exported for an incident")
    # Orderer data of the client portals (portal): the house's maximum; a client's portal may keep less.
    PORTAL_ORDERS = "portal_orders", _("orderer data of client portal orders")


# The privacy statement's figures (PROMISES.md P17-P19, P27), seeded by a data migration. ``None`` keeps
# records indefinitely. Data files: deleted when their job completes; this is the hard maximum, which a
# client's agreement (max_retention_days) sets otherwise.
DEFAULTS: dict[str, dict] = {
    RecordClass.DATA_FILES: {
        "keep_days": 31,
        "starts_from": "receipt; deleted at job completion, at the latest after the agreement's maximum",
        "basis": "privacy statement (at most one month); processing agreement, Art. 28(3)(g) GDPR",
    },
    RecordClass.SFTP_FOLDERS: {
        "keep_days": 31,
        "starts_from": "upload; the folders are emptied monthly",
        "basis": "privacy statement (SFTP folder cleaned monthly)",
    },
    RecordClass.CAMERA_FOOTAGE: {
        "keep_days": 28,
        "starts_from": "recording; longer only under an incident hold until the incident is closed",
        "basis": "privacy statement (at most 4 weeks)",
    },
    RecordClass.CRM: {
        "keep_days": 2 * 365,
        "starts_from": "the last relationship, consent or contact with the person",
        "basis": "privacy statement (CRM data for administration and daily contact); Art. 5(1)(e) GDPR",
    },
    RecordClass.FINANCIAL: {
        "keep_days": 7 * 365 + 2,
        "starts_from": "end of the relationship",
        "basis": "fiscal retention duty, art. 52 AWR (7 years)",
    },
    RecordClass.AUDIT_EVENTS: {
        "keep_days": None,
        "starts_from": "the event",
        "basis": "accountability, Art. 5(2) GDPR; never shorter than the longest other class",
    },
    RecordClass.CONSENT_LOG: {
        "keep_days": 2 * 365,
        "starts_from": "the visitor's choice; the banner asks again after a year",
        "basis": "proof of consent, Art. 7(1) GDPR: as long as the consent is relied on, and a year to answer for it",
    },
    RecordClass.CAMERA_CLIPS: {
        "keep_days": 28,
        "starts_from": "recording; longer only under an incident hold until the incident is closed",
        "basis": "privacy statement (camera footage at most 4 weeks)",
    },
    RecordClass.PORTAL_ORDERS: {
        "keep_days": 2 * 365,
        "starts_from": "the order; a client's portal may set a shorter order history, then anonymised",
        "basis": "privacy statement (orderer data only for delivery and order history); Art. 5(1)(e) GDPR",
    },
}


def schedule_problems(keep_days: dict[str, int | None]) -> list[str]:
    """What is wrong with a set of retention periods (record class -> days, None = kept); [] if nothing."""
    problems = []
    for record_class, days in keep_days.items():
        if record_class != RecordClass.AUDIT_EVENTS and days is None:
            problems.append(gettext("%(record_class)s needs a retention period: only audit events are kept "
                                    "indefinitely") % {"record_class": record_class})
        if days is not None and days < 1:
            problems.append(gettext("%(record_class)s: a retention period is at least one day") % {
                "record_class": record_class})
    audit = keep_days.get(RecordClass.AUDIT_EVENTS)
    others = [d for c, d in keep_days.items() if c != RecordClass.AUDIT_EVENTS and d is not None]
    if audit is not None and others and audit < max(others):
        problems.append(gettext(
            "audit events must be kept at least as long as the longest other class (%(longest)s days), not "
            "%(audit)s: the log is the evidence of what happened to those records") % {
            "longest": max(others), "audit": audit})
    return problems
