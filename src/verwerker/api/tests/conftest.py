"""Fixtures of the API tests: tokens for the personas' clients and staff, and a DRF-less HTTP client
that sends the bearer header (the Django test client, so every middleware runs)."""

from __future__ import annotations

import pytest

from verwerker.audit.actors import Actor
from verwerker.intake.tests.conftest import issue, sftp_server  # noqa: F401  (fixtures)
from verwerker.production.tests.conftest import draft, staff, station, template  # noqa: F401  (fixtures)

ACTOR = Actor.system("test")


@pytest.fixture(autouse=True)
def _api_settings(settings):
    settings.API_WEBHOOK_ALLOW_LOOPBACK_HTTP = True
    settings.API_WEBHOOK_BACKOFF_SECONDS = 0
    from django.core.cache import cache

    cache.clear()  # the rate limit's counters


@pytest.fixture
def token_for():
    """Issue a token; returns (row, secret)."""
    from verwerker.api.actions import do_create_api_token

    def make(**kwargs):
        return do_create_api_token(actor=ACTOR, **kwargs)

    return make


@pytest.fixture
def api(client):
    """``api(secret).get(path)``: the Django test client with ``Authorization: Bearer <secret>``."""

    class Api:
        def __init__(self, secret: str | None):
            self.headers = {"HTTP_AUTHORIZATION": f"Bearer {secret}"} if secret else {}

        def get(self, path, **extra):
            return client.get(path, **{**self.headers, **extra})

        def post(self, path, data=None, content_type="application/json", **extra):
            import json

            body = json.dumps(data) if content_type == "application/json" and data is not None else (data or b"")
            return client.generic("POST", path, body, content_type=content_type, **{**self.headers, **extra})

        def delete(self, path, **extra):
            return client.delete(path, **{**self.headers, **extra})

    return Api


def upload(api_client, data: bytes, name: str = "adressen.csv", **headers):
    import hashlib

    extra = {"HTTP_CONTENT_SHA256": hashlib.sha256(data).hexdigest(), **headers}
    return api_client.post(f"/api/v1/uploads/{name}", data, content_type="application/octet-stream", **extra)
