"""The privacy office's registers: breaches with their clock (P24), complaints (P25), penetration tests (P26)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class BreachStatus(models.TextChoices):
    SUSPECTED = "suspected", _("suspected")
    INVESTIGATING = "investigating", _("investigating")
    NOTIFIED = "notified", _("notified")
    CLOSED = "closed", _("closed")
    NOT_A_BREACH = "not_a_breach", _("not a breach")


OPEN_BREACH_STATES = (BreachStatus.SUSPECTED, BreachStatus.INVESTIGATING, BreachStatus.NOTIFIED)


class Breach(models.Model):
    """A (suspected) personal-data breach, from discovery to closing. Its clock starts at discovery."""

    reference = models.CharField(_("reference"), max_length=20, unique=True)
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("what happened"))
    discovered_at = models.DateTimeField(_("discovered at"))
    reported_at = models.DateTimeField(_("reported at"), default=timezone.now)
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+", verbose_name=_("reported by")
    )
    window_start = models.DateTimeField(_("exposure from"), null=True, blank=True)
    window_end = models.DateTimeField(_("exposure until"), null=True, blank=True)
    systems = models.CharField(_("systems involved"), max_length=300, blank=True)
    accounts = models.CharField(_("accounts involved"), max_length=300, blank=True)
    nature = models.CharField(_("nature (confidentiality, integrity, availability)"), max_length=100, blank=True)
    consequences = models.TextField(_("likely consequences"), blank=True)
    measures_taken = models.TextField(_("measures taken"), blank=True)
    measures_proposed = models.TextField(_("measures proposed"), blank=True)
    status = models.CharField(_("status"), max_length=16, choices=BreachStatus.choices, default=BreachStatus.SUSPECTED)
    not_a_breach_reason = models.TextField(_("why this is not a breach"), blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)

    class Meta:
        ordering = ["-discovered_at"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status=BreachStatus.NOT_A_BREACH) | ~Q(not_a_breach_reason=""),
                name="breach_not_a_breach_needs_reason",
            ),
            models.CheckConstraint(
                condition=Q(window_start__isnull=True)
                | Q(window_end__isnull=True)
                | Q(window_end__gte=models.F("window_start")),
                name="breach_window_ordered",
            ),
        ]
        permissions = [("manage_breach", "Investigate breaches and notify clients")]

    def __str__(self) -> str:
        return f"{self.reference} {self.title}"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_BREACH_STATES


class BreachClient(models.Model):
    """One affected client of a breach: its own deadline (from its agreement) and notification."""

    breach = models.ForeignKey(Breach, on_delete=models.CASCADE, related_name="affected")
    client = models.ForeignKey("clients.Client", on_delete=models.PROTECT, related_name="breaches")
    deadline = models.DateTimeField(_("notify client before"))
    impact = models.JSONField(_("impact found"), default=dict)
    notice_text = models.TextField(_("notification"), blank=True)
    notified_at = models.DateTimeField(_("notified at"), null=True, blank=True)
    notified_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+")

    class Meta:
        ordering = ["deadline"]
        constraints = [models.UniqueConstraint(fields=["breach", "client"], name="breach_client_once")]

    def __str__(self) -> str:
        return f"{self.breach.reference} → {self.client}"


class BreachEscalation(models.Model):
    """An escalation e-mail sent at one point before a client's deadline; at most once per point."""

    breach_client = models.ForeignKey(BreachClient, on_delete=models.CASCADE, related_name="escalations")
    hours_before = models.IntegerField()
    sent_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["breach_client", "hours_before"], name="escalation_once_per_point")
        ]


class BreachNote(models.Model):
    """Follow-up recorded on a breach: notices sent, written follow-ups with measures, findings."""

    class Kind(models.TextChoices):
        NOTE = "note", _("note")
        NOTICE_SENT = "notice_sent", _("notification sent")
        FOLLOW_UP = "follow_up", _("written follow-up")
        STATUS = "status", _("status change")

    breach = models.ForeignKey(Breach, on_delete=models.CASCADE, related_name="notes")
    client = models.ForeignKey("clients.Client", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    kind = models.CharField(max_length=16, choices=Kind.choices, default=Kind.NOTE)
    text = models.TextField()
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+")

    class Meta:
        ordering = ["created_at"]


class ComplaintStatus(models.TextChoices):
    RECEIVED = "received", _("received")
    INVESTIGATING = "investigating", _("investigating")
    RESOLVED = "resolved", _("resolved")
    REJECTED = "rejected", _("rejected")


class Complaint(models.Model):
    """A complaint about the processing (P25), handled to an outcome."""

    received_at = models.DateTimeField(_("received at"), default=timezone.now)
    client = models.ForeignKey(
        "clients.Client", on_delete=models.PROTECT, null=True, blank=True, related_name="complaints"
    )
    complainant = models.CharField(
        _("from"), max_length=200, help_text=_("who complained, as they want to be contacted")
    )
    subject = models.CharField(_("subject"), max_length=200)
    description = models.TextField(_("complaint"))
    status = models.CharField(
        _("status"), max_length=16, choices=ComplaintStatus.choices, default=ComplaintStatus.RECEIVED
    )
    outcome = models.TextField(_("outcome"), blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)

    class Meta:
        ordering = ["-received_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=["received", "investigating"]) | ~Q(outcome=""),
                name="complaint_closed_with_outcome",
            )
        ]

    def __str__(self) -> str:
        return self.subject


