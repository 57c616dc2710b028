"""`verwerker up` on a fresh machine: first start, serving, and a clean stop on SIGTERM."""

import signal
import socket
import stat
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from verwerker.lib.testing import free_port
from verwerker.testing import fresh_install

pytestmark = pytest.mark.slow


def _wait_for(url, proc, timeout=60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert proc.poll() is None, "up exited early"
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                return response.status, response.read().decode()
        except OSError:
            time.sleep(0.3)
    raise AssertionError(f"{url} did not answer within {timeout}s")


def _wait_for_port(port, proc, timeout=60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert proc.poll() is None, "up exited early"
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=2) as sock:
                return sock.recv(64)
        except OSError:
            time.sleep(0.3)
    raise AssertionError(f"nothing listened on port {port} within {timeout}s")


def test_up_starts_everything_prints_the_admin_password_once_and_stops_cleanly(tmp_path):
    with fresh_install(tmp_path) as env:
        port = free_port()
        env["VERWERKER_HTTP_PORT"] = str(port)
        sftp_port = free_port()
        env["VERWERKER_SFTP_PORT"] = str(sftp_port)
        up = subprocess.Popen(
            [sys.executable, "-m", "verwerker", "up"],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        try:
            status, body = _wait_for(f"http://127.0.0.1:{port}/accounts/login/", up)
            assert status == 200 and 'name="password"' in body
            _wait_for_port(sftp_port, up)
            data = Path(env["VERWERKER_DATA_DIR"])
            for key in ("secret-key", "master-key", "sftp-host-key", "signing-key.pem"):
                assert stat.S_IMODE((data / key).stat().st_mode) == 0o600, key
            assert stat.S_IMODE(data.stat().st_mode) == 0o700
            children = subprocess.run(["pgrep", "-P", str(up.pid)], capture_output=True, text=True).stdout.split()
            assert len(children) == 4
        finally:
            up.send_signal(signal.SIGTERM)
            output, _ = up.communicate(timeout=60)
        assert up.returncode == 0, output
        assert "must be changed at first login" in output and "Verwerker stopped" in output
        for pid in children:
            assert subprocess.run(["kill", "-0", pid], capture_output=True).returncode != 0, "a child survived"

        # A second start creates no new administrator and prints no password.
        again = subprocess.Popen(
            [sys.executable, "-m", "verwerker", "up"],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        try:
            _wait_for(f"http://127.0.0.1:{port}/accounts/login/", again)
        finally:
            again.send_signal(signal.SIGINT)
            output2, _ = again.communicate(timeout=60)
        assert again.returncode == 0 and "must be changed" not in output2
