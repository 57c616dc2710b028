"""API upload throughput: 512 MiB with curl over loopback into `verwerker web`, against a plain `cp` of the
file, the web upload (multipart, a client user's session) and an SFTP upload of the same file into
`verwerker sftpd` (OpenSSH's `sftp`, its default cipher), all in one run; and the web server's peak memory.

Target (issue 19): API/cp at least SFTP/cp as measured in the same run, the server under 200 MiB. Both
servers run on one fresh data directory (SQLite); runs alternate, medians are reported, with each server's
CPU seconds per GiB received (robust on a busy machine). While an upload runs the bench also watches the
web server's open files for an unlinked temporary file and reports the largest it saw (``spooled_mib``,
0 since cheroot hands the body over as it arrives; waitress, before, spooled all of it).

    python -m bench api [--mib 512] [--runs 3]

Needs curl and Debian's openssh-client. The test file is synthetic (generated rows, no real people).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import secrets
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from bench.common import cpu_seconds
from bench.sftp import _free_port, _make_file, _upload, _vm_hwm_mib, _wait_port

SESSION = """
import django, json, sys; django.setup()
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore
from verwerker.accounts.actions import do_create_client_user
from verwerker.audit.actors import Actor
from verwerker.clients.models import Client
user, _ = do_create_client_user(Client.objects.get(pk=int(sys.argv[1])), "bench-web", email="w@example.test",
                                actor=Actor.system("bench"))
