"""An upload through the API and one through SFTP of the same file give the same profile: the API is
another door into the same intake stream and pipeline, not a second one."""

from __future__ import annotations

import asyncio

import pytest

from verwerker.api.tests.conftest import upload
from verwerker.datafiles.synthetic import address_csv
from verwerker.intake.tests.conftest import connect

pytestmark = pytest.mark.slow


def _profiled(upload_id: int):
    from verwerker.datafiles.models import DataFile
    from verwerker.datafiles.tasks import profile_data_file
    from verwerker.intake.tasks import record_upload_received

    record_upload_received.call(upload_id)
    from verwerker.intake.models import Upload

    data_file = DataFile.objects.get(blob_id=Upload.objects.get(pk=upload_id).blob_id)
    profile_data_file.call(data_file.pk)
    data_file.refresh_from_db()
    return data_file


def test_the_same_file_through_the_api_and_through_sftp_gives_the_same_profile(
    sftp_server, issue, client_a, api, token_for
):
    from verwerker.intake.models import Upload

    data = address_csv(120, seed=12, with_birth_date=True)
    _row, secret = token_for(client=client_a)
    response = upload(api(secret), data, name="leden.csv")
    assert response.status_code == 201
    via_api = _profiled(response.json()["id"])

    account, password = issue(client_a)

    async def put():
        async with connect(sftp_server.port, account.username, password=password) as conn:
            async with conn.start_sftp_client() as sftp:
                async with sftp.open("upload/leden.csv", "wb") as f:
                    await f.write(data)

    asyncio.run(put())
    via_sftp = _profiled(Upload.objects.get(client=client_a, channel="sftp").pk)
    channels = {Upload.objects.get(blob_id=f.blob_id).channel for f in (via_api, via_sftp)}
    assert channels == {"api", "sftp"}
    assert via_api.blob.sha256 == via_sftp.blob.sha256
    assert via_api.state == via_sftp.state == "profiled"
    assert via_api.profile == via_sftp.profile and via_api.profile["rows"] == 120
    assert (via_api.record_count, via_api.risk, via_api.minors, via_api.column_kinds) == (
        via_sftp.record_count,
        via_sftp.risk,
        via_sftp.minors,
        via_sftp.column_kinds,
    )
