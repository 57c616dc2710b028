"""The house's own relations (P02-P04, P07, P19): organisations, people, financial references, consent
per purpose, mailings, and the requests and deletion certificates that concern them.

Here the house is the controller, not the processor: these are its own prospects, clients and suppliers.
Contact data is the CRM's daily working data; the purpose-bound extras (birth date, interests, social
profiles) exist only encrypted (``Person.extra_*``, see extra.py) and are read only through
queries.read_extra_data with a declared purpose.
"""

from __future__ import annotations

import uuid

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Gender(models.TextChoices):
    UNKNOWN = "", _("unknown")
    MALE = "m", _("male")
    FEMALE = "v", _("female")
    OTHER = "x", _("other")


class Address(models.Model):
    """Postal address and contact fields shared by organisations and people (validated in forms.py)."""

    street = models.CharField(_("street"), max_length=200, blank=True)
    house_number = models.CharField(_("house number"), max_length=10, blank=True)
    house_number_addition = models.CharField(_("addition"), max_length=10, blank=True)
    postcode = models.CharField(_("postcode"), max_length=12, blank=True)
    city = models.CharField(_("town"), max_length=100, blank=True)
    country = models.CharField(_("country"), max_length=60, blank=True, default="NL")
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    mobile = models.CharField(_("mobile"), max_length=30, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    website = models.URLField(_("website"), blank=True)

    class Meta:
        abstract = True


class Organisation(Address):
    """A prospect, client and/or supplier of the house. ``client``/``subprocessor`` link the processing side."""

    name = models.CharField(_("name"), max_length=200)
    is_prospect = models.BooleanField(_("prospect"), default=False)
    is_client = models.BooleanField(_("client"), default=False)
    is_supplier = models.BooleanField(_("supplier"), default=False)
    client = models.ForeignKey(
        "clients.Client", on_delete=models.SET_NULL, null=True, blank=True, related_name="crm_organisations",
        verbose_name=_("client the house processes for"),
    )
    subprocessor = models.ForeignKey(
        "clients.Subprocessor", on_delete=models.SET_NULL, null=True, blank=True, related_name="crm_organisations",
        verbose_name=_("subprocessor"),
    )
    iban = models.CharField(_("bank account (IBAN)"), max_length=34, blank=True)
    kvk = models.CharField(_("KvK number"), max_length=8, blank=True)
    vat = models.CharField(_("VAT number"), max_length=20, blank=True)
    relationship_ended_on = models.DateField(_("relationship ended on"), null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    last_activity_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name"]
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")

    def __str__(self) -> str:
        return self.name

    @property
    def has_relationship(self) -> bool:
        """A client or supplier whose relationship has not ended (prospects are no relationship)."""
        return (self.is_client or self.is_supplier) and self.relationship_ended_on is None

    def kinds(self) -> list[str]:
        return [str(label) for flag, label in (
            (self.is_prospect, _("prospect")), (self.is_client, _("client")), (self.is_supplier, _("supplier"))
        ) if flag]


class Person(Address):
    """A contact person, belonging to an organisation or standing alone.

    ``extra_key`` is this person's data key for the purpose-bound fields, wrapped by the vault's master
    key with ``key`` as associated data; ``extra_data`` their ciphertext. Erasing the row destroys both.
    """

    key = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, null=True, blank=True, related_name="people",
        verbose_name=_("organisation"),
    )
    gender = models.CharField(_("gender"), max_length=1, choices=Gender.choices, blank=True)
    initials = models.CharField(_("initials"), max_length=20, blank=True)
    first_name = models.CharField(_("first name"), max_length=100, blank=True)
    infix = models.CharField(_("infix"), max_length=20, blank=True)
    last_name = models.CharField(_("last name"), max_length=100)
    occupation = models.CharField(_("occupation"), max_length=100, blank=True)
    # A standalone person can be a client or supplier in their own right.
    is_client = models.BooleanField(_("client"), default=False)
    is_supplier = models.BooleanField(_("supplier"), default=False)
    relationship_ended_on = models.DateField(_("relationship ended on"), null=True, blank=True)
    deceased = models.BooleanField(_("deceased"), default=False)
    extra_key = models.BinaryField(null=True, editable=False)
    extra_data = models.BinaryField(null=True, editable=False)
    extra_master_key_id = models.CharField(max_length=16, blank=True, editable=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    last_activity_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["last_name", "initials", "pk"]
        verbose_name = _("person")
        verbose_name_plural = _("people")

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        given = self.first_name or self.initials
        return " ".join(p for p in (given, self.infix, self.last_name) if p)

    @property
    def has_relationship(self) -> bool:
        if self.organisation_id is not None and self.organisation.has_relationship:  # type: ignore[union-attr]
            return True
        return (self.is_client or self.is_supplier) and self.relationship_ended_on is None

    @property
    def has_extra_data(self) -> bool:
        return self.extra_data is not None


class FinancialKind(models.TextChoices):
    TRANSACTION = "transaction", _("transaction")
    PURCHASE = "purchase", _("purchase")
    INVOICE = "invoice", _("invoice")
    PAYMENT = "payment", _("payment")


class FinancialRecord(models.Model):
    """A reference to a transaction, purchase, invoice or payment in the house's ERP (the ledger stays there).

    Kept seven years after the relationship ends (record class "financieel"). ``party`` keeps the name
    on the record when the person is erased and the record must be kept (it is then restricted).
    """

    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, null=True, blank=True, related_name="financial_records"
    )
    person = models.ForeignKey(
        Person, on_delete=models.SET_NULL, null=True, blank=True, related_name="financial_records"
    )
    party = models.CharField(_("party"), max_length=200)
    kind = models.CharField(_("kind"), max_length=12, choices=FinancialKind.choices)
    reference = models.CharField(_("reference"), max_length=60)
    date = models.DateField(_("date"))
    amount = models.DecimalField(_("amount"), max_digits=12, decimal_places=2)
    currency = models.CharField(_("currency"), max_length=3, default="EUR")
    description = models.CharField(_("description"), max_length=200, blank=True)
    # Set when the owner's relationship ends (or on an erasure request): the seven years count from here.
    relationship_ended_on = models.DateField(null=True, blank=True)
    restricted_at = models.DateTimeField(_("restricted since"), null=True, blank=True)

    class Meta:
        ordering = ["-date", "-pk"]
        verbose_name = _("financial record")
        verbose_name_plural = _("financial records")
        constraints = [
            models.CheckConstraint(condition=Q(restricted_at__isnull=True) | Q(relationship_ended_on__isnull=False),
                                   name="crm_restricted_record_has_end"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.reference}"


class ContractTerm(models.Model):
    """A contract's terms as a reference (what, from, until, for how much); kept like financial records."""

    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, null=True, blank=True, related_name="contracts"
    )
    person = models.ForeignKey(Person, on_delete=models.SET_NULL, null=True, blank=True, related_name="contracts")
    party = models.CharField(_("party"), max_length=200)
    reference = models.CharField(_("reference"), max_length=60)
    subject = models.CharField(_("subject"), max_length=200)
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"), null=True, blank=True)
    amount = models.DecimalField(_("amount"), max_digits=12, decimal_places=2, null=True, blank=True)
    terms = models.TextField(_("terms"), blank=True)
    relationship_ended_on = models.DateField(null=True, blank=True)
    restricted_at = models.DateTimeField(_("restricted since"), null=True, blank=True)

    class Meta:
        ordering = ["-starts_on", "-pk"]
        verbose_name = _("contract term")
        verbose_name_plural = _("contract terms")

    def __str__(self) -> str:
        return self.reference


class NoteKind(models.TextChoices):
    NOTE = "note", _("note")
    CALL = "call", _("phone call")
    MEETING = "meeting", _("meeting")
    EMAIL = "email", _("e-mail")


class TimelineNote(models.Model):
    """A contact moment on an organisation's or person's timeline (other entries come from the records)."""

    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, null=True, blank=True, related_name="notes"
    )
    person = models.ForeignKey(Person, on_delete=models.CASCADE, null=True, blank=True, related_name="notes")
    kind = models.CharField(_("kind"), max_length=10, choices=NoteKind.choices, default=NoteKind.NOTE)
    text = models.TextField(_("text"))
    at = models.DateTimeField(_("when"), default=timezone.now)
    by = models.CharField(max_length=150)

    class Meta:
        ordering = ["-at", "-pk"]


