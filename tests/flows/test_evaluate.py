"""evaluate-candidate against loopback servers: a candidate that fixes some clusters and
regresses others, and a scripted judge that prefers answers that fix the failure."""

from __future__ import annotations

import json

import duckdb
import pytest

from flows.cli import main
from flows.evaluate import EVALUATED_EVENT, EvaluateConfig, evaluate_candidate
from tasks.evaluate.candidate import CandidateSettings, GateSettings, wilson
from tasks.publish.build import BuildSettings, build_preference_pairs
from tasks.publish.evalset import publish_eval_set
from tasks.warehouse.db import connect
from tests.flows.test_loop import _artifact
from tests.flows.test_orchestration import _events
from tests.llm_server import LLMServer, Reply, pairwise_reply, rubric_reply
from tests.tasks.pairs_helpers import repaired_case

CLUSTERS = {"cl-visa": "visa", "cl-tax": "tax", "cl-train": "train"}


@pytest.fixture
def evalsets(tmp_path) -> tuple[str, str]:
    """A warehouse whose eval set holds 4 cases of each of three clusters."""
    warehouse, root = str(tmp_path / "wh.duckdb"), str(tmp_path / "evalsets")
    con = connect(warehouse)
    n = 0
    for cluster, topic in CLUSTERS.items():
        for i in range(8):
            n += 1
            repaired_case(
                con,
                n,
                f"Question {i} about my {topic} case: what are all the steps, number {i * 7}?",
                original=f"Some {topic} steps.",
                repair=f"Every {topic} step in order, with the documents each needs.",
                cluster=cluster,
            )
    build_preference_pairs(con, "r1", BuildSettings(eval_holdout_share=0.5))
    published = publish_eval_set(con, "r1", root, "prefs")
    con.close()
    assert published.rows == 12
    return warehouse, root


def candidate_fixing(*topics: str, fail_first: bool = False):
    """A candidate model: a real fix for prompts about ``topics``, the old mistake otherwise."""
    failed = []

    def script(body: dict, n: int) -> Reply:
        question = body["messages"][-1]["content"]
        if fail_first and not failed:
            failed.append(question)
            return Reply(status=500)
        topic = next(t for t in CLUSTERS.values() if t in question)
        if topic in topics:
            return Reply(f"FIXED: every {topic} step, in order, with its documents.")
        return Reply(f"Some {topic} steps.")

    return script


def judge(body: dict, n: int) -> Reply:
    """Prefers the answer that fixes the failure (marked FIXED), else the longer one, else a
    tie; rubric: good iff fixed."""
    prompt = json.dumps(body["messages"])
    if "<answer_a>" in body["messages"][0]["content"]:
        text = body["messages"][0]["content"]
        a = text.split("<answer_a>")[1].split("</answer_a>")[0]
        b = text.split("<answer_b>")[1].split("</answer_b>")[0]
        if ("FIXED" in a) != ("FIXED" in b):
            return Reply(pairwise_reply("[[A]]" if "FIXED" in a else "[[B]]"))
        if len(a) != len(b):  # otherwise the fuller answer (a reference beats a mistake)
            return Reply(pairwise_reply("[[A]]" if len(a) > len(b) else "[[B]]"))
        return Reply(pairwise_reply("[[tie]]"))
    return Reply(rubric_reply("good", 9) if "FIXED" in prompt else rubric_reply("bad", 3))


def _config(evalsets, server, judge_server) -> EvaluateConfig:
    warehouse, root = evalsets
    return EvaluateConfig(
        warehouse=warehouse,
        evalsets=root,
        evalset="prefs",
        candidate=CandidateSettings(
            base_url=server.base_url, model="candidate", max_retries=0, concurrency=4
        ),
        gate=GateSettings(min_fix_rate=0.6, max_cluster_regression=0.25),
    )


