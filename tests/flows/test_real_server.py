"""The served loop on a real ``prefect server start``, as a person runs it (docs/dashboard.md).

The test harness the other flow tests use runs no scheduler and never goes through
Prefect's CLI or UI; this module does: one server with its own PREFECT_HOME and SQLite
database, ``badcase-loop serve --config`` against it with a 10 s watch interval, a day of
logs copied into the empty landing root once the watcher has looked at it. Then the
scheduler's runs, the event-triggered loop run and its artifacts are read back through
Prefect's Python client and CLI and, where Chromium is installed, its UI.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from prefect.client.orchestration import SyncPrefectClient, get_client
from prefect.client.schemas.filters import (
    ArtifactFilter,
    ArtifactFilterFlowRunId,
    DeploymentFilter,
    DeploymentFilterName,
    FlowFilter,
    FlowFilterName,
)
from prefect.client.schemas.objects import FlowRun, StateType
from prefect.settings import PREFECT_API_URL, temporary_settings

from tests import browser
from tests.conftest import CONTRACT
from tests.real_prefect import BIN, Process, server_env, start_serve, start_server

pytestmark = pytest.mark.slow

WATCH_INTERVAL_S = 10  # the least the config allows: the test waits on it twice
FIRST_WATCH_S = 180  # serve registers the deployments, the scheduler fills them, a run ends
LANDED_TO_RUN_S = 240  # the watcher's event, the automation, the runner's poll, the loop
SCREENSHOTS = os.environ.get("BADCASE_E2E_SCREENSHOTS")  # where make e2e keeps the pictures


@dataclass
class Served:
    root: Path
    home: Path
    api_url: str
    server: Process
    serve: Process
    landed_at: datetime | None = None
    figures: dict[str, float] = field(default_factory=dict)

    @property
    def ui_url(self) -> str:
        return self.api_url.removesuffix("/api")

    def runs(self, flow: str, deployment: str) -> list[FlowRun]:
        with self.client() as client:
            return client.read_flow_runs(
                flow_filter=FlowFilter(name=FlowFilterName(any_=[flow])),
                deployment_filter=DeploymentFilter(name=DeploymentFilterName(any_=[deployment])),
            )

    @contextlib.contextmanager
    def client(self) -> Iterator[SyncPrefectClient]:
        """Prefect's own Python client, pointed at this server."""
        with (
            temporary_settings(updates={PREFECT_API_URL: self.api_url}),
            get_client(sync_client=True) as client,
        ):
            yield client

    def prefect(self, *args: str) -> subprocess.CompletedProcess:
        """Prefect's own CLI against the server, as a person types it."""
        env = {**server_env(self.home, self.api_url), "COLUMNS": "200"}
        return subprocess.run(
            [str(BIN / "prefect"), *args], env=env, capture_output=True, text=True, timeout=180
        )

    def logs(self) -> str:
        return f"--- serve.log (tail)\n{self.serve.text()[-4000:]}"


def _wait(what: str, found, deadline_s: float, served: Served, poll_s: float = 2):
    """``found()`` once it is truthy; fails with the serve log when the deadline passes."""
    deadline = time.monotonic() + deadline_s
    while True:
        assert served.server.alive(), f"prefect server exited\n{served.server.text()[-3000:]}"
        assert served.serve.alive(), f"badcase-loop serve exited\n{served.logs()}"
        result = found()
        if result:
            return result
        assert time.monotonic() < deadline, f"no {what} within {deadline_s:.0f}s\n{served.logs()}"
        time.sleep(poll_s)


def _group_gone(pgid: int) -> bool:
    for _ in range(50):
        try:
            os.killpg(pgid, 0)
        except ProcessLookupError:
            return True
        time.sleep(0.2)
    return False


@pytest.fixture(scope="module")
def served(tmp_path_factory) -> Iterator[Served]:
    root = tmp_path_factory.mktemp("real-server")
    started = time.monotonic()
    server, api_url = start_server(root / "home")
    healthy_s = round(time.monotonic() - started, 1)
    serve = it = None
    try:
        landing = root / "landing"
        (landing / "interactions").mkdir(parents=True)  # empty: nothing landed yet
        config = root / "cfg.toml"
        config.write_text(
            f'landing = "{landing}"\nwarehouse = "{root / "wh.duckdb"}"\n'
            f'datasets = "{root / "datasets"}"\n\n[orchestration]\n'
            f'cron = "0 2 * * *"\ntimezone = "UTC"\nwatch_interval_s = {WATCH_INTERVAL_S}\n'
        )
        serve = start_serve(root / "home", api_url, config, root)
        it = Served(root, root / "home", api_url, server, serve)
        it.figures["server_healthy_s"] = healthy_s
        _wait(
            "completed watch-landing run",
            lambda: [
                r
                for r in it.runs("watch-landing", "watch-landing")
                if r.state_type == StateType.COMPLETED
            ],
            FIRST_WATCH_S,
            it,
        )
        it.figures["first_watch_done_s"] = round(time.monotonic() - started, 1)
        shutil.copytree(CONTRACT / "landing", landing, dirs_exist_ok=True)  # a day lands
        it.landed_at = datetime.now(UTC)
        yield it
    finally:
        if serve is not None:
            serve.stop()
        server.stop()
        if it is not None:
            print(f"\nreal-server figures: {it.figures}")
    assert serve.popen.poll() is not None and server.popen.poll() is not None
    assert _group_gone(serve.popen.pid) and _group_gone(server.popen.pid), "processes left over"
    assert "Traceback" not in server.text(), "the server's shutdown logged a traceback"


