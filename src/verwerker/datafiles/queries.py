"""Reads of the datafiles app; ``access_data_file_for`` is where tenant scoping happens."""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import Http404

from verwerker.datafiles.models import DataFile


def data_files_visible_to(user) -> QuerySet[DataFile]:
    """The files ``user`` may see: a client user only their client's; staff with the view permission all."""
    files = DataFile.objects.select_related("client", "blob")
    if user.is_client_user:
        return files.filter(client_id=user.client_id)
    if user.has_perm("datafiles.view_datafile"):
        return files
    return files.none()


def access_data_file_for(user, data_file_id: int) -> DataFile:
    """The data file if ``user`` may see it; the same 404 for missing and not-yours."""
    try:
        return data_files_visible_to(user).get(pk=data_file_id)
    except DataFile.DoesNotExist:
        raise Http404("no such data file") from None


def list_data_files_for_client(client_id: int) -> QuerySet[DataFile]:
    return DataFile.objects.filter(client_id=client_id).order_by("-received_at")


def client_names_of_blobs(blob_ids: list) -> dict:
    """{blob id: the file name the client sent} for the data files stored as these blobs (certificates)."""
    return dict(DataFile.objects.filter(blob_id__in=blob_ids).values_list("blob_id", "name"))
