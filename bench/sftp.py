"""SFTP upload throughput: OpenSSH's `sftp` client to Verwerker's server vs OpenSSH's own sshd/sftp-server.

Target (issue 23): Verwerker/OpenSSH throughput >= 1.0 with the encryption into the vault (and its fsync)
included, and the server's peak memory under 200 MiB during the upload. Both servers run on loopback in the same run:
`verwerker sftpd` on a fresh data directory (SQLite) and `/usr/sbin/sshd` with a temporary config and
host key, `Subsystem sftp /usr/lib/openssh/sftp-server`, writing the file to a temporary directory.
Runs alternate between the two; medians are reported. The SSH cipher is the client's choice: the
default run lets OpenSSH's client pick (chacha20-poly1305 first; with Verwerker, which does not offer it,
aes128-ctr with umac-64-etm), the `--cipher` run forces one; both negotiated suites are reported. Beside
the wall figures: the servers' CPU seconds per GiB (user + system, all threads; for sshd its session
processes too, counted when it reaps them), steadier than wall time on a shared machine.

    python -m bench sftp [--mib 512] [--runs 3] [--cipher aes128-gcm@openssh.com]

Needs Debian's openssh-client and openssh-server (only the binaries; no sshd service is started).
The test file is synthetic (generated rows, no real people).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

SSHD = "/usr/sbin/sshd"
SFTP_SERVER = "/usr/lib/openssh/sftp-server"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_port(port: int, proc: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"server exited early with status {proc.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"nothing listens on port {port}")


def _make_file(path: Path, mib: int) -> None:
    row = b"".join(
        f"{i};Achternaam{i % 977};Straat {i % 311};{1000 + i % 8999}AB;Plaats{i % 53}\n".encode() for i in range(4096)
    )
    with open(path, "wb") as fh:
        written = 0
        while written < mib * 1024 * 1024:
            piece = row[: mib * 1024 * 1024 - written]
            fh.write(piece)
            written += len(piece)


def _upload(port: int, user: str, key: Path, local: Path, remote: str, cipher: str | None,
            workdir: Path) -> tuple[float, str]:
    """Wall seconds of one `sftp put`, and the cipher and MAC the client negotiated (from its debug log)."""
    cmd = ["sftp", "-P", str(port), "-i", str(key), "-o", "IdentitiesOnly=yes", "-o", "StrictHostKeyChecking=no",
           "-o", "UserKnownHostsFile=/dev/null", "-o", "LogLevel=DEBUG1"]
    if cipher:
        cmd += ["-c", cipher]
    cmd += ["-b", "-", f"{user}@127.0.0.1"]
    start = time.perf_counter()
    result = subprocess.run(
        cmd, input=f"put {local} {remote}\n", text=True, capture_output=True, cwd=workdir, timeout=1800
    )
    elapsed = time.perf_counter() - start
    if result.returncode != 0:
        errors = [line for line in result.stderr.splitlines() if not line.startswith("debug")]
        raise SystemExit(f"sftp upload to port {port} failed: {' '.join(errors).strip()}")
    found = re.search(r"kex: client->server cipher: (\S+) MAC: (\S+)", result.stderr)
    negotiated = f"{found[1]} {found[2]}" if found else "?"
    return elapsed, negotiated


def _wait_children_gone(pid: int, timeout: float = 30) -> None:
    """Wait until ``pid`` has no child processes left (sshd reaps a session's process after it ends)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        tasks = Path(f"/proc/{pid}/task").iterdir()
        if not any((task / "children").read_text().strip() for task in tasks):
            return
        time.sleep(0.05)


def _vm_hwm_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--mib", type=int, default=512)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--cipher", default=None, help="force this cipher on the client (e.g. aes128-gcm@openssh.com)")
    args = parser.parse_args()
    for tool in ("sftp", "ssh-keygen", SSHD, SFTP_SERVER):
        if not shutil.which(tool) and not Path(tool).exists():
            raise SystemExit(f"{tool} is missing: apt-get install openssh-client openssh-server")

    from bench.common import cpu_seconds, report

    tmp = Path(tempfile.mkdtemp(prefix="verwerker-bench-sftp-"))
    procs: list[subprocess.Popen] = []
    try:
        big = tmp / "bench.csv"
        _make_file(big, args.mib)
        key = tmp / "id_ed25519"
        subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(key)], check=True)

        # Verwerker: fresh data directory, a client with an agreement, its account with the key.
        env = {**os.environ, "VERWERKER_DATA_DIR": str(tmp / "data"), "VERWERKER_UPLOAD_MAX_MB": str(args.mib * 2),
               "VERWERKER_UPLOAD_QUOTA_MB": str(args.mib * (args.runs + 2)), "VERWERKER_LOG_LEVEL": "WARNING"}
        env.pop("VERWERKER_DATABASE_URL", None)
        vw = [sys.executable, "-m", "verwerker"]
        subprocess.run([*vw, "migrate", "-v", "0"], env=env, check=True)
        client = subprocess.run([*vw, "client", "add", "Bench", "--contact", "b@example.test", "--with-agreement"],
                                env=env, check=True, capture_output=True, text=True).stdout.strip()
        issued = subprocess.run([*vw, "sftp", "issue", client, "--public-key", f"{key}.pub", "--json"], env=env,
                                check=True, capture_output=True, text=True).stdout
        vw_user = json.loads(issued)["username"]  # usernames end in a random suffix
        vw_port = _free_port()
        env["VERWERKER_SFTP_PORT"] = str(vw_port)
        sftpd = subprocess.Popen([*vw, "sftpd"], env=env, stdout=subprocess.DEVNULL)
        procs.append(sftpd)

        # OpenSSH: sshd in the foreground on a high port with its own config and host key.
        os.makedirs("/run/sshd", mode=0o755, exist_ok=True)
        subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(tmp / "host_key")], check=True)
        (tmp / "authorized_keys").write_text(Path(f"{key}.pub").read_text())
        ssh_port = _free_port()
        (tmp / "sshd_config").write_text(
            f"Port {ssh_port}\nListenAddress 127.0.0.1\nHostKey {tmp / 'host_key'}\nPidFile {tmp / 'sshd.pid'}\n"
            f"AuthorizedKeysFile {tmp / 'authorized_keys'}\nPasswordAuthentication no\nKbdInteractiveAuthentication no\n"  # noqa: E501
            "UsePAM no\nStrictModes no\nPermitRootLogin prohibit-password\n"
            f"Subsystem sftp {SFTP_SERVER}\n"
        )
        sshd = subprocess.Popen([SSHD, "-D", "-e", "-f", str(tmp / "sshd_config")], stderr=subprocess.DEVNULL)
        procs.append(sshd)
        (tmp / "dest").mkdir()
        _wait_port(vw_port, sftpd)
        _wait_port(ssh_port, sshd)

        user = os.environ.get("USER") or subprocess.run(["id", "-un"], capture_output=True, text=True).stdout.strip()
        ours, theirs, ours_cpu, theirs_cpu, negotiated = [], [], [], [], {}
        gib = args.mib / 1024
        for i in range(args.runs):
            before = cpu_seconds(sshd.pid)
            elapsed, negotiated["openssh"] = _upload(ssh_port, user, key, big, str(tmp / "dest" / f"run{i}.csv"),
                                                     args.cipher, tmp)
            _wait_children_gone(sshd.pid)
            theirs.append(elapsed)
            theirs_cpu.append((cpu_seconds(sshd.pid) - before) / gib)
            (tmp / "dest" / f"run{i}.csv").unlink()
            before = cpu_seconds(sftpd.pid)
            elapsed, negotiated["verwerker"] = _upload(vw_port, vw_user, key, big, f"upload/run{i}.csv", args.cipher,
                                                       tmp)
            ours.append(elapsed)
            ours_cpu.append((cpu_seconds(sftpd.pid) - before) / gib)
        peak = _vm_hwm_mib(sftpd.pid)
        size_mb = args.mib * 1024 * 1024 / 1e6
        vw_mbs, ssh_mbs = size_mb / statistics.median(ours), size_mb / statistics.median(theirs)
        report(
            "sftp_upload",
            mib=args.mib,
            runs=args.runs,
            cipher=args.cipher or "client default",
            verwerker_negotiated=negotiated["verwerker"],
            openssh_negotiated=negotiated["openssh"],
            verwerker_mb_s=vw_mbs,
            openssh_mb_s=ssh_mbs,
            ratio=vw_mbs / ssh_mbs,
            target_ratio=1.0,
            verwerker_server_cpu_s_per_gib=statistics.median(ours_cpu),
            openssh_server_cpu_s_per_gib=statistics.median(theirs_cpu),
            cpu_ratio=statistics.median(theirs_cpu) / statistics.median(ours_cpu),
            sftpd_peak_rss_mib=peak,
            target_peak_mib=200,
        )
    finally:
        for proc in procs:
            if proc.poll() is None:
                proc.terminate()
                try:
                    proc.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    proc.kill()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
