"""The loop flow under a real Prefect test server."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pytest
from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import (
    ArtifactFilter,
    ArtifactFilterFlowRunId,
    ArtifactFilterKey,
    TaskRunFilter,
    TaskRunFilterFlowRunId,
)
from prefect.client.schemas.sorting import ArtifactSort

from flows.config import LoopConfig
from flows.loop import bad_case_loop
from tasks.errors import LandingError
from tests.conftest import CONTRACT
from tests.llm_server import LLMServer, sound_llm


@pytest.fixture
def config(tmp_path) -> LoopConfig:
    return LoopConfig(
        landing=str(CONTRACT / "landing"),
        warehouse=str(tmp_path / "wh.duckdb"),
        datasets=str(tmp_path / "datasets"),
    )


def test_loop_run_records_its_run_and_summary(prefect_server, config):
    summary = bad_case_loop(config)
    assert summary.status == "completed"
    assert (summary.ingest.inserted, summary.ingest.quarantined) == (12, 1)
    con = duckdb.connect(config.warehouse, read_only=True)
    run = con.execute("SELECT status, summary, config_hash, finished_at FROM runs").fetchall()
    con.close()
    assert len(run) == 1
    status, stored, config_hash, finished = run[0]
    assert status == "completed" and finished is not None
    assert config_hash == config.config_hash()
    stored = json.loads(stored)
    assert stored["ingest"]["records_read"] == 13 and stored["ingest"]["reconciles"] is True
    con = duckdb.connect(config.warehouse, read_only=True)
    cases = dict(con.execute("SELECT interaction_id, judges FROM bad_cases").fetchall())
    con.close()
    # The contract sample's four bad answers: "护照，身份证。" then corrected, a truncated
    # function that was regenerated, a wrong fact that was down-voted and edited, an
    # unclosed <think>.
    assert set(cases) == {"c1-0", "c3-0", "c4-0", "c5-0"}
    assert "rule:truncated" in cases["c3-0"] and cases["c5-0"] == ["rule:unpaired_tags"]
    assert summary.mining.bad_cases == 4 and summary.signals.by_signal["correction"] == 1
    clusters = _artifact(summary.run_id, "top-bad-case-clusters")
    assert "visa" in clusters and "cluster_id" in clusters
    markdown = _artifact(summary.run_id, "bad-case-loop-summary")
    assert summary.run_id in markdown
    assert "| interactions | 1 | 8 | 7 | 0 | 1 |" in markdown
    assert "| `invalid_json` | 1 |" in markdown
    assert not summary.llm_judge.ran and "no LLM configured" in summary.llm_judge.notice
    assert "LLM judges skipped: no LLM configured" in markdown
    assert _task_runs(summary.run_id).count("judge-with-llm") == 0


def test_with_an_llm_the_judge_stage_runs_as_one_task(prefect_server, config, monkeypatch):
    with LLMServer(sound_llm) as server:
        monkeypatch.setenv("OPENAI_API_KEY", "sk-test")
        monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
        monkeypatch.setenv("BADCASE_LLM_MODEL", "loopback-judge")
        config.judge.silent_sample_rate = 1.0
        # sound_llm's judge finds every answer good: it only adds evidence here, or it would
        # clear every case before routing (clearing: tests/tasks/judge/test_llm_judge.py)
        config.evidence.judge_clears = False
        # every chosen answer here is an LLM's: allow that (the source-mix guard has its own test)
        config.validation.max_llm_source_share = 1.0
        summary = bad_case_loop(config)
    llm = summary.llm_judge
    # the four bad answers, and one whose only signal is the end of its conversation:
    # abandonment alone is no evidence (issue 16), so it is judged as a silent sample;
    # the other two were praised: neither candidates nor silent
    assert llm.ran and llm.model == "loopback-judge" and llm.selected == 5 == llm.requests
    assert llm.by_reason == {"above_threshold": 4, "silent_sample": 1}
    assert llm.verdicts == {"good": 5}
    assert all(s.headers["authorization"] == "Bearer sk-test" for s in server.seen)
    names = _task_runs(summary.run_id)
    assert sorted(names) == sorted(
        [
            "start-run",
            "ingest-logs",
            "derive-signals",
            "judge-with-rules",
            "judge-with-llm",
            "mine-bad-cases",
            "route-bad-cases",
            "rewrite-bad-cases",
            "build-preference-pairs",
            "compose-preference-set",
            "publish-preference-set",
            "announce-published-versions",
            "publish-eval-set",
            "compute-trends",
            "finish-run",
        ]
    ), "one task per stage, not one per item"
    # the four bad cases: the health one goes to people; of the three rewritten, the
    # English repair of the Chinese request fails the wrong-language rule and goes to
    # people too, with its draft
    rewrite = summary.rewrite
    assert summary.routing.by_reason == {
        "human_review:high_risk_scene": 1,
        "llm_rewrite:llm_repairable": 3,
    }
    assert rewrite.llm_ran and rewrite.attempted == 3 and rewrite.failed == 0
    assert rewrite.reasons == {"pairwise_prefers_rewrite": 2, "rules: rule:wrong_language": 1}
    assert summary.routing.queued_for_experts == 1 and rewrite.sent_to_experts == 1
    assert summary.build.new_pairs == 2 and summary.publish.status == "published"
    assert summary.publish.version == "v0001" and summary.publish.pairs == 2
    reliability = _artifact(summary.run_id, "signal-reliability")
    assert "correction" in reliability and "rule:truncated" in reliability
    assert "rewrite-progress" in _artifact_keys(summary.run_id)
    assert "llm-judge-progress" in _artifact_keys(summary.run_id)
    trends = _artifact(summary.run_id, "bad-case-trends")
    assert summary.trends.path and f"{summary.trends.path}/index.html" in trends
    assert Path(summary.trends.path, "bad_case_rate.png").exists()
    checks = _artifact(summary.run_id, "preference-set-validation")
    assert "expect_column_values_to_be_unique" in checks and "pair_id" in checks
    assert len(server.seen) == 5 + 3 * rewrite.attempted, "judge 5; rewrite + 2 orders each"
    markdown = _artifact(summary.run_id, "bad-case-loop-summary")
    assert "`loopback-judge` with prompt `rubric_judge@" in markdown
    assert "sk-test" not in markdown


def test_rerun_is_idempotent(prefect_server, config):
    bad_case_loop(config)
    second = bad_case_loop(config)
    assert second.ingest.records_read == 0 and second.ingest.files_unchanged == 2
    con = duckdb.connect(config.warehouse, read_only=True)
    assert con.execute("SELECT count(*) FROM interactions").fetchone() == (7,)
    assert con.execute("SELECT count(*) FROM runs WHERE status = 'completed'").fetchone() == (2,)
    con.close()


def test_failed_run_is_recorded(prefect_server, config, tmp_path):
    bad = config.model_copy(update={"landing": str(tmp_path / "missing")})
    with pytest.raises(LandingError):
        bad_case_loop(bad)
    con = duckdb.connect(config.warehouse, read_only=True)
    status, error = con.execute("SELECT status, error FROM runs").fetchone()
    con.close()
    assert status == "failed" and "LandingError" in error


def _artifact(flow_run_id: str, key: str) -> str:
    """The data of the run's one artifact named ``key``."""
    artifacts = ArtifactFilter(
        key=ArtifactFilterKey(any_=[key]), flow_run_id=ArtifactFilterFlowRunId(any_=[flow_run_id])
    )
    with get_client(sync_client=True) as client:
        found = client.read_artifacts(artifact_filter=artifacts, sort=ArtifactSort.CREATED_DESC)
    assert len(found) == 1, f"expected one {key} artifact for run {flow_run_id}"
    return found[0].data


