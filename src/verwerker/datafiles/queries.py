"""Reads of the datafiles app; ``access_data_file_for`` is where tenant scoping happens."""

from __future__ import annotations

import datetime as dt

from django.db.models import QuerySet
from django.utils import timezone

from verwerker.accounts.scoping import access, scoped
from verwerker.datafiles.models import DataFile, DataFileState


def data_files_visible_to(user) -> QuerySet[DataFile]:
    """The files ``user`` may see: a client user only their client's; staff with the view permission all."""
    return scoped(DataFile.objects.select_related("client", "blob"), user, "datafiles.view_datafile")


def access_data_file_for(user, data_file_id: int) -> DataFile:
    """The data file if ``user`` may see it; the same 404 for missing and not-yours."""
    return access(DataFile.objects.select_related("client", "blob"), user, "datafiles.view_datafile", data_file_id,
                  what="data file")


def list_data_files_for_client(client_id: int) -> QuerySet[DataFile]:
    return DataFile.objects.filter(client_id=client_id).order_by("-received_at")


def client_names_of_blobs(blob_ids: list) -> dict:
    """{blob id: the file name the client sent} for the data files stored as these blobs (certificates)."""
    return dict(DataFile.objects.filter(blob_id__in=blob_ids).values_list("blob_id", "name"))


def files_waiting(user) -> QuerySet[DataFile]:
    """Profiled files no job was drafted from yet, oldest first: the database department's intake queue."""

    return data_files_visible_to(user).filter(state=DataFileState.PROFILED, jobs__isnull=True).order_by("received_at")


def files_near_retention(user, *, within_days: int = 7, limit: int = 200) -> list[dict]:
    """Files still held whose age comes within ``within_days`` of their agreement's maximum retention,
    nearest first, as {"f", "age", "limit", "left"} (days). The purge deletes them at the limit (P17)."""


    now = timezone.now()
    files = (data_files_visible_to(user).held().select_related("agreement")  # type: ignore[attr-defined]
             .filter(received_at__lte=now - dt.timedelta(days=1)).order_by("received_at")[:2000])
    near = []
    for f in files:
        age = (now - f.received_at).days
        left = f.agreement.max_retention_days - age
        if left <= within_days:
            near.append({"f": f, "age": age, "limit": f.agreement.max_retention_days, "left": left})
    return sorted(near, key=lambda row: row["left"])[:limit]
