"""`verwerker run_test_payments [--port N]`: the test payment provider's hosted checkout, on loopback."""

from __future__ import annotations

from django.conf import settings
from django.core.management.base import BaseCommand

from verwerker.portal.testpay import CheckoutServer


class Command(BaseCommand):
    help = "Run the test payment provider's hosted checkout on 127.0.0.1 (for demonstrations and tests only)."

    def add_arguments(self, parser):
        parser.add_argument("--port", type=int, default=8765)

    def handle(self, *args, port: int, **options):
        server = CheckoutServer(port, settings.PORTAL_TEST_PAYMENT_SECRET)
        self.stdout.write(f"test payments at {server.url} (Ctrl-C stops)")
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            pass
        finally:
            server.server_close()
