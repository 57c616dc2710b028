"""`verwerker web` as a client's system meets it: an upload streams into the vault while its body is still
arriving (nothing spooled to disk in plaintext, P14), and a refused upload is answered at once without the
server swallowing the rest of a large body into memory."""

import hashlib
import json
import os
import socket
import subprocess
import sys
import time

import pytest

from verwerker.lib.testing import free_port, verwerker
from verwerker.testing import fresh_install

pytestmark = pytest.mark.slow

COUNT_RECEIVING = (
    "import django; django.setup(); from verwerker.intake.models import Upload;"
    "print(Upload.objects.filter(state='receiving').count())"
)


def _rows(size: int) -> bytes:
    """Synthetic address rows (invented names), ``size`` bytes."""
    row = b"".join(f"{i};Testnaam{i % 97};Proefstraat {i % 300};{1000 + i % 8999}AB;Proefdorp\n".encode()
                   for i in range(2048))
    return (row * (size // len(row) + 1))[:size]


def _start_web(env: dict) -> tuple[subprocess.Popen, int]:
    port = free_port()
    web = subprocess.Popen([sys.executable, "-m", "verwerker", "web", "--port", str(port)], env=env,
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    line = web.stdout.readline()
    assert f"web listening on http://127.0.0.1:{port}/" in line, line
    return web, port


def _unlinked_files(pid: int) -> list[str]:
    """Files the process holds open that were deleted: a spooled request body looks like this."""
    found = []
    for fd in os.listdir(f"/proc/{pid}/fd"):
        try:
            target = os.readlink(f"/proc/{pid}/fd/{fd}")
        except OSError:
            continue
        if target.endswith("(deleted)"):
            found.append(target)
    return found


def _request_head(name: str, token: str, length: int, sha256: str) -> bytes:
    return (f"PUT /api/v1/uploads/{name} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {token}\r\n"
            f"Content-Type: application/octet-stream\r\nContent-Length: {length}\r\n"
            f"Content-SHA256: {sha256}\r\n\r\n").encode()


@pytest.fixture
def installed(tmp_path):
    with fresh_install(tmp_path) as env:
        verwerker(env, "migrate", "-v", "0")
        client = verwerker(env, "client", "add", "Proefklant", "--contact", "p@example.test",
                           "--with-agreement").stdout.strip()
        token = json.loads(verwerker(env, "api-token", "create", "--client", client, "--json").stdout)["token"]
        web, port = _start_web(env)
        try:
            yield env, web, port, token
        finally:
            web.terminate()
            web.wait(timeout=30)


def test_an_api_upload_reaches_the_vault_while_its_body_still_arrives_and_nothing_spools(installed):
    env, web, port, token = installed
    body = _rows(3 * 1024 * 1024)
    sent = 2 * 1024 * 1024
    with socket.create_connection(("127.0.0.1", port), timeout=60) as sock:
        sock.sendall(_request_head("stroom.csv", token, len(body), hashlib.sha256(body).hexdigest()))
        sock.sendall(body[:sent])
        # Two thirds of the body are sent, the rest held back: the application already receives it.
        deadline = time.monotonic() + 60
        while True:
            receiving = verwerker(env, "shell", "-v", "0", "-c", COUNT_RECEIVING).stdout.split()[-1]
            if receiving == "1":
                break
            assert time.monotonic() < deadline, "the upload did not start before its body was complete"
            time.sleep(0.5)
        assert _unlinked_files(web.pid) == []
        sock.sendall(body[sent:])
        answer = b""
        while b"\r\n\r\n" not in answer or not answer.rstrip().endswith(b"}"):
            piece = sock.recv(65536)
            assert piece, answer
            answer += piece
    assert answer.startswith(b"HTTP/1.1 201"), answer[:200]
    assert json.loads(answer.split(b"\r\n\r\n", 1)[1])["state"] == "completed"


def test_a_refused_upload_is_answered_at_once_and_its_connection_closed_not_drained(installed):
    _env, web, port, _token = installed
    declared = 1024 * 1024 * 1024
    with socket.create_connection(("127.0.0.1", port), timeout=20) as sock:
        sock.sendall(_request_head("groot.csv", "vw_fout_fout", declared, "0" * 64))
        sock.sendall(b"x" * 65536)
        answer = b""
        while True:  # the refusal arrives, then the server closes instead of reading the other 1 GiB
            piece = sock.recv(65536)  # raises socket.timeout if the server waits for the body
            if not piece:
                break
            answer += piece
    assert answer.startswith(b"HTTP/1.1 401"), answer[:200]
    assert web.poll() is None  # the server goes on serving
