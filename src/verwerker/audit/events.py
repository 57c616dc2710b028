"""Audit event types, numbered in ranges per app (as zulip's RealmAuditLog does).

Numbers are stored and hashed: never renumber one, only add. Ranges:
1-99 system, 100-199 accounts, 200-299 clients, 300-399 vault, 400-499 intake, 500-599 datafiles,
600-699 production, 700-799 retention, 800-899 privacy, 900-999 portal and CRM.
"""

from django.db import models


class EventType(models.IntegerChoices):
    # system
    SYSTEM_STARTED = 1, "system started"
    AUDIT_VERIFIED = 2, "audit chain verified"
    TASK_FAILED = 3, "task failed"
    TASK_HEARTBEAT = 4, "worker heartbeat"
    # accounts
    LOGIN_SUCCEEDED = 100, "login succeeded"
    LOGIN_FAILED = 101, "login failed"
    LOGIN_LOCKED_OUT = 102, "locked out after failed logins"
    LOGOUT = 103, "logout"
    PASSWORD_CHANGED = 104, "password changed"
    OTP_DEVICE_CONFIRMED = 105, "second factor enrolled"
    OTP_FAILED = 106, "second factor failed"
    OTP_VERIFIED = 107, "second factor verified"
    USER_CREATED = 110, "user created"
    USER_ROLES_CHANGED = 111, "user roles changed"
    USER_DEACTIVATED = 112, "user deactivated"
    ADMIN_BOOTSTRAPPED = 113, "first administrator created"
    # clients
    CLIENT_CREATED = 200, "client created"
    CLIENT_CHANGED = 201, "client changed"
    CONTACT_ADDED = 202, "contact added"
    AGREEMENT_CREATED = 210, "agreement created"
    AGREEMENT_ACTIVATED = 211, "agreement activated"
    AGREEMENT_ENDED = 212, "agreement ended"
    AGREEMENT_CHANGED = 213, "agreement changed"
    SUBPROCESSOR_CREATED = 220, "subprocessor created"
    SUBPROCESSOR_REFUSED = 221, "subprocessor refused"
    SUBPROCESSOR_CHANGED = 222, "subprocessor changed"
    # privacy
    BREACH_REPORTED = 800, "breach reported"
    BREACH_STATUS_CHANGED = 801, "breach status changed"
    BREACH_CLIENT_ADDED = 802, "breach: affected client added"
    BREACH_ESCALATED = 803, "breach deadline escalated"
    BREACH_NOTICE_SENT = 804, "breach notice sent to client"
    BREACH_FOLLOW_UP = 805, "breach follow-up recorded"
    BREACH_IMPACT_ANALYSED = 806, "breach impact analysed"
    COMPLAINT_RECEIVED = 820, "complaint received"
    COMPLAINT_CHANGED = 821, "complaint changed"
    PENTEST_RECORDED = 830, "penetration test recorded"
    PENTEST_FINDING_CHANGED = 831, "penetration test finding changed"
    AUDIT_EXPORTED = 840, "audit trail exported"
    # vault
    BLOB_STORED = 300, "blob stored"
    BLOB_ABORTED = 301, "blob write aborted"
    BLOB_SHREDDED = 302, "blob crypto-shredded"
    BLOB_READ = 303, "blob read"
    MASTER_KEY_ROTATED = 304, "master key rotated"
    VAULT_FILE_REMOVED = 305, "stray vault file removed"
    # intake
    SFTP_ACCOUNT_ISSUED = 400, "SFTP account issued"
    SFTP_PUBLIC_KEY_SET = 401, "SFTP public key set"
    SFTP_PASSWORD_LOGIN_DISABLED = 402, "SFTP password login switched off"
    SFTP_NETWORKS_SET = 403, "SFTP allowed networks set"
    SFTP_LOGIN_SUCCEEDED = 410, "SFTP login succeeded"
    SFTP_LOGIN_FAILED = 411, "SFTP login failed"
    SFTP_LOGIN_REFUSED = 412, "SFTP login refused"
    SFTP_BANNED = 413, "SFTP source banned after failed logins"
    SFTP_BAN_LIFTED = 414, "SFTP ban lifted"
    SFTP_OPERATION_REFUSED = 415, "SFTP operation refused"
    UPLOAD_STARTED = 420, "upload started"
    UPLOAD_COMPLETED = 421, "upload completed"
    UPLOAD_ABORTED = 422, "upload aborted"
    UPLOAD_REFUSED = 423, "upload refused"
    UPLOAD_RECEIVED = 424, "upload recorded as received"
    OUTBOX_FILE_ADDED = 430, "file put in outbox"
    OUTBOX_DOWNLOADED = 431, "file downloaded from outbox"
    # datafiles
    DATAFILE_REGISTERED = 500, "data file registered"
    DATAFILE_PROFILED = 501, "data file profiled"
    DATAFILE_UNREADABLE = 502, "data file unreadable"
    DATAFILE_KIND_OVERRIDDEN = 503, "data file column kind overridden"
    DATAFILE_REFUSED = 504, "data file refused"
    DATAFILE_PURGED = 505, "data file content deleted"
    # production (job life cycle: production/workflow.py)
    JOB_DRAFTED = 600, "job drafted"
    JOB_CHANGED = 601, "job draft changed"
    JOB_APPROVED = 602, "job approved by a second person"
    JOB_RELEASED = 603, "job released"
    JOB_PRODUCTION_STARTED = 604, "job production started"
    JOB_PART_RENDERED = 605, "job part rendered"
    JOB_PRODUCED = 606, "job produced"
    JOB_PRODUCTION_FAILED = 607, "job production failed"
    JOB_PROOF_APPROVED = 608, "job proof approved"
    JOB_PROOF_REJECTED = 609, "job proof rejected"
    JOB_DELIVERED = 610, "job delivered"
    JOB_CONFIRMED = 611, "job printing/production confirmed"
    JOB_PURGED = 612, "job data shredded"
    JOB_CERTIFIED = 613, "job deletion certified"
    JOB_CANCELLED = 614, "job cancelled"
    JOB_TRANSITION_REFUSED = 615, "job step refused"
    JOB_CONSENT_RECORDED = 620, "parental consent recorded"
    JOB_LEGAL_BASIS_RECORDED = 621, "BSN legal basis recorded"
    JOB_COLUMN_DROPPED = 622, "column dropped from job"
    JOB_MEASURES_CONFIRMED = 623, "high-risk measures ticked off"
    PRINT_STATION_CHANGED = 630, "print station changed"
    TEMPLATE_CHANGED = 631, "template changed"
    # retention
    PURGE_RUN = 700, "retention purge run"
    HOLD_PLACED = 701, "hold placed"
    HOLD_RELEASED = 702, "hold released"
    CERTIFICATE_ISSUED = 703, "deletion certificate issued"
    RETENTION_SCHEDULE_CHANGED = 704, "retention schedule changed"


class ActorType(models.TextChoices):
    SYSTEM = "system", "system"
    STAFF = "staff", "staff user"
    CLIENT_USER = "client_user", "client user"
    SFTP = "sftp", "SFTP account"
    ANONYMOUS = "anonymous", "anonymous"


class Outcome(models.TextChoices):
    SUCCESS = "success", "success"
    FAILURE = "failure", "failure"
    REFUSED = "refused", "refused"