def test_fix_rates_regressions_and_the_gate_come_out_as_scripted(
    prefect_server, evalsets, monkeypatch, capsys
):
    with LLMServer(judge) as judge_server:
        monkeypatch.setenv("OPENAI_API_KEY", "sk-judge")
        monkeypatch.setenv("OPENAI_BASE_URL", judge_server.base_url)
        monkeypatch.setenv("BADCASE_LLM_MODEL", "judge-model")

        # v1 fixes visa and tax, not train: 8 of 12 fixed, promoted (nothing to regress from)
        with LLMServer(candidate_fixing("visa", "tax")) as v1:
            config = _config(evalsets, v1, judge_server)
            config.candidate.model = "candidate-v1"
            first = evaluate_candidate(config)
        assert first.decision == "promote" and first.baseline is None
        assert (first.judged, first.fix_rate) == (12, round(8 / 12, 4))
        assert first.interval == wilson(8, 12)
        # the FIXED answers beat the reference too; the old mistakes lose to it
        assert first.reference_rate == round(8 / 12, 4)
        rates = {c["key"]: c["rate"] for c in first.clusters}
        assert rates == {"cl-visa": 1.0, "cl-tax": 1.0, "cl-train": 0.0}
        assert len(v1.seen) == 12

        # v2 fixes visa and newly train, but regresses tax: same overall rate, rejected
        with LLMServer(candidate_fixing("visa", "train", fail_first=True)) as v2:
            config = _config(evalsets, v2, judge_server)
            config.candidate.model = "candidate-v2"
            second = evaluate_candidate(config)
            # one replay failed (HTTP 500, no retries): recorded, not judged, asked again
            assert second.judged == 11 and len(v2.seen) == 12
            state = evaluate_candidate(config, return_state=True)
            third = state.result()
            assert len(v2.seen) == 13, "only the failed prompt was asked again"
        judged_requests = len(judge_server.seen)
        # the command line: everything cached now, no server asked; a rejection exits 3
        code = main(
            [
                "evaluate",
                "--base-url",
                v2.base_url,
                "--model",
                "candidate-v2",
                "--evalset",
                "prefs",
                "--warehouse",
                evalsets[0],
                "--evalsets",
                evalsets[1],
            ]
        )
        out = capsys.readouterr().out
        assert code == 3 and "**REJECT**" in out
        assert "replay: 12 cached, 0 answered, 0 failed; judging: 12 cached" in out
        assert len(judge_server.seen) == judged_requests
    assert third.decision == "reject" and third.judged == 12
    assert third.fix_rate == round(8 / 12, 4) and third.baseline == first.candidate
    by_cluster = {c["key"]: c for c in third.clusters}
    assert by_cluster["cl-tax"]["regressed"] and by_cluster["cl-tax"]["rate"] == 0.0
    assert not by_cluster["cl-train"]["regressed"] and by_cluster["cl-train"]["rate"] == 1.0
    assert third.regression_rate == 0.5, "of the two clusters v1 fixed, one regressed"
    assert any(r.startswith("cluster cl-tax regressed") for r in third.reasons)
    # five judge calls per item (rubric, both orders against original and reference);
    # the third run judged only the item that was missing
    assert judged_requests == 5 * (12 + 11 + 1)

    con = duckdb.connect(evalsets[0], read_only=True)
    stored = con.execute(
        "SELECT candidate, decision, fix_rate, judged FROM candidate_evaluations "
        "ORDER BY created_at"
    ).fetchall()
    errors = con.execute(
        "SELECT count(*) FROM candidate_answers WHERE error IS NOT NULL"
    ).fetchone()
    con.close()
    assert [(s[1], s[3]) for s in stored] == [
        ("promote", 12),
        ("reject", 11),
        ("reject", 12),
        ("reject", 12),
    ]
    assert errors == (0,), "the failed replay was replaced by its answer"
    events = _events(EVALUATED_EVENT, lambda e: e["payload"]["model"] == "candidate-v2")
    assert events and events[0]["payload"]["decision"] == "reject"
    report = _artifact(str(state.state_details.flow_run_id), "candidate-evaluation")
    assert "REJECT" in report and "cl-tax" in report


def test_a_spent_budget_stops_cleanly_and_the_rest_is_asked_next_time(evalsets):
    import asyncio

    from tasks.evaluate.candidate import eval_set, replay_eval_prompts

    warehouse, root = evalsets
    _, eval_hash, items = eval_set(root, "prefs", None)
    con = connect(warehouse)
    with LLMServer(candidate_fixing("visa")) as server:
        settings = CandidateSettings(
            base_url=server.base_url, model="c", max_requests=5, concurrency=1
        )
        first = asyncio.run(replay_eval_prompts(con, items, eval_hash, settings))
        assert (first.answered, first.failed) == (5, 0) and "budget" in first.budget_notice
        settings.max_requests = 100
        second = asyncio.run(replay_eval_prompts(con, items, eval_hash, settings))
    con.close()
    assert (second.cached, second.answered, second.budget_notice) == (5, 7, None)
    assert len(server.seen) == 12, "no prompt asked twice"


def test_without_a_judge_or_an_eval_set_nothing_is_asked_and_the_error_is_one_line(
    evalsets, capsys, monkeypatch
):
    warehouse, root = evalsets
    with LLMServer(candidate_fixing("visa")) as server:
        args = ["evaluate", "--base-url", server.base_url, "--model", "c", "--evalset", "prefs"]
        code = main([*args, "--warehouse", warehouse, "--evalsets", root])
        assert code == 2 and "needs an LLM judge" in capsys.readouterr().err
        monkeypatch.setenv("OPENAI_API_KEY", "sk-judge")
        code = main([*args, "--warehouse", warehouse, "--evalsets", root + "-missing"])
        assert code == 2 and "no published set" in capsys.readouterr().err
    assert server.seen == [], "the candidate is not asked before the run can succeed"
