"""Registers of the house itself (P08, P11, P17, P26, P27): website cookie consent, confidentiality
agreements and awareness, workstations, penetration-test reports on request, cameras and their footage.

Documents (signed agreements, pentest reports, camera clips) live in the vault as blobs without a client:
they are the house's own records, purged by their own record class (facilities/purge.py).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

# -- P08: cookie consent on the house's public website -----------------------------------------------


class ConsentCategory(models.Model):
    """A category of cookies and scripts on the house's website, with its texts in Dutch and English.

    Scripts of a category stay inert on the site (``type="text/plain" data-category="<key>"``) until the
    visitor consents to it; a ``required`` category (strictly necessary) is always on and needs no consent.
    """

    key = models.SlugField(_("key"), max_length=40, unique=True)
    required = models.BooleanField(_("strictly necessary (always on)"), default=False)
    order = models.PositiveSmallIntegerField(default=0)
    title_nl = models.CharField(_("title (Dutch)"), max_length=100)
    title_en = models.CharField(_("title (English)"), max_length=100)
    description_nl = models.TextField(_("description (Dutch)"))
    description_en = models.TextField(_("description (English)"))

    class Meta:
        ordering = ["order", "key"]
        verbose_name = _("cookie category")
        verbose_name_plural = _("cookie categories")

    def __str__(self) -> str:
        return self.key


class ConsentService(models.Model):
    """A service a category loads on the website (a statistics tool, say), registered as the subprocessor
    it is: a service whose subprocessor is outside the EU/EEA is refused, as P22 refuses any other."""

    category = models.ForeignKey(ConsentCategory, on_delete=models.PROTECT, related_name="services")
    name = models.CharField(_("service"), max_length=100)
    subprocessor = models.ForeignKey(
        "clients.Subprocessor",
        on_delete=models.PROTECT,
        related_name="website_services",
        verbose_name=_("subprocessor"),
    )
    script_host = models.CharField(_("host its scripts load from"), max_length=255, blank=True)
    cookies = models.CharField(_("cookies it sets (names or patterns)"), max_length=300, blank=True)
    registered_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["category__order", "name"]
        constraints = [models.UniqueConstraint(fields=["category", "name"], name="consent_service_once")]

    def __str__(self) -> str:
        return self.name


class ConsentRecord(models.Model):
    """One visitor's choice, as proof of consent (Art. 7(1) GDPR). Pseudonymous: the id is the random one
    the banner keeps in the visitor's consent cookie; no address, no user agent."""

    class Action(models.TextChoices):
        FIRST = "first", _("first choice")
        CHANGE = "change", _("changed or withdrawn")

    consent_id = models.CharField(_("pseudonymous id"), max_length=64, db_index=True)
    recorded_at = models.DateTimeField(_("recorded at"), default=timezone.now, db_index=True)
    action = models.CharField(max_length=8, choices=Action.choices)
    accepted = models.JSONField(_("categories accepted"), default=list)
    rejected = models.JSONField(_("categories rejected"), default=list)
    banner_version = models.CharField(_("banner version"), max_length=32)
    language = models.CharField(max_length=8, blank=True)

    class Meta:
        ordering = ["-recorded_at"]


# -- P11: confidentiality agreements and awareness ---------------------------------------------------