@pytest.fixture(scope="module")
def loop_run(served) -> FlowRun:
    """The on-new-logs run the landed day triggered, once it has finished."""

    def finished() -> FlowRun | None:
        runs = served.runs("nightly-bad-case-loop", "on-new-logs")
        bad = [r for r in runs if r.state_type in (StateType.FAILED, StateType.CRASHED)]
        assert not bad, f"the loop run {bad[0].name} ended {bad[0].state_type}\n{served.logs()}"
        done = [r for r in runs if r.state_type == StateType.COMPLETED]
        return done[0] if done else None

    run = _wait("completed on-new-logs run", finished, LANDED_TO_RUN_S, served)
    served.figures["landed_to_completed_s"] = round(
        (run.end_time - served.landed_at).total_seconds(), 1
    )
    return run


def test_the_scheduler_fills_the_interval_and_the_cron(served):
    watches = served.runs("watch-landing", "watch-landing")
    assert all(r.auto_scheduled for r in watches), "watch-landing runs come from the scheduler"
    assert sum(r.state_type == StateType.COMPLETED for r in watches) >= 1
    ahead = [r for r in watches if r.state_type == StateType.SCHEDULED]
    assert len(ahead) >= 3, "the interval's next runs are scheduled ahead"
    nightly = served.runs("nightly-bad-case-loop", "nightly")
    scheduled = sorted(r.expected_start_time for r in nightly if r.auto_scheduled)
    assert scheduled, "the scheduler created the nightly cron's runs"
    now = datetime.now(UTC)
    next_two = now.replace(hour=2, minute=0, second=0, microsecond=0)
    next_two += timedelta(days=1) if next_two <= now else timedelta(0)
    # (the day before, when the clock passed 02:00 while the test ran)
    assert scheduled[0] in (next_two, next_two - timedelta(days=1)), scheduled[:3]


def test_a_landed_day_becomes_a_completed_loop_run_with_its_artifacts(served, loop_run):
    assert loop_run.parameters["config"]["landing"] == str(served.root / "landing")
    assert loop_run.state_type == StateType.COMPLETED
    with served.client() as client:
        artifacts = client.read_artifacts(
            artifact_filter=ArtifactFilter(flow_run_id=ArtifactFilterFlowRunId(any_=[loop_run.id]))
        )
    keys = {a.key for a in artifacts}
    assert {"bad-case-loop-summary", "top-bad-case-clusters", "signal-reliability"} <= keys
    [summary] = [a for a in artifacts if a.key == "bad-case-loop-summary"]
    assert "| interactions |" in summary.data
    print(f"\nlanded -> completed loop run: {served.figures['landed_to_completed_s']}s")


def test_prefect_cli_lists_deployments_and_runs(served, loop_run):
    deployments = served.prefect("deployment", "ls")
    assert deployments.returncode == 0, deployments.stdout + deployments.stderr
    for name in ("watch-landing", "on-new-logs", "nightly"):
        assert name in deployments.stdout
    runs = served.prefect("flow-run", "ls")
    assert runs.returncode == 0, runs.stdout + runs.stderr
    assert "watch-landing" in runs.stdout or "nightly-bad-case-loop" in runs.stdout


def test_the_dashboard_shows_the_run_and_its_artifacts(served, loop_run, tmp_path):
    if browser.chromium() is None:
        pytest.skip("no chromium on PATH (apt-get install chromium): the dashboard check needs one")
    shots = Path(SCREENSHOTS) if SCREENSHOTS else tmp_path
    shots.mkdir(parents=True, exist_ok=True)
    page = browser.click_and_read(
        f"{served.ui_url}/runs/flow-run/{loop_run.id}",
        "Artifacts",
        ["bad-case-loop-summary", "top-bad-case-clusters"],
        shots / "dashboard-flow-run.png",
    )
    assert loop_run.name in page and "Completed" in page
    assert "on-new-logs" in page and "new logs landed" in page, "deployment and automation"
    assert "bad-case-loop-summary" in page and "top-bad-case-clusters" in page
    assert "Something went wrong" not in page
    listing = browser.page_text(f"{served.ui_url}/artifacts")
    assert "bad-case-loop-summary" in listing and "Create an artifact" not in listing
    browser.screenshot(f"{served.ui_url}/artifacts", shots / "dashboard-artifacts.png")


def test_the_server_logged_no_traceback(served, loop_run):
    log = served.server.text()
    assert "Traceback" not in log, log[log.index("Traceback") - 2000 :][:6000]
