"""Reads of the vault's metadata (never the content: that is open_blob_reader in actions.py)."""

from __future__ import annotations

from django.db.models import QuerySet

from verwerker.vault.models import Blob, BlobState


def list_blobs_for_client(client_id: int, *, live_only: bool = True) -> QuerySet[Blob]:
    """The client's blobs, newest first; by default only those that still exist (not shredded)."""
    blobs = Blob.objects.filter(client_id=client_id).defer("wrapped_key")
    if live_only:
        blobs = blobs.filter(state__in=[BlobState.WRITING, BlobState.STORED])
    return blobs.order_by("-created_at")
