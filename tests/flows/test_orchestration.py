"""Orchestration under the Prefect test server: deployments, events, triggers, the lock."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest
from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import DeploymentFilter, DeploymentFilterId

from deployments.serve import build_deployments
from flows.config import SERVED_CONFIG_ENV, LoopConfig, OrchestrationSettings
from flows.loop import bad_case_loop
from flows.train import train_on_preference_set
from flows.watch import watch_landing
from tasks.errors import BadcaseError, WarehouseBusyError
from tests.conftest import CONTRACT


@pytest.fixture
def config(tmp_path) -> LoopConfig:
    landing = tmp_path / "landing"
    subprocess.run(["cp", "-r", str(CONTRACT / "landing"), str(landing)], check=True)
    return LoopConfig(
        landing=str(landing),
        warehouse=str(tmp_path / "wh.duckdb"),
        datasets=str(tmp_path / "datasets"),
        orchestration=OrchestrationSettings(cron="30 3 * * *", timezone="Asia/Shanghai"),
        # sound_llm's judge finds every answer good: it only adds evidence here, or it would
        # clear every case and leave nothing to publish (clearing: tests/tasks/judge)
        evidence={"judge_clears": False},
    )


def _events(name: str, wanted, timeout_s: float = 30) -> list[dict]:
    """The events named ``name`` that ``wanted(event)`` accepts, once there is one per id
    asked for: events reach the server's store asynchronously."""
    body = {"filter": {"event": {"name": [name]}, "order": "DESC"}, "limit": 50}
    deadline = time.monotonic() + timeout_s
    with get_client(sync_client=True) as client:
        while True:
            found = client.request("POST", "/events/filter", json=body).json()["events"]
            hits = [e for e in found if wanted(e)]
            if hits or time.monotonic() > deadline:
                return hits
            time.sleep(0.5)


def test_the_deployments_carry_their_schedules_and_triggers(config):
    nightly, on_logs, watch, train, evaluate, rl = build_deployments(config)
    assert (nightly.flow_name, nightly.name) == ("nightly-bad-case-loop", "nightly")
    [schedule] = nightly.schedules
    assert schedule.schedule.cron == "30 3 * * *"
    assert schedule.schedule.timezone == "Asia/Shanghai"
    assert nightly.concurrency_limit == 1 or nightly.concurrency_options is not None
    [trigger] = on_logs.triggers
    assert trigger.expect == {"badcase.logs.landed"}
    landing = str(Path(config.landing).resolve())
    assert trigger.match.model_dump()["prefect.resource.id"] == f"badcase.landing.{landing}"
    assert trigger.parameters["config"]["lock_wait_s"] == 3600, "served runs wait their turn"
    assert watch.flow_name == "watch-landing"
    assert watch.schedules[0].schedule.interval.total_seconds() == 300
    [published] = train.triggers
    assert published.expect == {"badcase.dataset.published"}
    assert published.parameters["path"] == "{{ event.payload.path }}"
    [trained] = evaluate.triggers
    assert (evaluate.flow_name, evaluate.name) == ("evaluate-candidate", "on-trained")
    assert trained.expect == {"badcase.model.trained"}
    assert trained.parameters["base_url"] == "{{ event.payload.base_url }}"
    assert trained.parameters["config"]["evalsets"] == config.evalsets_root
    [rl_trigger] = rl.triggers
    assert rl.flow_name == "build-rl-prompts" and rl_trigger.expect == {"badcase.dataset.published"}


def test_serving_registers_the_deployments(prefect_server, config):
    ids = [d.apply() for d in build_deployments(config)]
    with get_client(sync_client=True) as client:
        nightly = client.read_deployment(ids[0])
        on_logs = client.read_deployment(ids[1])
        automations = client.read_automations_by_name("new logs landed")
    assert nightly.schedules[0].schedule.cron == "30 3 * * *"
    assert on_logs.name == "on-new-logs" and automations
    assert automations[0].trigger.expect == {"badcase.logs.landed"}