class ConfidentialityAgreement(models.Model):
    """A staff member's signed confidentiality agreement (geheimhoudingsverklaring), the signed copy in the vault.

    Current while today lies between ``signed_on`` and ``valid_until`` (open-ended when empty). Without a
    current one, a staff member cannot open client data (facilities/middleware.py).
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="confidentiality_agreements"
    )
    version = models.CharField(_("version of the text"), max_length=40)
    signed_on = models.DateField(_("signed on"))
    valid_until = models.DateField(_("valid until"), null=True, blank=True)
    document = models.ForeignKey("vault.Blob", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    recorded_at = models.DateTimeField(default=timezone.now)
    recorded_by = models.CharField(max_length=200)

    class Meta:
        ordering = ["-signed_on", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_until__isnull=True) | Q(valid_until__gte=models.F("signed_on")),
                name="confidentiality_valid_after_signing",
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} {self.version} ({self.signed_on})"

    def is_current(self, on) -> bool:
        return self.signed_on <= on and (self.valid_until is None or self.valid_until >= on)


class AwarenessSession(models.Model):
    """A security-awareness session and who attended it (P11: regular awareness)."""

    held_on = models.DateField(_("held on"))
    subject = models.CharField(_("subject"), max_length=200)
    attendees = models.ManyToManyField(
        settings.AUTH_USER_MODEL, related_name="awareness_sessions", verbose_name=_("attended")
    )
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-held_on"]

    def __str__(self) -> str:
        return f"{self.held_on} {self.subject}"


# -- P17: workstations -------------------------------------------------------------------------------


class WorkstationKind(models.TextChoices):
    PC = "pc", _("print-floor PC")
    RIP = "rip", _("RIP")
    OFFICE = "office", _("office PC")
    OTHER = "other", _("other")


class Workstation(models.Model):
    """A workstation that touches client data; checked monthly (P17)."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    kind = models.CharField(_("kind"), max_length=10, choices=WorkstationKind.choices)
    location = models.CharField(_("location"), max_length=200)
    responsible = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="workstations", verbose_name=_("responsible")
    )
    active = models.BooleanField(_("in use"), default=True)
    registered_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class WorkstationCheck(models.Model):
    """One monthly check of a workstation: the checklist, who checked, when, what was found."""

    workstation = models.ForeignKey(Workstation, on_delete=models.PROTECT, related_name="checks")
    checked_at = models.DateTimeField(_("checked at"), default=timezone.now)
    checked_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    local_copies_removed = models.BooleanField(_("no local copies of client files"))
    downloads_empty = models.BooleanField(_("downloads folder empty"))
    temp_empty = models.BooleanField(_("temporary folders empty"))
    findings = models.TextField(_("findings"), blank=True)

    class Meta:
        ordering = ["-checked_at"]
        constraints = [
            # A check that found anything left behind says what and what was done about it.
            models.CheckConstraint(
                condition=Q(local_copies_removed=True, downloads_empty=True, temp_empty=True) | ~Q(findings=""),
                name="workstation_check_findings_explained",
            )
        ]

    @property
    def clean(self) -> bool:  # type: ignore[override]
        return self.local_copies_removed and self.downloads_empty and self.temp_empty


class WorkstationReminder(models.Model):
    """A reminder sent for one due date of a workstation: at most one per due date (idempotent task)."""

    workstation = models.ForeignKey(Workstation, on_delete=models.CASCADE, related_name="reminders")
    due_on = models.DateField()
    sent_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["workstation", "due_on"], name="workstation_reminder_once")]


# -- P26: penetration-test reports on request --------------------------------------------------------


class PentestReport(models.Model):
    """The report of a penetration test (privacy.Pentest), stored in the vault."""

    pentest = models.OneToOneField("privacy.Pentest", on_delete=models.PROTECT, related_name="report")
    blob = models.ForeignKey("vault.Blob", on_delete=models.PROTECT, related_name="+")
    stored_at = models.DateTimeField(default=timezone.now)