class Pentest(models.Model):
    """A penetration test of the web environment (P26), with its findings."""

    performed_on = models.DateField(_("performed on"))
    tester = models.CharField(_("tester"), max_length=200)
    scope = models.TextField(_("scope"))
    report_reference = models.CharField(_("report reference"), max_length=200, blank=True)

    class Meta:
        ordering = ["-performed_on"]

    def __str__(self) -> str:
        return f"{self.performed_on} {self.tester}"


class FindingStatus(models.TextChoices):
    OPEN = "open", _("open")
    FIXED = "fixed", _("fixed, awaiting retest")
    RETESTED = "retested", _("fixed and retested")
    ACCEPTED = "accepted", _("risk accepted")


class PentestFinding(models.Model):
    pentest = models.ForeignKey(Pentest, on_delete=models.CASCADE, related_name="findings")
    title = models.CharField(_("finding"), max_length=200)
    severity = models.CharField(
        _("severity"), max_length=10,
        choices=[("low", _("low")), ("medium", _("medium")), ("high", _("high")), ("critical", _("critical"))],
    )
    status = models.CharField(_("status"), max_length=10, choices=FindingStatus.choices, default=FindingStatus.OPEN)
    fixed_on = models.DateField(_("fixed on"), null=True, blank=True)
    # Set by the privacy officer (facilities.actions.do_set_finding_due): open past it fails P26.
    due_on = models.DateField(_("fix due by"), null=True, blank=True)
    retested_on = models.DateField(_("retested on"), null=True, blank=True)

    class Meta:
        ordering = ["status", "-severity"]


class RequestKind(models.TextChoices):
    ACCESS = "access", _("access (Art. 15)")
    RECTIFICATION = "rectification", _("rectification (Art. 16)")
    ERASURE = "erasure", _("erasure (Art. 17)")
    RESTRICTION = "restriction", _("restriction (Art. 18)")
    PORTABILITY = "portability", _("portability (Art. 20)")
    OBJECTION = "objection", _("objection (Art. 21)")


class RequestStatus(models.TextChoices):
    OPEN = "open", _("open")
    EXECUTED = "executed", _("executed")
    REFERRED = "referred", _("referred to the client")
    REFUSED = "refused", _("refused on the client's instruction")


class RequestConcerns(models.TextChoices):
    """Whose data a request is about: the one register holds all three, each with its deadline."""

    CLIENT_FILES = "client_files", _("a client's files (the house as processor)")
    OWN_RELATION = "own_relation", _("own relation (CRM)")
    CAMERA = "camera", _("camera footage")


class DataSubjectRequest(models.Model):
    """A data-subject request (P07): the one register of requests with their deadlines.

    Most are taken on behalf of a client's designated contact about the client's files; the house's own
    relations (crm.RelationRequest) and people filmed by its cameras (facilities.CameraRequest) ask the
    house directly, as controller, and their details live in those apps' rows, which point here.
    The person's identifying details are not stored: only keyed hashes to find their records and a mask
    for people to read (privacy/subjects.py).
    """

    reference = models.CharField(_("reference"), max_length=20, unique=True)
    concerns = models.CharField(_("concerns"), max_length=12, choices=RequestConcerns.choices,
                                default=RequestConcerns.CLIENT_FILES)
    client = models.ForeignKey("clients.Client", on_delete=models.PROTECT, null=True, blank=True,
                               related_name="subject_requests")
    kind = models.CharField(_("request"), max_length=16, choices=RequestKind.choices)
    received_at = models.DateTimeField(_("received at"), default=timezone.now)
    from_contact = models.ForeignKey(
        "clients.Contact", on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("on behalf of (designated contact)"),
    )
    from_person = models.BooleanField(_("made by the person directly"), default=False)
    subject_mask = models.CharField(_("person (masked)"), max_length=200)
    subject_keys = models.JSONField(default=dict)
    deadline = models.DateField(_("deadline"))
    extended_to = models.DateField(_("extended to"), null=True, blank=True)
    extension_reason = models.TextField(_("reason for the extension"), blank=True)
    status = models.CharField(_("status"), max_length=10, choices=RequestStatus.choices, default=RequestStatus.OPEN)
    identity_checked_by = models.CharField(_("identity checked by"), max_length=150, blank=True)
    identity_checked_with = models.CharField(_("identity checked with (no copy kept)"), max_length=100, blank=True)
    receipt = models.TextField(_("receipt"), blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    # The last search's counts (the records themselves are shown once, in the search's response).
    searched_at = models.DateTimeField(_("searched at"), null=True, blank=True)
    found_files = models.PositiveIntegerField(_("files with records of the person"), null=True, blank=True)
    found_records = models.PositiveIntegerField(_("records of the person"), null=True, blank=True)

    class Meta:
        ordering = ["-received_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(extended_to__isnull=True) | ~Q(extension_reason=""), name="dsr_extension_has_reason"
            ),
            models.CheckConstraint(
                condition=Q(from_person=True) | Q(from_contact__isnull=False), name="dsr_has_a_source"
            ),
            models.CheckConstraint(
                condition=(Q(concerns="client_files") & Q(client__isnull=False))
                | (~Q(concerns="client_files") & Q(client__isnull=True) & Q(from_person=True)),
                name="dsr_client_only_for_client_files",
            ),
        ]
        permissions = [("handle_subject_request", "Search and execute data-subject requests")]

    def __str__(self) -> str:
        return self.reference

    @property
    def due(self):
        return self.extended_to or self.deadline