def test_the_watcher_announces_each_new_file_once(prefect_server, config):
    first = watch_landing(config)
    assert len(first.new) == 2 and first.event_id
    assert watch_landing(config).new == [], "nothing new, no event"
    extra = Path(config.landing) / "events" / "dt=2026-11-02" / "late.jsonl"
    extra.parent.mkdir(parents=True, exist_ok=True)
    extra.write_text("")
    third = watch_landing(config)
    assert third.new == [str(extra.resolve())] or third.new == [str(extra)]
    ids = {first.event_id, third.event_id}
    events: list[dict] = []
    deadline = time.monotonic() + 30
    while len(events) < 2 and time.monotonic() < deadline:
        events = _events("badcase.logs.landed", lambda e: e["id"] in ids)
    assert len(events) == 2
    payloads = {e["id"]: e["payload"] for e in events}
    assert payloads[first.event_id]["count"] == 2
    assert payloads[third.event_id]["files"] == third.new


def test_a_landed_event_leads_to_a_loop_run(prefect_server, config):
    deployment_id = build_deployments(config)[1].apply()
    watch_landing(config)
    deadline = time.monotonic() + 60
    runs = []
    with get_client(sync_client=True) as client:
        while time.monotonic() < deadline and not runs:
            runs = client.read_flow_runs(
                deployment_filter=DeploymentFilter(id=DeploymentFilterId(any_=[deployment_id])),
                limit=5,
            )
            time.sleep(1)
    assert runs, "the trigger created a run of the on-new-logs deployment"
    assert runs[0].parameters["config"]["landing"] == config.landing


def test_publishing_emits_the_event_and_training_takes_it(prefect_server, config, monkeypatch):
    from tests.llm_server import LLMServer, sound_llm

    with LLMServer(sound_llm) as server:
        monkeypatch.setenv("OPENAI_API_KEY", "sk-test")
        monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
        config.validation.max_llm_source_share = 1.0
        summary = bad_case_loop(config)
    assert summary.publish.status == "published"
    [event] = _events(
        "badcase.dataset.published", lambda e: e["payload"].get("run_id") == summary.run_id
    )
    payload = event["payload"]
    assert payload["version"] == "v0001" and payload["path"] == summary.publish.path
    assert (
        payload["pairs"] == summary.publish.pairs
        and payload["kto_rows"] == summary.publish.kto_rows
    )
    assert payload["content_hash"] == summary.publish.content_hash
    assert event["resource"]["prefect.resource.id"] == "badcase.dataset.badcase-preferences"
    monkeypatch.setenv(SERVED_CONFIG_ENV, config.model_dump_json())
    dry = train_on_preference_set(payload["path"], payload["version"])
    assert (dry.pairs, dry.command) == (summary.publish.pairs, None)
    marker = Path(config.warehouse).parent / "trained.txt"
    command = sys.executable + f" -c \"open('{marker}', 'w').write('{{data}}')\""
    # the command and the candidate's endpoint come from the served configuration only
    config.orchestration.training_command = command
    config.orchestration.candidate_base_url = "http://127.0.0.1:8000/v1"
    config.orchestration.candidate_model = "policy-{version}"
    monkeypatch.setenv(SERVED_CONFIG_ENV, config.model_dump_json())
    ran = train_on_preference_set(payload["path"], payload["version"])
    assert ran.returncode == 0
    assert marker.read_text() == f"{payload['path']}/data/train-00000-of-00001.parquet"
    # the trained model is announced for evaluate-candidate/on-trained
    [trained] = _events("badcase.model.trained", lambda e: e["payload"]["version"] == "v0001")
    assert trained["payload"]["model"] == "policy-v0001"
    assert trained["payload"]["base_url"] == "http://127.0.0.1:8000/v1"
    with pytest.raises(BadcaseError, match=r"no manifest\.json"):
        train_on_preference_set(str(Path(config.datasets) / "badcase-preferences" / "v0099"))


HOLD = """
import fcntl, json, sys, time
fh = open(sys.argv[1] + ".lock", "a+")
fcntl.flock(fh, fcntl.LOCK_EX)
fh.truncate(0); fh.write(json.dumps({"run_id": "other-run", "pid": 1, "since": "now"})); fh.flush()
print("held", flush=True)
time.sleep(float(sys.argv[2]))
"""


def _hold_lock(warehouse: str, seconds: float) -> subprocess.Popen:
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD, warehouse, str(seconds)], stdout=subprocess.PIPE, text=True
    )
    assert holder.stdout.readline().strip() == "held"
    return holder


