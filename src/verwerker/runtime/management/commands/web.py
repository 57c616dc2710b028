"""`verwerker web`: serve the web interface and the API with cheroot (pure Python, threaded, one process).

Why cheroot: it hands a request's body to the application as it arrives (``wsgi.input`` reads the socket),
so an upload streams into the vault in pieces and no byte of it lands on disk in plaintext (P14). waitress,
used before, reads the whole body first and keeps one over 512 KiB in an unlinked temporary file.

Bounds for a hostile request: headers at most 64 KiB (refused beyond), a body at most the upload limit plus
the multipart envelope (413 before a byte is read), every socket operation times out after
``--timeout`` seconds. A response sent while much of the body is still unread (a refusal: no token, a
wrong checksum header, a quota) closes the connection instead of draining the rest: cheroot would read the
remainder into memory in one piece (HTTP lets a server close rather than read a body it refused).
"""

from __future__ import annotations

import signal
import sys

from django.conf import settings
from django.core.management.base import BaseCommand

HEADER_LIMIT = 64 * 1024
# A multipart upload carries its boundaries and part headers beside the file; 1 MiB is ample.
ENVELOPE = 1024 * 1024
# Unread body a refusing response may still drain on a kept-alive connection before it closes instead.
DRAIN_LIMIT = 64 * 1024


def make_server(application, *, host: str, port: int, threads: int, timeout: int):
    """A cheroot server for ``application``, bound (so its port is known) but not yet serving."""
    from cheroot import server as http  # deferred: only the web process needs it
    from cheroot import wsgi

    class Request(http.HTTPRequest):
        def send_headers(self):
            if getattr(self.rfile, "remaining", 0) > DRAIN_LIMIT:
                self.close_connection = True
            super().send_headers()

    class Connection(http.HTTPConnection):
        RequestHandlerClass = Request

    server = wsgi.Server(
        (host, port), application, numthreads=threads, server_name="verwerker", timeout=timeout, shutdown_timeout=5
    )
    server.ConnectionClass = Connection
    server.max_request_header_size = HEADER_LIMIT
    server.max_request_body_size = settings.UPLOAD_MAX_MB * 1024 * 1024 + ENVELOPE
    server.prepare()
    return server


class Command(BaseCommand):
    help = "Serve the web interface (VERWERKER_HTTP_HOST:VERWERKER_HTTP_PORT)."

    def add_arguments(self, parser):
        parser.add_argument("--host", default=settings.HTTP_HOST)
        parser.add_argument("--port", type=int, default=settings.HTTP_PORT)
        parser.add_argument("--threads", type=int, default=8)
        parser.add_argument("--timeout", type=int, default=30, help="seconds a socket read or write may wait")

    def handle(self, *args, host: str, port: int, threads: int, timeout: int, **options):
        from verwerker.wsgi import application  # local: same layer or upward, a cycle at the top

        server = make_server(application, host=host, port=port, threads=threads, timeout=timeout)
        signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
        actual = server.bind_addr[1]
        self.stdout.write(f"web listening on http://{host}:{actual}/", ending="\n")
        self.stdout.flush()
        try:
            server.serve()
        except (KeyboardInterrupt, SystemExit):
            pass
        finally:
            server.stop()
