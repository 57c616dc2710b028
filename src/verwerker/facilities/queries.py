"""Reads of the house's own registers."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db.models import Max, Q, QuerySet
from django.utils import timezone

from verwerker.accounts.models import User
from verwerker.accounts.roles import Role
from verwerker.facilities.consent import Category, Service, banner_version, library_options
from verwerker.facilities.models import (
    AwarenessSession,
    CameraClip,
    ConfidentialityAgreement,
    ConsentCategory,
    Workstation,
)
from verwerker.retention.queries import get_keep_days, held_ids
from verwerker.retention.rules import DEFAULTS, RecordClass
from verwerker.vault.actions import LIVE_STATES

# -- P08 ------------------------------------------------------------------------------------------


def banner_categories() -> list[Category]:
    """The website's cookie categories with their services, as the banner shows them."""
    categories = ConsentCategory.objects.prefetch_related("services__subprocessor")
    return [
        Category(
            key=c.key, required=c.required,
            title={"nl": c.title_nl, "en": c.title_en},
            description={"nl": c.description_nl, "en": c.description_en},
            services=tuple(
                Service(s.name, s.subprocessor.country, s.script_host, s.cookies) for s in c.services.all()
            ),
        )
        for c in categories
    ]


def banner_settings() -> dict:
    """What the loader needs besides URLs: the library's options, the version, the category keys."""
    from verwerker.facilities.consent import TEXTS  # local: same layer or upward, a cycle at the top

    categories = banner_categories()
    version = banner_version(categories)
    return {
        "version": version,
        "categories": [c.key for c in categories],
        "options": library_options(categories, version=version),
        "texts": {lang: {"withdraw_link": t["withdraw_link"]} for lang, t in TEXTS.items()},
    }


# -- P11 ------------------------------------------------------------------------------------------


def current_agreements(on: dt.date | None = None) -> QuerySet[ConfidentialityAgreement]:
    on = on or timezone.localdate()
    return ConfidentialityAgreement.objects.filter(signed_on__lte=on).filter(
        Q(valid_until__isnull=True) | Q(valid_until__gte=on)
    )


def has_current_agreement(user, on: dt.date | None = None) -> bool:
    """Whether ``user`` (staff) has a confidentiality agreement in force today."""
    return current_agreements(on).filter(user=user).exists()


def staff_needing_agreement() -> QuerySet:
    """Active staff who open client data (every role but an outside subprocessor's login)."""

    return (
        User.objects.filter(is_staff=True, is_active=True)
        .exclude(groups__name=Role.SUBPROCESSOR)
        .order_by("username")
    )


def blocked_staff(on: dt.date | None = None) -> QuerySet:
    """Active staff without a current confidentiality agreement: they cannot open client data."""
    with_agreement = current_agreements(on).values("user_id")
    return staff_needing_agreement().exclude(pk__in=with_agreement)


def awareness_overdue(on: dt.date | None = None) -> list:
    """Active staff whose last attended awareness session is older than the configured interval (or none)."""
    from verwerker.privacy.subject_requests import add_months  # local: same layer or upward, a cycle at the top

    on = on or timezone.localdate()
    cutoff = add_months(on, -settings.AWARENESS_INTERVAL_MONTHS)
    users = staff_needing_agreement().annotate(last=Max("awareness_sessions__held_on"))
    return [u for u in users if u.last is None or u.last < cutoff]


def list_awareness_sessions() -> QuerySet[AwarenessSession]:
    return AwarenessSession.objects.prefetch_related("attendees")


# -- P17 ------------------------------------------------------------------------------------------


def workstation_due_on(workstation: Workstation) -> dt.date:
    """The date the next check is due: the configured days after the last check (at once if never)."""
    last = workstation.checks.order_by("-checked_at").values_list("checked_at", flat=True).first()
    if last is None:
        return timezone.localdate(workstation.registered_at)
    return timezone.localdate(last) + dt.timedelta(days=settings.WORKSTATION_CHECK_DAYS)


def workstations_overdue(on: dt.date | None = None) -> list[Workstation]:
    """Workstations in use whose check is past due (registered today: due today, overdue from tomorrow)."""
    on = on or timezone.localdate()
    return [w for w in Workstation.objects.filter(active=True) if workstation_due_on(w) < on]


# -- P27 ------------------------------------------------------------------------------------------


def keep_days(record_class: str) -> int:
    """The schedule's period of one of the house's record classes (its default when unset): the one place
    camera retention is read, by the recorder limit, the purge and the dashboard alike."""
    days = get_keep_days(record_class)
    return days if days is not None else DEFAULTS[RecordClass(record_class)]["keep_days"]


def max_footage_days() -> int:
    """How long a recorder may keep footage (P27: four weeks), longer only for an open incident."""
    return keep_days(RecordClass.CAMERA_FOOTAGE)


def clips_past_retention(now: dt.datetime | None = None) -> tuple[list, int]:
    """(blob ids of live clips older than the schedule allows and not held, how many holds keep back):
    what the purge deletes and the dashboard counts."""
    now = now or timezone.now()
    cutoff = now - dt.timedelta(days=keep_days(RecordClass.CAMERA_CLIPS))
    held = held_ids("vault.blob")
    ids, kept = [], 0
    old = CameraClip.objects.filter(blob__state__in=LIVE_STATES, recorded_from__lt=cutoff).order_by("recorded_from")
    for blob_id in old.values_list("blob_id", flat=True):
        if str(blob_id) in held:
            kept += 1
        else:
            ids.append(blob_id)
    return ids, kept