def test_a_second_run_on_the_same_warehouse_is_refused_clearly(prefect_server, config):
    holder = _hold_lock(config.warehouse, 30)
    try:
        with pytest.raises(WarehouseBusyError, match="in use by loop run other-run"):
            bad_case_loop(config)
    finally:
        holder.kill()
    assert not Path(config.warehouse).exists() or duckdb.connect(
        config.warehouse, read_only=True
    ).execute("SELECT count(*) FROM runs").fetchone() == (0,)


def test_a_waiting_run_goes_once_the_other_finishes(prefect_server, config):
    holder = _hold_lock(config.warehouse, 3)
    try:
        summary = bad_case_loop(config.model_copy(update={"lock_wait_s": 60}))
    finally:
        holder.kill()
    assert summary.status == "completed" and summary.ingest.inserted == 12
    json.dumps(summary.as_dict())


def test_a_run_started_during_another_is_refused(prefect_server, config, tmp_path):
    # Two processes, as with a cron run and an event run (flows in threads of one process
    # are serialised by Prefect and prove nothing). The first judges with a slow LLM, so it
    # holds the warehouse for seconds; the second starts once the first holds it.
    import os

    from prefect.settings import get_current_settings

    from tests.llm_server import LLMServer, Reply, rubric_reply

    slow = Path(tmp_path / "slow.toml")
    slow.write_text(
        "[llm]\nconcurrency = 1\n[judge]\nsilent_sample_rate = 1.0\n[rewrite]\nenabled = false\n"
    )
    env = {**os.environ, "PREFECT_API_URL": get_current_settings().api.url}
    args = [
        sys.executable,
        "-m",
        "flows.cli",
        "run",
        "--landing",
        config.landing,
        "--warehouse",
        config.warehouse,
        "--datasets",
        config.datasets,
    ]
    pipes = {"stdout": subprocess.PIPE, "stderr": subprocess.PIPE, "text": True}
    with LLMServer(lambda body, n: Reply(rubric_reply("good", 9), latency_s=1.5)) as server:
        llm_env = {**env, "OPENAI_API_KEY": "sk-test", "OPENAI_BASE_URL": server.base_url}
        first = subprocess.Popen([*args, "--config", str(slow)], env=llm_env, **pipes)
        deadline = time.monotonic() + 120
        while not server.seen:  # the first run is judging: it holds the warehouse
            assert first.poll() is None and time.monotonic() < deadline, first.stderr.read()
            time.sleep(0.2)
        second = subprocess.run(args, env=env, timeout=300, **pipes)
        assert first.wait(timeout=300) == 0, first.stderr.read()
    assert second.returncode == 2, second.stderr
    last = second.stderr.strip().splitlines()[-1]
    assert (
        last.startswith("badcase-loop: error: the warehouse ") and "one loop run at a time" in last
    )
    assert "Traceback" not in second.stderr, "refused before Prefect started"
    con = duckdb.connect(config.warehouse, read_only=True)
    assert con.execute("SELECT status, count(*) FROM runs GROUP BY 1").fetchall() == [
        ("completed", 1)
    ]
    con.close()


def test_the_event_goes_out_right_after_the_commit(prefect_server, config, monkeypatch):
    """A stage after publishing (the eval set) fails: the version is still announced, and
    the next run does not announce it again."""
    import flows.loop as loop_module
    from tests.llm_server import LLMServer, sound_llm

    def eval_set_fails(*args, **kwargs):
        raise RuntimeError("the eval-set stage failed")

    monkeypatch.setattr(loop_module, "publish_eval_set_task", eval_set_fails)
    with LLMServer(sound_llm) as server:
        monkeypatch.setenv("OPENAI_API_KEY", "sk-test")
        monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
        config.validation.max_llm_source_share = 1.0
        with pytest.raises(RuntimeError, match="eval-set stage failed"):
            bad_case_loop(config)
        monkeypatch.undo()
        monkeypatch.setenv("OPENAI_API_KEY", "sk-test")
        monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
        again = bad_case_loop(config)
    assert again.publish.status == "unchanged"
    con = duckdb.connect(config.warehouse, read_only=True)
    announced = con.execute("SELECT version FROM published_announcements").fetchall()
    con.close()
    assert announced == [("v0001",)]
    # this test's version (other tests of the session publish a v0001 of their own)
    path = str(Path(config.datasets) / "badcase-preferences" / "v0001")
    events = _events("badcase.dataset.published", lambda e: e["payload"]["path"] == path)
    assert len(events) == 1, "announced once, by the run that failed after committing"
