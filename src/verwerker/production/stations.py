"""Writes for print stations (the administrator's screen): atomic and audited like every action.

Kept out of actions.py, which holds the job life cycle, so the two change independently.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext_lazy as _lazy

from verwerker.audit.actions import do_record_event
from verwerker.audit.actors import Actor
from verwerker.audit.events import EventType
from verwerker.production.models import PrintStation


def _check(name: str, hot_folder: str, exclude: int | None = None) -> tuple[str, str]:
    name, hot_folder = name.strip(), hot_folder.strip()
    if not name:
        raise ValidationError(_lazy("a print station needs a name"))
    if not hot_folder.startswith("/"):
        raise ValidationError(
            _lazy("%(folder)s: the hot folder must be an absolute path"),
            params={"folder": hot_folder or "—"},
        )
    if PrintStation.objects.filter(name__iexact=name).exclude(pk=exclude).exists():  # type: ignore[misc]
        raise ValidationError(_lazy("a print station named '%(name)s' exists already"), params={"name": name})
    return name, hot_folder


@transaction.atomic
def do_create_print_station(name: str, *, hot_folder: str, active: bool = True, actor: Actor) -> PrintStation:
    """Add a printer whose RIP watches ``hot_folder``. Raises ValidationError for a taken name or a relative path."""
    name, hot_folder = _check(name, hot_folder)
    station = PrintStation.objects.create(name=name, hot_folder=hot_folder, active=active)
    do_record_event(EventType.PRINT_STATION_CREATED, actor=actor, obj=station,
                    details={"name": name, "hot_folder": hot_folder, "active": active})
    return station


@transaction.atomic
def do_change_print_station(
    station: PrintStation, *, name: str, hot_folder: str, active: bool, actor: Actor
) -> PrintStation:
    """Rename a station, move its hot folder, or switch it on or off (an inactive one receives no jobs)."""
    name, hot_folder = _check(name, hot_folder, exclude=station.pk)
    station = PrintStation.objects.select_for_update().get(pk=station.pk)
    values = {"name": name, "hot_folder": hot_folder, "active": active}
    changed = sorted(k for k, v in values.items() if getattr(station, k) != v)
    for key, value in values.items():
        setattr(station, key, value)
    station.save()
    do_record_event(EventType.PRINT_STATION_CHANGED, actor=actor, obj=station,
                    details={"fields": changed, **values})
    return station
