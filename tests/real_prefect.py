"""A real ``prefect server start`` and ``badcase-loop serve``, as a person runs them.

Each is a subprocess in its own process group with its own log file; ``stop`` ends the
group by its pid whatever state it is in. Used by tests/flows/test_real_server.py (and
its dashboard check in headless Chromium).
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import httpx

BIN = Path(sys.executable).parent  # prefect and badcase-loop are installed next to python
ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def server_env(home: Path, api_url: str) -> dict[str, str]:
    """The environment of a process that talks to (or is) the real server under ``home``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
    env.update(
        PREFECT_HOME=str(home),
        PREFECT_API_URL=api_url,
        PREFECT_SERVER_DATABASE_CONNECTION_URL=f"sqlite+aiosqlite:///{home / 'prefect.db'}",
        PREFECT_SERVER_ANALYTICS_ENABLED="false",
        PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS=os.environ.get(
            "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "180"
        ),
        # the served flows import this checkout's code
        PYTHONPATH=os.pathsep.join(p for p in (str(ROOT), env.get("PYTHONPATH")) if p),
    )
    return env


@dataclass
class Process:
    """A started subprocess with its log file."""

    name: str
    popen: subprocess.Popen
    log: Path

    def text(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""

    def alive(self) -> bool:
        return self.popen.poll() is None

    def stop(self, grace_s: float = 30) -> None:
        """Ctrl-C to the pid (a clean shutdown), then SIGTERM and SIGKILL to its group."""
        pgid = self.popen.pid  # start_new_session: the group is led by the pid
        steps = (
            (os.kill, signal.SIGINT, grace_s),
            (os.killpg, signal.SIGTERM, 10),
            (os.killpg, signal.SIGKILL, 10),
        )
        for send, sig, wait_s in steps:
            if self.popen.poll() is not None:
                break
            with contextlib.suppress(ProcessLookupError):
                send(pgid, sig)
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.popen.wait(timeout=wait_s)
        with contextlib.suppress(ProcessLookupError):  # children left behind in the group
            os.killpg(pgid, signal.SIGKILL)


def start(name: str, args: list[str], env: dict[str, str], log: Path, cwd: Path) -> Process:
    out = log.open("ab")
    popen = subprocess.Popen(
        args, env=env, cwd=cwd, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
    )
    out.close()
    return Process(name, popen, log)


def start_server(home: Path) -> tuple[Process, str]:
    """``prefect server start`` on a free loopback port; waits for /api/health."""
    home.mkdir(parents=True, exist_ok=True)
    port = free_port()
    api_url = f"http://127.0.0.1:{port}/api"
    server = start(
        "prefect server",
        [str(BIN / "prefect"), "server", "start", "--host", "127.0.0.1", "--port", str(port)],
        server_env(home, api_url),
        home / "server.log",
        home,
    )
    timeout = float(os.environ.get("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "180"))
    deadline = time.monotonic() + timeout
    while True:
        if not server.alive():
            raise RuntimeError(f"prefect server exited:\n{server.text()[-3000:]}")
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(f"{api_url}/health", timeout=5).status_code == 200:
                return server, api_url
        if time.monotonic() > deadline:
            server.stop()
            raise RuntimeError(f"prefect server not healthy in {timeout:.0f}s:\n{server.text()}")
        time.sleep(1)


def start_serve(home: Path, api_url: str, config: Path, cwd: Path) -> Process:
    """``badcase-loop serve --config config`` against the server at ``api_url``."""
    return start(
        "badcase-loop serve",
        [str(BIN / "badcase-loop"), "serve", "--config", str(config)],
        server_env(home, api_url),
        cwd / "serve.log",
        cwd,
    )
