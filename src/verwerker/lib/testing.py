"""Helpers shared by the test suites of every app that need neither Django nor an app (imported by tests
only); the ones that touch the database live in verwerker/testing.py."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys

import pytest


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def verwerker(env: dict, *args: str, check: bool = True, timeout: float = 120) -> subprocess.CompletedProcess:
    """Run the `verwerker` command in a subprocess, as a user would."""
    return subprocess.run(
        [sys.executable, "-m", "verwerker", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=check,
    )


def require_tool(name: str) -> str:
    """The path of a Debian tool a test needs; skip without it, but fail where CI promised it
    (VERWERKER_TEST_REQUIRE_TOOLS=true), so a missing install step cannot pass as a skip."""
    path = shutil.which(name)
    if path is None:
        if os.environ.get("VERWERKER_TEST_REQUIRE_TOOLS") == "true":
            pytest.fail(f"{name} is not installed, and this run requires it")
        pytest.skip(f"{name} is not installed")
    return path


def pdf_text(pdf: bytes) -> str:
    """The text of a PDF, extracted by poppler's pdftotext from stdin (the PDF never touches disk)."""
    tool = require_tool("pdftotext")
    return subprocess.run([tool, "-layout", "-", "-"], input=pdf, capture_output=True, check=True).stdout.decode()
