"""The test payment provider's hosted checkout, on loopback only: what a real provider's payment page
does, so the portal's flow can be shown and tested end to end without a provider account.

It takes a checkout (amount, order number, where to report back), shows its own payment page, and
on "pay" or "cancel" posts an HMAC-signed webhook to the portal and sends the browser back. It asks
for no card or bank data at all, and the portal never receives any: the order keeps the checkout id
and the state. Run it with `verwerker run_test_payments`; tests start it on port 0 in a thread.
"""

from __future__ import annotations

import html
import json
import threading
import urllib.request
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

from verwerker.portal.payment import sign

MAX_BODY = 64 * 1024


class CheckoutServer(ThreadingHTTPServer):
    def __init__(self, port: int, secret: str):
        super().__init__(("127.0.0.1", port), _Handler)
        self.secret = secret
        self.checkouts: dict[str, dict] = {}
        self.lock = threading.Lock()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


class _Handler(BaseHTTPRequestHandler):
    server: CheckoutServer

    def log_message(self, format, *args) -> None:  # noqa: A002 - the base class's name
        pass  # no access log: nothing here is worth keeping

    def _send(
        self, status: int, body: bytes, content_type: str = "text/html; charset=utf-8", location: str = ""
    ) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        if location:
            self.send_header("Location", location)
        self.end_headers()
        self.wfile.write(body)

    def _body(self) -> bytes:
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(min(length, MAX_BODY))

    def do_POST(self) -> None:  # noqa: N802 - http.server's name
        path = urlsplit(self.path).path
        if path == "/checkouts":
            try:
                data = json.loads(self._body())
                checkout = {
                    "amount_cents": int(data["amount_cents"]),
                    "description": str(data["description"])[:40],
                    "webhook_url": str(data["webhook_url"]),
                    "return_url": str(data["return_url"]),
                    "status": "open",
                }
            except (ValueError, KeyError, TypeError):
                return self._send(400, b"bad checkout")
            checkout_id = "tp_" + uuid.uuid4().hex[:16]
            with self.server.lock:
                self.server.checkouts[checkout_id] = checkout
            return self._send(201, json.dumps({"id": checkout_id}).encode(), "application/json")
        if path.startswith("/pay/"):
            checkout_id = path.removeprefix("/pay/")
            checkout = self.server.checkouts.get(checkout_id)  # type: ignore[assignment]
            if checkout is None or checkout["status"] != "open":
                return self._send(404, b"no such checkout")
            choice = parse_qs(self._body().decode()).get("choice", [""])[0]
            checkout["status"] = "paid" if choice == "pay" else "failed"
            body = json.dumps({"id": checkout_id, "status": checkout["status"]}).encode()
            request = urllib.request.Request(
                checkout["webhook_url"],  # type: ignore[arg-type]
                data=body,
                method="POST",
                headers={"Content-Type": "application/json", "X-Signature": sign(self.server.secret, body)},
            )
            try:
                urllib.request.urlopen(request, timeout=10).close()  # noqa: S310 - the portal's own address
            except OSError:
                pass  # a real provider retries; the order stays pending until it hears
            return self._send(303, b"", location=checkout["return_url"])  # type: ignore[arg-type]
        return self._send(404, b"not found")

    def do_GET(self) -> None:  # noqa: N802
        path = urlsplit(self.path).path
        checkout = self.server.checkouts.get(path.removeprefix("/pay/")) if path.startswith("/pay/") else None
        if checkout is None:
            return self._send(404, b"not found")
        amount = f"{checkout['amount_cents'] / 100:.2f}".replace(".", ",")
        page = (
            f"<!doctype html><html lang=nl><head><meta charset=utf-8><title>Testbetaling</title></head><body>"
            f"<h1>Testbetaling</h1><p>Bestelling {html.escape(checkout['description'])}: &euro; {amount}</p>"
            "<p>Dit is de betaalpagina van de testaanbieder. Er worden geen kaart- of bankgegevens gevraagd.</p>"
            "<form method=post><button name=choice value=pay>Betalen</button> "
            "<button name=choice value=cancel>Annuleren</button></form></body></html>"
        )
        return self._send(200, page.encode())


def serve_in_thread(secret: str, port: int = 0) -> CheckoutServer:
    """Start the hosted checkout on loopback in a daemon thread; call ``shutdown()`` when done."""
    server = CheckoutServer(port, secret)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server