class Purpose(models.Model):
    """A purpose people can consent to (data, seeded by a migration). Service messages need no purpose."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=100)
    description = models.TextField(_("description"))
    # A consent for this purpose lapses this long after it was given; a re-permission request goes out before.
    valid_days = models.PositiveIntegerField(
        _("valid for (days)"), null=True, blank=True, help_text=_("empty: until withdrawn")
    )
    # Only the purpose that may use the purpose-bound fields (P04) has this set.
    uses_extra_data = models.BooleanField(_("may use the extra data"), default=False)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("purpose")
        verbose_name_plural = _("purposes")

    def __str__(self) -> str:
        return self.name


class ConsentMethod(models.TextChoices):
    FORM = "form", _("web form")
    EMAIL = "email", _("e-mail")
    PHONE = "phone", _("phone")
    CARD = "card", _("business card")
    PAPER = "paper", _("signed paper form")


# Consents given online must be confirmed by a link in an e-mail before they hold (double opt-in).
ONLINE_METHODS = (ConsentMethod.FORM, ConsentMethod.EMAIL)


class Consent(models.Model):
    """One consent of one person for one purpose, with its proof and its end.

    It holds at time t when given_at <= t, confirmed (if it needs confirming) at or before t, not
    withdrawn at or before t, and not expired at t: see ``holds_q`` and consent.py's pure twin.
    """

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="consents")
    purpose = models.ForeignKey(Purpose, on_delete=models.PROTECT, related_name="consents")
    text_shown = models.TextField(_("text shown"))
    method = models.CharField(_("how given"), max_length=10, choices=ConsentMethod.choices)
    given_at = models.DateTimeField(_("given at"))
    recorded_by = models.CharField(_("recorded by"), max_length=150)
    needs_confirmation = models.BooleanField(default=False)
    confirmed_at = models.DateTimeField(_("confirmed at"), null=True, blank=True)
    expires_at = models.DateTimeField(_("expires at"), null=True, blank=True)
    renewal_requested_at = models.DateTimeField(_("re-permission requested"), null=True, blank=True)
    withdrawn_at = models.DateTimeField(_("withdrawn at"), null=True, blank=True)
    withdrawn_by = models.CharField(_("withdrawal recorded by"), max_length=150, blank=True)
    withdrawal_method = models.CharField(_("how withdrawn"), max_length=10, choices=ConsentMethod.choices, blank=True)

    class Meta:
        ordering = ["-given_at", "-pk"]
        verbose_name = _("consent")
        verbose_name_plural = _("consents")
        indexes = [models.Index(fields=["purpose", "withdrawn_at"], name="crm_consent_purpose_idx")]
        constraints = [
            models.CheckConstraint(condition=Q(withdrawn_at__isnull=True) | Q(withdrawn_at__gte=models.F("given_at")),
                                   name="crm_consent_withdrawn_after_given"),
            models.CheckConstraint(condition=Q(needs_confirmation=True) | Q(confirmed_at__isnull=True),
                                   name="crm_consent_confirmed_only_if_needed"),
        ]

    def __str__(self) -> str:
        return f"{self.purpose} ({self.get_method_display()}, {self.given_at:%Y-%m-%d})"

    @staticmethod
    def holds_q(at, prefix: str = "") -> Q:
        """The one definition, as a query, of 'this consent holds at ``at``'."""
        p = prefix
        return (
            Q(**{f"{p}given_at__lte": at})
            & (Q(**{f"{p}needs_confirmation": False}) | Q(**{f"{p}confirmed_at__lte": at}))
            & (Q(**{f"{p}withdrawn_at__isnull": True}) | Q(**{f"{p}withdrawn_at__gt": at}))
            & (Q(**{f"{p}expires_at__isnull": True}) | Q(**{f"{p}expires_at__gt": at}))
        )

    def holds(self, at=None) -> bool:
        from verwerker.crm.consent import ConsentFacts, holds  # local: same layer or upward, a cycle at the top

        return holds(ConsentFacts.of(self), at or timezone.now())


class SuppressionKind(models.TextChoices):
    POSTFILTER = "postfilter", _("Postfilter register (no unaddressed or addressed advertising)")
    DECEASED = "deceased", _("deceased register")
    OTHER = "other", _("other suppression list")


class SuppressionList(models.Model):
    """An imported suppression list, kept encrypted in the vault, read in the production engine's format."""

    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=12, choices=SuppressionKind.choices)
    blob = models.ForeignKey("vault.Blob", on_delete=models.PROTECT, related_name="+")
    file_name = models.CharField(max_length=255)
    mapping = models.JSONField(default=dict)  # column -> production kind
    rows = models.PositiveIntegerField(default=0)
    imported_at = models.DateTimeField(default=timezone.now)
    imported_by = models.CharField(max_length=150)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["-imported_at"]

    def __str__(self) -> str:
        return self.name


