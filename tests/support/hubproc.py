"""The hub as real processes for fault tests: ``hub serve`` (gunicorn) and ``hub deliver`` as subprocesses in
their own sessions, killed with SIGKILL by their own process group id, and a client that signs each attempt
afresh (RFC 9421, ``tests.support.signing``) over real HTTP.

Every process here is started by the test and stopped by its own id; nothing is looked up by name.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import requests
from cryptography.hazmat.primitives.asymmetric import ed25519

from tests.support.signing import signed_headers

HOST = "127.0.0.1"
HUB = Path(sys.executable).with_name("hub")
ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def hub_env(database_url: str, data_dir: Path, **extra: str) -> dict[str, str]:
    """The environment of a hub process (a test's, or a benchmark's: bench/benchlib.py uses this one):
    its store and development keys under ``data_dir``, the rate limit out of the way (it guards against a
    runaway partner, not against a test or a benchmark)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HUB_", "PROMETHEUS_"))}
    env.update(
        HUB_ENV="development",
        HUB_DATA_DIR=str(data_dir),
        HUB_DATABASE_URL=database_url,
        HUB_RATE_LIMIT_PER_MINUTE=str(10**9),
        HUB_LOG_LEVEL="INFO",
    )
    env.update(extra)
    return env


class HubCommand:
    """One ``hub ...`` subprocess in its own session (process group), its output appended to a log file."""

    def __init__(self, args: list[str], env: dict[str, str], log_path: Path) -> None:
        self.args, self.env, self.log_path = args, env, log_path
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                [str(HUB), *self.args],
                cwd=ROOT,
                env=self.env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def kill(self) -> None:
        """SIGKILL the whole process group this test started (gunicorn's master and its workers at once)."""
        if self.process is None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        """SIGTERM (a graceful stop), SIGKILL after 20 s."""
        if self.process is None or self.process.poll() is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.kill()

    def tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"


class HubServer(HubCommand):
    """``hub serve`` on a fixed loopback port (so clients keep their URL across restarts)."""

    def __init__(self, env: dict[str, str], log_path: Path, port: int | None = None, workers: int = 2) -> None:
        self.port = port or free_port()
        self.url = f"http://{HOST}:{self.port}"
        args = ["serve", "--host", HOST, "--port", str(self.port), "--workers", str(workers)]
        super().__init__(args, env, log_path)

    def wait_ready(self, timeout: float = 60.0) -> float:
        """Seconds until ``/readyz`` answers 200; AssertionError with the log's tail if it dies or hangs."""
        started = time.monotonic()
        while True:
            if not self.alive():
                raise AssertionError(f"hub serve exited while starting; its log:\n{self.tail()}")
            with contextlib.suppress(requests.RequestException):
                if requests.get(f"{self.url}/readyz", timeout=2).status_code == 200:
                    return time.monotonic() - started
            if time.monotonic() - started > timeout:
                raise AssertionError(f"hub serve not ready within {timeout:.0f} s; its log:\n{self.tail()}")
            time.sleep(0.05)


@dataclass
class HttpSigner:
    """Signs every attempt afresh (new ``created`` and nonce) and sends it over real HTTP."""

    base_url: str
    key_id: str
    private_key: ed25519.Ed25519PrivateKey
    timeout: float = 30.0

    def request(self, method: str, path: str, body: Any = None, *, raw: bytes | None = None) -> requests.Response:
        data = raw if raw is not None else (b"" if body is None else json.dumps(body).encode())
        headers = signed_headers(self.private_key, self.key_id, method, self.base_url + path, data)
        if body is not None or raw is not None:
            headers["Content-Type"] = "application/json"
        return requests.request(method, self.base_url + path, data=data, headers=headers, timeout=self.timeout)

    def post(self, path: str, body: Any) -> requests.Response:
        return self.request("POST", path, body)

    def get(self, path: str) -> requests.Response:
        return self.request("GET", path)
