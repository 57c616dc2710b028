"""Uploads of the house's own documents (signed agreements, pentest reports, camera clips) kept in memory.

Django's default handlers spool an upload over 2.5 MB to a temporary file, in plaintext; these
documents hold personal data, so they stay in memory until the vault encrypts them, up to the
configured upload limit (VERWERKER_UPLOAD_MAX_MB). The handlers must be set before the CSRF check
reads the body, hence the csrf_exempt outer and csrf_protect inner wrapper (as intake's upload view).
"""

from __future__ import annotations

import functools
import io

from django.conf import settings
from django.core.files.uploadedfile import InMemoryUploadedFile
from django.core.files.uploadhandler import FileUploadHandler, StopUpload
from django.views.decorators.csrf import csrf_exempt, csrf_protect


class MemoryOnlyUploadHandler(FileUploadHandler):
    chunk_size = 1024 * 1024

    def new_file(self, *args, **kwargs):
        super().new_file(*args, **kwargs)
        self.buffer = io.BytesIO()
        self.limit = settings.UPLOAD_MAX_MB * 1024 * 1024

    def receive_data_chunk(self, raw_data, start):
        if self.buffer.tell() + len(raw_data) > self.limit:
            self.buffer = io.BytesIO()
            raise StopUpload(connection_reset=True)
        self.buffer.write(raw_data)
        return None

    def file_complete(self, file_size):
        self.buffer.seek(0)
        return InMemoryUploadedFile(
            self.buffer, self.field_name, self.file_name, self.content_type, file_size, self.charset,
            self.content_type_extra,
        )


def memory_uploads(view):
    protected = csrf_protect(view)

    @csrf_exempt
    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        if request.method == "POST":
            request.upload_handlers = [MemoryOnlyUploadHandler(request)]
        return protected(request, *args, **kwargs)

    return wrapper
