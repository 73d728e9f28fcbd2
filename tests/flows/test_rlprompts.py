"""build-rl-prompts against loopback servers: a policy that solves each cluster's prompts
at a scripted rate; the band keeps the ones of useful difficulty, easiest first."""

from __future__ import annotations

import threading
from collections import Counter

import duckdb

from flows.config import LoopConfig
from flows.rlprompts import build_rl_prompts
from tasks.evaluate.rlprompts import RL_FILE
from tasks.publish.build import BuildSettings, build_preference_pairs
from tasks.publish.sets import read_set
from tasks.warehouse.db import connect
from tests.flows.test_evaluate import judge
from tests.llm_server import LLMServer, Reply
from tests.tasks.pairs_helpers import repaired_case

# of 8 samples, how many fix the failure: too easy, in the band, in the band, too hard
SOLVED = {"visa": 7, "tax": 4, "train": 3, "food": 0}


QUESTIONS = {
    "visa": [
        "Which papers does the embassy want for a visa?",
        "How long does a visa interview usually take in Osaka?",
        "Can my visa be extended while I wait for a job offer?",
        "Do children need their own visa photo?",
    ],
    "tax": [
        "Is my home office deductible on the tax return?",
        "When is the quarterly tax payment due for freelancers?",
        "How do I correct a tax filing I already submitted?",
        "Does selling old furniture count as taxable income?",
    ],
    "train": [
        "Which train pass covers the Kyoto to Nara line?",
        "Can I bring a bicycle on the night train to Munich?",
        "What happens if my connecting train is cancelled?",
        "Are train seats cheaper when booked a month ahead?",
    ],
    "food": [
        "Is the food at the airport lounge halal certified?",
        "How should cooked rice be stored as safe food overnight?",
        "Which food allergens must a menu list by law?",
        "Can I ship homemade food across the border?",
    ],
}


def policy():
    seen: Counter = Counter()
    lock = threading.Lock()

    def script(body: dict, n: int) -> Reply:
        question = body["messages"][-1]["content"]
        topic = next(t for t in SOLVED if t in question)
        with lock:
            k = seen[question]
            seen[question] += 1
        if k < SOLVED[topic]:
            return Reply(f"FIXED: the full {topic} answer.")
        return Reply(f"Some {topic} steps.")

    return script


def test_the_band_and_the_curriculum_come_out_as_scripted(prefect_server, tmp_path, monkeypatch):
    config = LoopConfig(warehouse=str(tmp_path / "wh.duckdb"), datasets=str(tmp_path / "ds"))
    con = connect(config.warehouse)
    n = 0
    for topic in SOLVED:
        for i in range(4):
            n += 1
            repaired_case(
                con,
                n,
                QUESTIONS[topic][i],
                original=f"Some {topic} steps.",
                repair=f"The full {topic} answer, step by step.",
                cluster=f"cl-{topic}",
            )
    build_preference_pairs(con, "r1", BuildSettings(eval_holdout_share=0.5))
    held_out = {
        r[0] for r in con.execute("SELECT case_id FROM eval_split WHERE split = 'eval'").fetchall()
    }
    con.close()
    assert len(held_out) == 8

    with LLMServer(judge) as judge_server, LLMServer(policy()) as model:
        monkeypatch.setenv("OPENAI_API_KEY", "sk-judge")
        monkeypatch.setenv("OPENAI_BASE_URL", judge_server.base_url)
        config.rl.policy_base_url = model.base_url
        config.rl.policy_model = "policy-v1"
        first = build_rl_prompts(config)
        assert len(model.seen) == 8 * 8, "8 training-side prompts, 8 samples each"
        again = build_rl_prompts(config)
        assert len(model.seen) == 64, "samples are cached per policy"

    c = first.calibration
    assert (c.prompts, c.kept, c.too_easy, c.too_hard, c.unsettled) == (8, 4, 2, 2, 0)
    assert first.published.status == "published" and first.published.version == "v0001"
    assert again.published.status == "unchanged"
    _, manifest, table = read_set(config.rlsets_root, config.dataset_name, RL_FILE)
    rows = table.to_pylist()
    assert [r["rank"] for r in rows] == [1, 2, 3, 4]
    assert [r["pass_rate"] for r in rows] == [0.5, 0.5, 0.375, 0.375], "easiest first"
    assert [r["cluster_id"] for r in rows] == ["cl-tax", "cl-tax", "cl-train", "cl-train"]
    assert not {r["prompt_id"] for r in rows} & held_out, "no eval case becomes an RL prompt"
    assert all(r["reference"].startswith("The full") for r in rows)
    assert '"original": "Some tax steps."' in rows[0]["verifier"]
    assert manifest["band"] == [0.3, 0.7] and manifest["validation"]["success"]
    con = duckdb.connect(config.warehouse, read_only=True)
    stored = con.execute(
        "SELECT count(*), count(*) FILTER (WHERE passed) FROM rl_samples"
    ).fetchone()
    con.close()
    assert stored == (64, 2 * (7 + 4 + 3 + 0))


def test_without_a_policy_endpoint_nothing_is_built(prefect_server, tmp_path):
    config = LoopConfig(warehouse=str(tmp_path / "wh.duckdb"), datasets=str(tmp_path / "ds"))
    connect(config.warehouse).close()
    summary = build_rl_prompts(config)
    assert "no policy endpoint" in summary.calibration.notice
    assert summary.published.status == "empty"
