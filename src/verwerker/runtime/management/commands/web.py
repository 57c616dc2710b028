"""`verwerker web`: serve the web interface with waitress (pure Python, threaded)."""

from __future__ import annotations

import signal
import sys

from django.conf import settings
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Serve the web interface (VERWERKER_HTTP_HOST:VERWERKER_HTTP_PORT)."

    def add_arguments(self, parser):
        parser.add_argument("--host", default=settings.HTTP_HOST)
        parser.add_argument("--port", type=int, default=settings.HTTP_PORT)
        parser.add_argument("--threads", type=int, default=8)

    def handle(self, *args, host: str, port: int, threads: int, **options):
        from waitress.server import create_server  # deferred: a heavy import

        from verwerker.wsgi import application  # local: same layer or upward, a cycle at the top

        server = create_server(application, host=host, port=port, threads=threads, ident="verwerker")
        signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
        actual = server.effective_port
        self.stdout.write(f"web listening on http://{host}:{actual}/", ending="\n")
        self.stdout.flush()
        try:
            server.run()
        except (KeyboardInterrupt, SystemExit):
            pass
        finally:
            server.close()