class MailingChannel(models.TextChoices):
    LETTER = "letter", _("letters (production job)")
    EMAIL = "email", _("e-mail")


class MailingState(models.TextChoices):
    DRAFT = "draft", _("draft")
    SELECTED = "selected", _("selection computed")
    PRODUCED = "produced", _("handed to production")
    SENT = "sent", _("sent")


class Mailing(models.Model):
    """An information mailing to own relations for one purpose. Its recipients come only from
    queries.select_mailing_recipients, which starts from consents that hold (P03)."""

    name = models.CharField(_("name"), max_length=200)
    purpose = models.ForeignKey(Purpose, on_delete=models.PROTECT, related_name="mailings")
    channel = models.CharField(_("channel"), max_length=10, choices=MailingChannel.choices)
    criteria = models.JSONField(_("criteria"), default=dict, blank=True)
    state = models.CharField(_("state"), max_length=10, choices=MailingState.choices, default=MailingState.DRAFT)
    subject = models.CharField(_("subject"), max_length=200, blank=True)
    body = models.TextField(_("text"), blank=True)
    created_by = models.CharField(max_length=150)
    created_at = models.DateTimeField(default=timezone.now)
    selected_at = models.DateTimeField(null=True, blank=True)
    selected_count = models.PositiveIntegerField(default=0)
    suppressed_count = models.PositiveIntegerField(default=0)
    snapshot_sha256 = models.CharField(max_length=64, blank=True)
    job = models.ForeignKey("production.Job", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    sent_at = models.DateTimeField(null=True, blank=True)
    sent_count = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("mailing")
        verbose_name_plural = _("mailings")

    def __str__(self) -> str:
        return self.name


class MailingRecipient(models.Model):
    """One person in a mailing's selection, with the consent it rested on (the consent snapshot)."""

    mailing = models.ForeignKey(Mailing, on_delete=models.CASCADE, related_name="recipients")
    person = models.ForeignKey(Person, on_delete=models.SET_NULL, null=True, related_name="+")
    consent = models.ForeignKey(Consent, on_delete=models.SET_NULL, null=True, related_name="+")
    # The snapshot survives the person's erasure: which consent, given when and how, under which text.
    consent_ref = models.PositiveBigIntegerField()
    consent_given_at = models.DateTimeField()
    consent_method = models.CharField(max_length=10)
    consent_text_sha256 = models.CharField(max_length=64)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["mailing", "person"], name="crm_recipient_once")]