user.must_change_password = False
user.save(update_fields=["must_change_password"])
s = SessionStore()
s[SESSION_KEY] = str(user.pk)
s[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
s[HASH_SESSION_KEY] = user.get_session_auth_hash()
s.create()
print(s.session_key)
"""


class SpoolWatch(threading.Thread):
    """The largest unlinked temporary file the server process holds open while it runs."""

    def __init__(self, pid: int):
        super().__init__(daemon=True)
        self.pid, self.largest, self.done = pid, 0, False

    def run(self):
        while not self.done:
            try:
                for fd in os.listdir(f"/proc/{self.pid}/fd"):
                    try:
                        target = os.readlink(f"/proc/{self.pid}/fd/{fd}")
                        if target.endswith("(deleted)"):
                            self.largest = max(
                                self.largest, os.fstat(os.open(f"/proc/{self.pid}/fd/{fd}", os.O_RDONLY)).st_size
                            )
                    except OSError:
                        pass
            except OSError:
                pass
            time.sleep(0.1)


def _timed(cmd: list[str]) -> tuple[float, str]:
    start = time.perf_counter()
    result = subprocess.run(cmd, capture_output=True, text=True, timeout=3600)
    elapsed = time.perf_counter() - start
    if result.returncode != 0:
        raise SystemExit(f"{cmd[0]} failed: {result.stderr.strip()[:300]}")
    return elapsed, result.stdout


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--mib", type=int, default=512)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    for tool in ("curl", "sftp", "ssh-keygen"):
        if not shutil.which(tool):
            raise SystemExit(f"{tool} is missing: apt-get install curl openssh-client")
    from bench.common import report

    tmp = Path(tempfile.mkdtemp(prefix="verwerker-bench-api-"))
    server = sftpd = None
    try:
        big = tmp / "bench.csv"
        _make_file(big, args.mib)
        digest = hashlib.sha256(big.read_bytes()).hexdigest()
        env = {
            **os.environ,
            "VERWERKER_DATA_DIR": str(tmp / "data"),
            "VERWERKER_UPLOAD_MAX_MB": str(args.mib * 2),
            "VERWERKER_UPLOAD_QUOTA_MB": str(args.mib * (3 * args.runs + 2)),
            "VERWERKER_LOG_LEVEL": "WARNING",
        }
        env.pop("VERWERKER_DATABASE_URL", None)
        vw = [sys.executable, "-m", "verwerker"]
        subprocess.run([*vw, "migrate", "-v", "0"], env=env, check=True)
        client = subprocess.run(
            [*vw, "client", "add", "Bench", "--contact", "b@example.test", "--with-agreement"],
            env=env,
            check=True,
            capture_output=True,
            text=True,
        ).stdout.strip()
        token = json.loads(
            subprocess.run(
                [*vw, "api-token", "create", "--client", client, "--json"],
                env=env,
                check=True,
                capture_output=True,
                text=True,
            ).stdout
        )["token"]
        session = subprocess.run(
            [sys.executable, "-c", SESSION, client],
            env={**env, "DJANGO_SETTINGS_MODULE": "verwerker.settings"},
            check=True,
            capture_output=True,
            text=True,
        ).stdout.strip()
        key = tmp / "id_ed25519"
        subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(key)], check=True)
        sftp_user = json.loads(
            subprocess.run(
                [*vw, "sftp", "issue", client, "--public-key", f"{key}.pub", "--json"],
                env=env,
                check=True,
                capture_output=True,
                text=True,
            ).stdout
        )["username"]
        sftp_port = _free_port()
        sftpd = subprocess.Popen([*vw, "sftpd"], env={**env, "VERWERKER_SFTP_PORT": str(sftp_port)},
                                 stdout=subprocess.DEVNULL)
        _wait_port(sftp_port, sftpd)
        port = _free_port()
        server = subprocess.Popen([*vw, "web", "--port", str(port)], env=env, stdout=subprocess.DEVNULL)
        _wait_port(port, server)
        base = f"http://127.0.0.1:{port}"
        csrf = secrets.token_hex(16)
        watch = SpoolWatch(server.pid)
        watch.start()
        cp_times, api_times, web_times, sftp_times = [], [], [], []
        api_cpu, sftp_cpu = [], []
        for i in range(args.runs):
            cp_times.append(_timed(["cp", str(big), str(tmp / f"copy{i}.csv")])[0])
            (tmp / f"copy{i}.csv").unlink()
            before = cpu_seconds(server.pid)
            elapsed, out = _timed(
                [
                    "curl",
                    "-sS",
                    "--fail-with-body",
                    "-T",
                    str(big),
                    "-H",
                    f"Authorization: Bearer {token}",
                    "-H",
                    f"Content-SHA256: {digest}",
                    "-H",
                    "Content-Type: application/octet-stream",
                    f"{base}/api/v1/uploads/api{i}.csv",
                ]
            )
            assert json.loads(out)["state"] == "completed", out
            api_times.append(elapsed)
            api_cpu.append(cpu_seconds(server.pid) - before)
            before = cpu_seconds(sftpd.pid)
            sftp_times.append(_upload(sftp_port, sftp_user, key, big, f"upload/sftp{i}.csv", None, tmp)[0])
            sftp_cpu.append(cpu_seconds(sftpd.pid) - before)
            elapsed, _out = _timed(
                [
                    "curl",
                    "-sS",
                    "--fail-with-body",
                    "-o",
                    "/dev/null",
                    "-b",
                    f"verwerker_session={session}; verwerker_csrf={csrf}",
                    "-H",
                    f"X-CSRFToken: {csrf}",
                    "-H",
                    f"Origin: {base}",
                    "-F",
                    f"file=@{big}",
                    f"{base}/aanleveren/",
                ]
            )
            web_times.append(elapsed)
        watch.done = True
        peak = _vm_hwm_mib(server.pid)
        size_mb = args.mib * 1024 * 1024 / 1e6
        api_mbs, cp_mbs, web_mbs, sftp_mbs = (
            size_mb / statistics.median(t) for t in (api_times, cp_times, web_times, sftp_times)
        )
        gib = args.mib / 1024
        uploads = subprocess.run(
            [
                sys.executable,
                "-c",
                "import django; django.setup(); from verwerker.intake.models import Upload;"
                "print(sorted(Upload.objects.values_list('channel', 'state')))",
            ],
            env={**env, "DJANGO_SETTINGS_MODULE": "verwerker.settings"},
            capture_output=True,
            text=True,
        ).stdout.strip()
        report(
            "api_upload",
            mib=args.mib,
            runs=args.runs,
            api_mb_s=api_mbs,
            cp_mb_s=cp_mbs,
            web_mb_s=web_mbs,
            sftp_mb_s=sftp_mbs,
            api_cp_ratio=api_mbs / cp_mbs,
            web_cp_ratio=web_mbs / cp_mbs,
            sftp_cp_ratio=sftp_mbs / cp_mbs,
            api_to_sftp=api_mbs / sftp_mbs,
            target_api_to_sftp=1.0,
            api_cpu_s_per_gib=statistics.median(api_cpu) / gib,
            sftpd_cpu_s_per_gib=statistics.median(sftp_cpu) / gib,
            server_peak_rss_mib=peak,
            target_peak_mib=200,
            spooled_mib=watch.largest / 1024 / 1024,
            load_average=" ".join(f"{x:.2f}" for x in os.getloadavg()),
            uploads=uploads,
        )
    finally:
        for proc in (server, sftpd):
            if proc is not None and proc.poll() is None:
                proc.terminate()
                try:
                    proc.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    proc.kill()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
