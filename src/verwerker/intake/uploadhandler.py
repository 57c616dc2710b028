"""A Django upload handler that streams a file straight into the vault (no memory copy, no temp file).

Django's own handlers keep small uploads in memory and spool big ones to a temporary file on disk,
in plaintext. This one hands every chunk to an UploadStream, which encrypts it into the vault as it
arrives; the same limits and audit events apply as for SFTP. A refused upload stops the request
body processing; an interrupted one is shredded.
"""

from __future__ import annotations

from django.core.files.uploadedfile import UploadedFile
from django.core.files.uploadhandler import FileUploadHandler, StopUpload

from verwerker.audit.actors import Actor, client_ip
from verwerker.intake import policy
from verwerker.intake.models import UploadChannel


class ReceivedUpload(UploadedFile):
    """What lands in request.FILES: a pointer to the stored upload, not its bytes."""

    def __init__(self, upload):
        super().__init__(file=None, name=upload.name, size=upload.size)
        self.upload = upload


class VaultUploadHandler(FileUploadHandler):
    chunk_size = 1024 * 1024

    def __init__(self, request):
        super().__init__(request)
        self.stream = None
        self.refusal: policy.Refusal | None = None

    def new_file(self, field_name, file_name, *args, **kwargs):
        from verwerker.intake.streaming import UploadStream  # local: same layer or upward, a cycle at the top

        super().new_file(field_name, file_name, *args, **kwargs)
        user = self.request.user  # type: ignore[union-attr]
        if not getattr(user, "is_client_user", False):
            self.refusal = policy.Refusal("not_client", "only a client's users can upload files")
            raise StopUpload(connection_reset=False)
        try:
            self.stream = UploadStream.start(
                user.client,  # type: ignore[arg-type, union-attr]
                channel=UploadChannel.WEB,
                name=file_name,
                actor=Actor.from_request(self.request),
                user=user,
                source_ip=client_ip(self.request),
            )
        except policy.Refusal as refusal:
            self.refusal = refusal
            raise StopUpload(connection_reset=False) from None

    def receive_data_chunk(self, raw_data, start):
        if self.stream is None:
            return None
        try:
            self.stream.write(raw_data)
        except policy.Refusal as refusal:
            self.refusal, self.stream = refusal, None
            raise StopUpload(connection_reset=False) from None
        return None

    def file_complete(self, file_size):
        if self.stream is None:
            return None
        stream, self.stream = self.stream, None
        return ReceivedUpload(stream.finish())

    def upload_interrupted(self):
        if self.stream is not None:
            self.stream.abort("interrupted")
            self.stream = None

    def upload_complete(self):
        # A request that ended without file_complete (e.g. a second file field refused) leaves no stream open.
        self.upload_interrupted()