class RelationRequest(models.Model):
    """A request of one of the house's own relations (P07): here the house is the controller.

    The request itself (reference, kind, deadline, receipt) is an entry of the one request register,
    ``privacy.DataSubjectRequest``; this row adds whose it is, so the CRM can carry it out.
    """

    request = models.OneToOneField(
        "privacy.DataSubjectRequest", on_delete=models.PROTECT, related_name="relation_request"
    )
    person = models.ForeignKey(Person, on_delete=models.SET_NULL, null=True, blank=True, related_name="requests")

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
        return self.request.get_kind_display()

    @property
    def subject_mask(self) -> str:
        return self.request.subject_mask

    @property
    def received_at(self):
        return self.request.received_at

    @property
    def deadline(self):
        return self.request.due

    @property
    def receipt(self) -> str:
        return self.request.receipt

    @property
    def is_open(self) -> bool:
        return self.request.status == "open"


# What a person reads for a CRM certificate's reason (the code stays in the row and the signed body).
CERTIFICATE_REASONS = {
    "retention_expired": _("retention period expired"), "data_subject_request": _("data-subject request"),
}


class CrmCertificate(models.Model):
    """A deletion certificate for erased CRM or financial records; its SHA-256 is in the audit log."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    record_class = models.CharField(max_length=20)
    reason = models.CharField(max_length=24)
    issued_at = models.DateTimeField(default=timezone.now)
    objects_deleted = models.PositiveIntegerField(default=0)
    body = models.TextField(editable=False)
    sha256 = models.CharField(max_length=64, editable=False)

    class Meta:
        ordering = ["-issued_at"]

    @property
    def reason_label(self) -> str:
        """The reason as a person reads it, in the active language; an unknown code as it is."""
        return str(CERTIFICATE_REASONS.get(self.reason, self.reason))

    @property
    def record_class_label(self) -> str:
        """The record class as the retention schedule names it; an unknown code as it is."""
        from verwerker.retention.rules import RecordClass  # local: same layer or upward, a cycle at the top

        return str(dict(RecordClass.choices).get(self.record_class, self.record_class))


class HouseClient(models.Model):
    """The client record the house's own letters run under in production (one row)."""

    client = models.OneToOneField("clients.Client", on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

