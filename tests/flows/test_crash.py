"""Crash safety: a loop run killed (SIGKILL) anywhere, then re-run, publishes exactly what an
uninterrupted run publishes, with no duplicate rows and no partial version visible."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest
from prefect.client.orchestration import get_client
from prefect.settings import get_current_settings

from tests.llm_server import LLMServer, Reply, sound_llm

# sound_llm's judge finds every answer good: with clearing on it would clear every case and
# leave nothing to repair or publish, so it only adds evidence here (clearing: test_llm_judge)
CONFIG = """
[llm]
concurrency = 2
[evidence]
judge_clears = false
[judge]
max_items = 16
[routing]
max_llm_rewrites = 8
[validation]
max_llm_source_share = 1.0
"""
# (task, state) at which the run is killed: stage boundaries and the middle of stages
KILL_POINTS = [
    ("ingest-logs", "COMPLETED"),
    ("judge-with-llm", "RUNNING"),
    ("mine-bad-cases", "COMPLETED"),
    ("rewrite-bad-cases", "RUNNING"),
    ("publish-preference-set", "RUNNING"),
]
UNIQUE_KEYS = {
    "interactions": "interaction_id",
    "events": "event_id",
    "signals": "interaction_id, signal",
    "judgments": "interaction_id, judge, model, prompt_version",
    "bad_cases": "case_id",
    "routes": "case_id",
    "rewrites": "rewrite_id",
    "review_queue": "item_id",
    "preference_pairs": "pair_id",
    "quarantine": "source_file, line_no, reason",
}


def slow_model(body, n):
    return Reply(sound_llm(body, n).content, latency_s=0.1)


def _cli(root: Path, landing: Path, env: dict) -> list[str]:
    (root / "loop.toml").write_text(CONFIG)
    return [
        sys.executable,
        "-m",
        "flows.cli",
        "run",
        "--landing",
        str(landing),
        "--warehouse",
        str(root / "wh.duckdb"),
        "--datasets",
        str(root / "ds"),
        "--config",
        str(root / "loop.toml"),
    ]


def _task_state(flow_name_after: float, task: str) -> str | None:
    body = {
        "task_runs": {"name": {"like_": task}},
        "sort": "EXPECTED_START_TIME_DESC",
        "limit": 5,
        "offset": 0,
    }
    with get_client(sync_client=True) as client:
        runs = client.request("POST", "/task_runs/filter", json=body).json()
    fresh = [r for r in runs if r["created"] and _ts(r["created"]) >= flow_name_after]
    return fresh[0]["state_type"] if fresh else None


def _ts(iso: str) -> float:
    from datetime import datetime

    return datetime.fromisoformat(iso.replace("Z", "+00:00")).timestamp()


def _published_hash(root: Path) -> str:
    ds = root / "ds" / "badcase-preferences"
    latest = (ds / "LATEST").read_text().strip()
    return json.loads((ds / latest / "manifest.json").read_text())["content_hash"]


def _check_no_duplicates_or_partials(root: Path) -> None:
    con = duckdb.connect(str(root / "wh.duckdb"), read_only=True)
    for table, key in UNIQUE_KEYS.items():
        dupes = con.execute(
            f"SELECT count(*) FROM (SELECT {key} FROM {table} GROUP BY ALL HAVING count(*) > 1)"
        ).fetchone()[0]
        assert dupes == 0, f"duplicate rows in {table}"
    statuses = dict(con.execute("SELECT status, count(*) FROM runs GROUP BY 1").fetchall())
    interrupted = con.execute(
        "SELECT count(*) FROM runs WHERE error LIKE 'interrupted:%'"
    ).fetchone()[0]
    con.close()
    assert "running" not in statuses, "a killed run is marked failed by the next"
    assert statuses.get("failed", 0) == interrupted
    ds = root / "ds" / "badcase-preferences"
    for version in ds.glob("v*"):
        assert (version / "manifest.json").exists(), f"partial version {version} visible"


@pytest.mark.slow
def test_killed_runs_converge_to_the_uninterrupted_result(prefect_server, clean_logs, tmp_path):
    base_env = {**os.environ, "PREFECT_API_URL": get_current_settings().api.url}
    with LLMServer(slow_model) as server:
        env = {**base_env, "OPENAI_API_KEY": "sk-test", "OPENAI_BASE_URL": server.base_url}
        reference = tmp_path / "reference"
        reference.mkdir()
        done = subprocess.run(
            _cli(reference, clean_logs, env), env=env, capture_output=True, text=True, timeout=600
        )
        assert done.returncode == 0, done.stderr[-2000:]
        expected = _published_hash(reference)
        killed_at = []
        for task, state in KILL_POINTS:
            root = tmp_path / f"{task}-{state}"
            root.mkdir()
            args = _cli(root, clean_logs, env)
            started = time.time()
            proc = subprocess.Popen(
                args, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
            )
            while proc.poll() is None:
                if _task_state(started, task) == state:
                    os.kill(proc.pid, signal.SIGKILL)
                    killed_at.append((task, state))
                    break
                time.sleep(0.05)
            proc.wait(timeout=600)
            again = subprocess.run(args, env=env, capture_output=True, text=True, timeout=600)
            assert again.returncode == 0, (task, state, again.stderr[-2000:])
            assert _published_hash(root) == expected, (task, state)
            _check_no_duplicates_or_partials(root)
    # a kill that came too late (the stage was over) is a kill elsewhere: still a crash test
    assert len(killed_at) >= len(KILL_POINTS) - 1, f"too few kills landed: {killed_at}"