class PentestReportRequest(models.Model):
    """A client's request for the latest penetration-test report, answered by the privacy officer."""

    client = models.ForeignKey("clients.Client", on_delete=models.PROTECT, related_name="pentest_report_requests")
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField(default=timezone.now)
    pentest = models.ForeignKey("privacy.Pentest", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    answered_at = models.DateTimeField(null=True, blank=True)
    answered_by = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["-requested_at"]


# -- P27: cameras and footage ------------------------------------------------------------------------


class LocationKind(models.TextChoices):
    ENTRANCE = "entrance", _("entrance or reception")
    PRODUCTION = "production", _("production floor")
    WAREHOUSE = "warehouse", _("warehouse or expedition")
    OFFICE = "office", _("office")
    OUTSIDE = "outside", _("outside or parking")
    # Listed so a refusal can name them: the statement promises no cameras there.
    TOILET = "toilet", _("toilet")
    CHANGING_ROOM = "changing_room", _("changing room")


FORBIDDEN_LOCATIONS = (LocationKind.TOILET, LocationKind.CHANGING_ROOM)


class CameraKind(models.TextChoices):
    FIXED = "fixed", _("fixed")
    DOME = "dome", _("dome")
    PTZ = "ptz", _("pan-tilt-zoom")


class CameraIncident(models.Model):
    """An incident that justifies viewing footage and keeping it longer, until the incident is closed."""

    reference = models.CharField(_("reference"), max_length=20, unique=True)
    title = models.CharField(_("what happened"), max_length=200)
    occurred_at = models.DateTimeField(_("occurred at"))
    recorded_at = models.DateTimeField(default=timezone.now)
    recorded_by = models.CharField(max_length=200)
    closed_at = models.DateTimeField(null=True, blank=True)
    outcome = models.TextField(_("outcome"), blank=True)

    class Meta:
        ordering = ["-occurred_at"]

    def __str__(self) -> str:
        return f"{self.reference} {self.title}"

    @property
    def is_open(self) -> bool:
        return self.closed_at is None


class Camera(models.Model):
    """A camera in the building (P27): never in a toilet or changing room, never with sound; the recorder
    keeps its footage at most four weeks, longer only while an open incident holds it."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    location = models.CharField(_("location"), max_length=200)
    location_kind = models.CharField(_("kind of location"), max_length=16, choices=LocationKind.choices)
    kind = models.CharField(_("kind"), max_length=10, choices=CameraKind.choices)
    audio = models.BooleanField(_("records sound"), default=False)
    recorder_retention_days = models.PositiveIntegerField(_("kept on the recorder (days)"))
    extended_for = models.ForeignKey(
        CameraIncident, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("kept longer for incident"),
    )
    active = models.BooleanField(_("in use"), default=True)
    registered_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(condition=Q(audio=False), name="camera_without_sound"),
            models.CheckConstraint(
                condition=~Q(location_kind__in=["toilet", "changing_room"]),
                name="camera_not_in_toilet_or_changing_room",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class CameraClip(models.Model):
    """Footage exported from the recorder for an incident, stored in the vault. Kept four weeks from the
    recording, unless a hold (placed while its incident is open) keeps it until the incident is closed."""

    camera = models.ForeignKey(Camera, on_delete=models.PROTECT, related_name="clips")
    incident = models.ForeignKey(CameraIncident, on_delete=models.PROTECT, related_name="clips")
    recorded_from = models.DateTimeField(_("recorded from"))
    recorded_until = models.DateTimeField(_("recorded until"))
    blob = models.OneToOneField("vault.Blob", on_delete=models.PROTECT, related_name="camera_clip")
    stored_at = models.DateTimeField(default=timezone.now)
    hold = models.ForeignKey("retention.Hold", on_delete=models.PROTECT, null=True, blank=True, related_name="+")

    class Meta:
        ordering = ["-recorded_from"]
        constraints = [
            models.CheckConstraint(
                condition=Q(recorded_until__gte=models.F("recorded_from")), name="clip_period_ordered"
            )
        ]


class ClipViewing(models.Model):
    """Who viewed which clip, when, and why (only ever for a recorded incident)."""

    clip = models.ForeignKey(CameraClip, on_delete=models.PROTECT, related_name="viewings")
    viewed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    viewed_at = models.DateTimeField(default=timezone.now)
    reason = models.TextField(_("why"))

    class Meta:
        ordering = ["-viewed_at"]


class CameraRequestKind(models.TextChoices):
    ACCESS = "access", _("see the footage (Art. 15)")
    ERASURE = "erasure", _("be forgotten (Art. 17)")
    RESTRICTION = "restriction", _("restriction (Art. 18)")
    OBJECTION = "objection", _("objection (Art. 21)")


class CameraRequest(models.Model):
    """A visitor's or employee's request about camera footage of them, answered within a month.

    The house is the controller here (its own cameras), so it answers the person directly. The request
    (reference, kind, deadline, answer) is an entry of the one request register,
    ``privacy.DataSubjectRequest``; this row adds which footage it is about and how to reach the person
    (as they want to be contacted); no image of them is stored here.
    """

    request = models.OneToOneField(
        "privacy.DataSubjectRequest", on_delete=models.PROTECT, related_name="camera_request"
    )
    requester = models.CharField(_("from"), max_length=200, help_text=_("who asked, as they want to be contacted"))
    camera = models.ForeignKey(Camera, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    moment_from = models.DateTimeField(_("footage from"), null=True, blank=True)
    moment_until = models.DateTimeField(_("footage until"), null=True, blank=True)

    class Meta:
        ordering = ["-request__received_at"]

    def __str__(self) -> str:
        return self.request.reference

    @property
    def reference(self) -> str:
        return self.request.reference

    @property
    def kind(self) -> str:
        return self.request.kind

    def get_kind_display(self) -> str:
        return str(CameraRequestKind(self.request.kind).label)

    @property
    def deadline(self):
        return self.request.due

    @property
    def closed_at(self):
        return self.request.closed_at

    @property
    def outcome(self) -> str:
        return self.request.receipt
