"""Webhooks: derived from the audit log after a cursor, signed (HMAC-SHA256 over "timestamp.body"),
delivered to a receiver on loopback that checks the signature, retried with backoff when it fails,
logged with the last response; bodies carry ids, states and counts only."""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from verwerker.api.actions import do_collect_webhook_events, do_deliver_webhook, do_register_webhook
from verwerker.api.models import DeliveryState, WebhookDelivery
from verwerker.api.tests.conftest import ACTOR, upload
from verwerker.api.tokens import SIGNATURE_HEADER, verify_signature
from verwerker.audit.events import EventType
from verwerker.audit.models import AuditEvent
from verwerker.datafiles.synthetic import address_csv
from verwerker.testing import receive_file

pytestmark = pytest.mark.django_db


class Receiver:
    """An HTTP server on a free loopback port that checks each delivery's signature with the secret it
    is given; it answers 500 to the first ``fail_first`` deliveries."""

    def __init__(self, fail_first: int = 0):
        self.secret = ""
        self.fail_first = fail_first
        self.received: list[dict] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                valid = verify_signature(
                    receiver.secret, self.headers.get(SIGNATURE_HEADER, ""), body, now=int(time.time())
                )
                receiver.received.append({"body": body, "valid": valid, "event": self.headers.get("Verwerker-Event")})
                failing = len(receiver.received) <= receiver.fail_first
                self.send_response(500 if failing else (200 if valid else 400))
                self.end_headers()
                self.wfile.write(b"later" if failing else b"ok")

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver():
    made = []

    def make(**kwargs):
        r = Receiver(**kwargs)
        made.append(r)
        return r

    yield make
    for r in made:
        r.close()


def test_a_profiled_file_is_delivered_signed_with_ids_and_counts_only(receiver, client_a, client_b):
    hook = receiver()
    sub, hook.secret = do_register_webhook(
        url=hook.url, events=["file.profiled", "file.refused"], client=client_a, actor=ACTOR
    )
    data_file = receive_file(client_a, "huurders-jansen.csv", address_csv(12, seed=4))
    receive_file(client_b, "leden-b.csv", address_csv(3, seed=5))  # another client's: not for this endpoint
    made = do_collect_webhook_events()
    assert len(made) == 1
    assert do_deliver_webhook(made[0]) == DeliveryState.DELIVERED
    [got] = hook.received
    assert got["valid"] and got["event"] == "file.profiled"
    body = json.loads(got["body"])
    assert body["type"] == "file.profiled" and body["client"] == client_a.pk and body["id"] == made[0]
    assert body["data"] == {"file": data_file.pk, "state": "profiled", "records": 12, "risk": data_file.risk}
    assert b"huurders" not in got["body"] and b"Jansen" not in got["body"]
    delivery = WebhookDelivery.objects.get(pk=made[0])
    assert delivery.last_status == 200 and delivery.last_response == "ok" and delivery.attempts == 1
    assert do_collect_webhook_events() == []  # the cursor moved: nothing twice


def test_a_failing_endpoint_is_retried_with_backoff_until_it_answers(receiver, client_a, settings):
    settings.API_WEBHOOK_BACKOFF_SECONDS = 30
    hook = receiver(fail_first=2)
    sub, hook.secret = do_register_webhook(url=hook.url, events=["file.profiled"], client=client_a, actor=ACTOR)
    receive_file(client_a, "a.csv", address_csv(3))
    [delivery_id] = do_collect_webhook_events()
    assert do_deliver_webhook(delivery_id) == DeliveryState.RETRYING
    first = WebhookDelivery.objects.get(pk=delivery_id)
    assert first.last_status == 500 and first.last_response == "later"
    assert 29 <= (first.next_attempt_at - first.last_attempt_at).total_seconds() <= 31
    assert do_deliver_webhook(delivery_id) == DeliveryState.RETRYING
    second = WebhookDelivery.objects.get(pk=delivery_id)
    assert 59 <= (second.next_attempt_at - second.last_attempt_at).total_seconds() <= 61  # doubled
    assert do_deliver_webhook(delivery_id) == DeliveryState.DELIVERED
    assert [r["valid"] for r in hook.received] == [True, True, True]
    assert len({r["body"] for r in hook.received}) == 1  # the same body each time
    assert WebhookDelivery.objects.get(pk=delivery_id).attempts == 3