def _task_runs(flow_run_id: str) -> list[str]:
    """Names of the flow run's task runs (without the "-<n>" suffix)."""
    runs = TaskRunFilter(flow_run_id=TaskRunFilterFlowRunId(any_=[flow_run_id]))
    with get_client(sync_client=True) as client:
        found = client.read_task_runs(task_run_filter=runs, limit=200)
    return [run.name.rsplit("-", 1)[0] for run in found]


def test_a_set_that_fails_validation_fails_the_run(prefect_server, config, monkeypatch):
    from tasks.publish.publish import ValidationFailed

    with LLMServer(sound_llm) as server:
        monkeypatch.setenv("OPENAI_API_KEY", "sk-test")
        monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
        config.validation.max_llm_source_share = 0.3  # every chosen answer here is an LLM's
        config.validation.balance_min_pairs = 1
        # sound_llm's judge finds every answer good: trusted, it would clear the cases
        config.judge.enabled = False
        with pytest.raises(ValidationFailed, match="llm_written"):
            bad_case_loop(config)
    con = duckdb.connect(config.warehouse, read_only=True)
    status, error = con.execute("SELECT status, error FROM runs").fetchone()
    published = con.execute("SELECT status, path FROM published_versions").fetchall()
    con.close()
    assert status == "failed" and error.startswith("validation failed: ") and "llm_written" in error
    [(state, path)] = published
    assert state == "quarantined" and "/quarantine/" in path
    root = Path(config.datasets) / config.dataset_name
    assert not (root / "LATEST").exists(), "a quarantined set is never LATEST"


def _artifact_keys(flow_run_id: str) -> set[str]:
    artifacts = ArtifactFilter(flow_run_id=ArtifactFilterFlowRunId(any_=[flow_run_id]))
    with get_client(sync_client=True) as client:
        found = client.read_artifacts(artifact_filter=artifacts, limit=50)
    return {a.key for a in found if a.key}
