"""The SFTP server, spoken to over loopback by asyncssh's client and OpenSSH's `sftp`."""

from __future__ import annotations

import asyncio

import asyncssh
import pytest

from verwerker.intake.models import Upload, UploadState
from verwerker.intake.tests.conftest import connect

pytestmark = pytest.mark.slow


def test_it_takes_an_upload_with_the_one_time_password_and_stores_it_encrypted(sftp_server, client_a, issue):
    account, password = issue(client_a)
    data = b"naam;postcode\nMARKER-7f3a;1234AB\n" * 1000

    async def go():
        async with connect(sftp_server.port, account.username, password=password) as conn:
            async with conn.start_sftp_client() as sftp:
                async with sftp.open("upload/adressen.csv", "wb") as f:
                    await f.write(data)
                return sorted(await sftp.listdir("upload"))

    listing = asyncio.run(go())
    upload = Upload.objects.get(client=client_a)
    assert upload.state == UploadState.COMPLETED and upload.size == len(data)
    assert "adressen.csv" in listing