def test_an_endpoint_that_never_answers_is_given_up_and_that_is_audited(receiver, client_a):
    from verwerker.api.actions import WEBHOOK_MAX_ATTEMPTS

    hook = receiver(fail_first=100)
    sub, hook.secret = do_register_webhook(url=hook.url, events=["file.profiled"], client=client_a, actor=ACTOR)
    receive_file(client_a, "a.csv", address_csv(3))
    [delivery_id] = do_collect_webhook_events()
    states = [do_deliver_webhook(delivery_id) for _ in range(WEBHOOK_MAX_ATTEMPTS)]
    assert states[-1] == DeliveryState.FAILED and set(states[:-1]) == {DeliveryState.RETRYING}
    assert AuditEvent.objects.filter(action=EventType.WEBHOOK_GAVE_UP, client_id=client_a.pk).count() == 1
    assert do_deliver_webhook(delivery_id) == DeliveryState.FAILED and len(hook.received) == WEBHOOK_MAX_ATTEMPTS


def test_a_house_endpoint_gets_every_clients_events_and_a_proof_ready_and_job_printed(
    receiver, client_a, draft, staff, settings
):
    from verwerker.audit.actors import Actor
    from verwerker.production.actions import do_approve_proof, do_confirm_printed, do_deliver_job, do_release_job
    from verwerker.production.tests.conftest import produce

    hook = receiver()
    sub, hook.secret = do_register_webhook(
        url=hook.url, events=["proof.ready", "job.printed", "certificate.issued"], actor=ACTOR
    )
    settings.JOB_PART_SIZE = 400
    job = draft(receive_file(client_a, "a.csv", address_csv(10, seed=8)), proof_required=True)
    job = produce(do_release_job(job, user=staff.drafter, actor=Actor.for_user(staff.drafter)))
    job = do_deliver_job(do_approve_proof(job, actor=ACTOR), actor=ACTOR)
    do_confirm_printed(job, user=staff.printer, actor=Actor.for_user(staff.printer), pieces=10)
    for delivery_id in do_collect_webhook_events():
        assert do_deliver_webhook(delivery_id) == DeliveryState.DELIVERED
    kinds = [json.loads(r["body"])["type"] for r in hook.received]
    assert kinds == ["proof.ready", "job.printed", "certificate.issued"]
    printed = json.loads(hook.received[1]["body"])["data"]
    assert printed == {"job": job.pk, "state": "confirmed", "pieces": 10}


def test_clients_register_webhooks_through_the_api_with_https_only_and_see_deliveries(
    api, token_for, client_a, client_b, settings
):
    _row, a = token_for(client=client_a)
    _row, b = token_for(client=client_b)
    settings.API_WEBHOOK_ALLOW_LOOPBACK_HTTP = False
    plain = api(a).post("/api/v1/webhooks/", {"url": "http://127.0.0.1:9/hook", "events": ["file.profiled"]})
    assert plain.status_code == 422
    made = api(a).post("/api/v1/webhooks/", {"url": "https://erp.aland.example/hook", "events": ["file.profiled"]})
    assert made.status_code == 201 and len(made.json()["secret"]) == 64
    hook_id = made.json()["id"]
    assert "secret" not in api(a).get(f"/api/v1/webhooks/{hook_id}/").json()
    assert api(b).get(f"/api/v1/webhooks/{hook_id}/").status_code == 404
    assert api(b).get(f"/api/v1/webhooks/{hook_id}/deliveries/").status_code == 404
    assert api(b).delete(f"/api/v1/webhooks/{hook_id}/").status_code == 404
    upload(api(a), address_csv(3))
    assert api(a).get(f"/api/v1/webhooks/{hook_id}/deliveries/").json()["results"] == []
    assert api(a).delete(f"/api/v1/webhooks/{hook_id}/").status_code == 204
    assert api(a).get("/api/v1/webhooks/").json()["results"] == []


def test_deliveries_to_a_private_address_are_refused(client_a, settings):
    settings.API_WEBHOOK_ALLOW_LOOPBACK_HTTP = False
    sub, _secret = do_register_webhook(
        url="https://10.0.0.1/hook", events=["file.profiled"], client=client_a, actor=ACTOR
    )
    receive_file(client_a, "a.csv", address_csv(3))
    [delivery_id] = do_collect_webhook_events()
    assert do_deliver_webhook(delivery_id) == DeliveryState.RETRYING
    assert "not a public" in WebhookDelivery.objects.get(pk=delivery_id).last_response


def test_the_delivery_screen_shows_the_last_responses(receiver, client_a, login, make_staff):
    hook = receiver()
    sub, hook.secret = do_register_webhook(url=hook.url, events=["file.profiled"], client=client_a, actor=ACTOR)
    receive_file(client_a, "a.csv", address_csv(3))
    [delivery_id] = do_collect_webhook_events()
    do_deliver_webhook(delivery_id)
    page = login(make_staff("admin", "beheer")).get("/api-beheer/")
    assert page.status_code == 200 and f'data-delivery="{delivery_id}"'.encode() in page.content
    assert b"afgeleverd" in page.content and hook.url.encode() in page.content
