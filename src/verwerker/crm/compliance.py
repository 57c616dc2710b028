"""The compliance dashboard's checks of the house's own relations (P02, P03, P04, P19), from live data.

privacy/compliance.py lists these functions; each returns (state, evidence) with the dashboard's state
names ("ok", "attention", "failing"), so this module needs nothing from privacy.
"""

from __future__ import annotations

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext

from verwerker.crm import validate
from verwerker.crm.models import Consent, FinancialRecord, MailingRecipient, Organisation, Person
from verwerker.crm.queries import consents_holding
from verwerker.retention.models import RetentionSchedule


def check_p02() -> tuple[str, str]:
    """Every stored IBAN, VAT and KvK number passes its rule (stdnum), and so does every e-mail address."""
    bad = 0
    orgs = Organisation.objects.exclude(iban="", vat="", kvk="").values_list("iban", "vat", "kvk")
    for iban, vat, kvk in orgs:
        for value, cleaner in ((iban, validate.clean_iban), (vat, validate.clean_vat), (kvk, validate.clean_kvk)):
            if value:
                try:
                    cleaner(value)
                except validate.FieldProblem:
                    bad += 1
    state = "ok" if bad == 0 else "failing"
    return state, gettext("%(organisations)s organisations and %(people)s people in the CRM; %(bad)s stored "
                          "IBAN/VAT/KvK numbers fail their check (python-stdnum).") % {
        "organisations": Organisation.objects.count(), "people": Person.objects.count(), "bad": bad}


def check_p03() -> tuple[str, str]:
    """No mailing recipient lacks a consent for the mailing's purpose that held when it was selected."""
    rows = MailingRecipient.objects.select_related("mailing", "consent")
    without = 0
    for r in rows.iterator():
        c = r.consent
        if c is None:
            continue  # the person was erased since; the snapshot still names the consent it rested on
        if c.purpose_id != r.mailing.purpose_id or not c.holds(r.mailing.selected_at):
            without += 1
    holding = consents_holding().count()
    return ("ok" if without == 0 else "failing",
            gettext("%(holding)s consents hold now; %(recipients)s mailing recipients recorded, %(without)s without "
                    "a consent for the mailing's purpose at selection. Selections are computed only from holding "
                    "consents.") % {"holding": holding, "recipients": rows.count(), "without": without})


def check_p04() -> tuple[str, str]:
    """Purpose-bound data is held only sealed, and only for people whose consent for fitting promotions holds."""
    sealed = Person.objects.filter(extra_data__isnull=False)
    unsealed = sealed.filter(Q(extra_key__isnull=True)).count()
    holding = set(consents_holding().filter(purpose__uses_extra_data=True).values_list("person_id", flat=True))
    without = sealed.exclude(pk__in=holding).count()
    state = "failing" if unsealed else ("attention" if without else "ok")
    if unsealed:
        text = gettext("%(sealed)s people have purpose-bound data, all encrypted under their own key except "
                       "%(unsealed)s") % {"sealed": sealed.count(), "unsealed": unsealed}
    else:
        text = gettext("%(sealed)s people have purpose-bound data, all encrypted under their own key") % {
            "sealed": sealed.count()}
    return state, text + "; " + gettext(
        "%(without)s of them no longer have a holding consent (the data is not shown or used for them; the CRM purge "
        "erases it with the person).") % {"without": without}


def check_p19() -> tuple[str, str]:
    """The crm and financieel classes have a period, and nothing is past it (the purge would have erased it)."""

    schedules = dict(RetentionSchedule.objects.values_list("record_class", "keep_days"))
    crm, fin = schedules.get("crm"), schedules.get("financieel")
    if crm is None or fin is None:
        return "failing", gettext("The CRM and financial record classes have no retention period.")
    now = timezone.now()
    overdue_fin = FinancialRecord.objects.filter(
        relationship_ended_on__lt=(now - timezone.timedelta(days=fin)).date()  # type: ignore[attr-defined]
    ).count()
    restricted = FinancialRecord.objects.filter(restricted_at__isnull=False).count()
    lapsed = Consent.objects.filter(expires_at__lte=now).count()
    state = "ok" if overdue_fin == 0 else "attention"
    return state, gettext(
        "CRM: %(crm)s days without relationship or consent; financial: %(fin)s days after the relationship ended; "
        "%(overdue)s financial records past their period (erased by the next purge); %(restricted)s kept restricted "
        "after an erasure; %(lapsed)s consents lapsed.") % {"crm": crm, "fin": fin, "overdue": overdue_fin,
                                                            "restricted": restricted, "lapsed": lapsed}
