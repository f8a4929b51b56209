"""A real daphne process (`python -m forum.core.server`, what the Makefile and the Dockerfile run)
for the tests that need real sockets: its own SQLite file, no PostgreSQL or Redis from the
environment, the port free before it starts, and stopped (then killed) at the end."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def rss_kib(pid: int) -> int:
    """The process's resident memory (KiB), from /proc."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


@contextmanager
def real_server(application: str, directory: Path, *, args: tuple[str, ...] = (), log: Path | None = None,
                **settings: str):
    """Serve `application` ("module:attribute") on a free port; yields (port, process). `settings`
    become environment variables of the server; its output goes to `log` (or is kept for an error)."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    env.update(DJANGO_SETTINGS_MODULE="config.settings.base", PYTHONPATH=str(ROOT),
               SQLITE_PATH=str(directory / "db.sqlite3"), **settings)
    command = [sys.executable, "-m", "forum.core.server", "-b", "127.0.0.1", "-p", str(port), *args, application]
    if log is not None:
        with open(log, "wb") as output:
            process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=output, stderr=subprocess.STDOUT)
    else:
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)

    def output_tail() -> str:
        return log.read_text()[-2000:] if log is not None else process.stderr.read().decode()[-2000:]

    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail("the server did not start: " + output_tail())
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            time.sleep(0.2)
    else:
        process.kill()
        pytest.fail("the server did not start within 60 s")
    try:
        yield port, process
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)
