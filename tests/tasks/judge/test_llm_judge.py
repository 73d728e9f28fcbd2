"""The LLM judge stage against a real OpenAI-compatible server on loopback."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

from tasks.ingest.ingest import ingest_logs
from tasks.judge.calibration import CalibrationSettings, update_judge_agreement
from tasks.judge.llm_judge import JudgeSettings, judge_with_llm
from tasks.judge.rubric import prompt_version
from tasks.llm.client import LLMClient, LLMSettings, LLMTarget
from tasks.mine.mine import mine_bad_cases
from tasks.mine.rules import judge_with_rules
from tasks.mine.signals import derive_signals
from tasks.repair.review import export_review, import_review
from tasks.sample.generate import generate_logs
from tasks.sample.quality import mining_quality
from tasks.warehouse.db import connect
from tests.llm_server import LLMServer, Reply, rubric_reply
from tests.tasks.mining_helpers import Conversations

ANSWER = (
    "A Schengen short-stay visa allows up to 180 days in any 90-day period, counted "
    "across all Schengen countries together."
)
WRONG = (
    "A Schengen short-stay visa allows a stay of five full years in any country you like, "
    "and no one will ever check it."
)


def by_answer(body: dict, n: int) -> Reply:
    """Judge by the candidate answer in the prompt: 'five full years' is wrong."""
    prompt = body["messages"][0]["content"]
    candidate = prompt.split("<candidate_answer>")[1]
    if "MALFORMED" in candidate:
        return Reply("I think it is fine.")
    if "FAILING" in candidate:
        return Reply(status=500)
    if "five full years" in candidate:
        return Reply(rubric_reply("bad", 2))
    return Reply(rubric_reply("good", 9))


def build(con) -> dict[str, str]:
    c = Conversations(con)
    ids = {
        "complained": c.turn("c1", 0, ["How long can I stay?"], ANSWER),
        "silent_wrong": c.turn("c2", 0, ["How long can I stay in Schengen?"], WRONG),
        "silent_right": c.turn("c3", 0, ["How long may I stay?"], ANSWER + " Enjoy!"),
        "malformed": c.turn("c4", 0, ["Visa stay?"], ANSWER + " MALFORMED"),
    }
    c.event(ids["complained"], "thumbs_down")
    derive_signals(con, "r1")
    judge_with_rules(con, "r1")
    return ids


def run_judge(con, server, run_id="r1", llm_settings=None, **settings):
    target = LLMTarget(server.base_url, "judge-model", "sk-test")
    settings.setdefault("silent_sample_rate", 1.0)

    async def go():
        llm_s = llm_settings or LLMSettings(backoff_base_s=0.01, max_retries=1)
        async with LLMClient(target, llm_s) as llm:
            return await judge_with_llm(
                con,
                llm,
                run_id,
                JudgeSettings(**settings),
                calibration=CalibrationSettings(share=0),
            )

    return asyncio.run(go())


def judgments(con) -> dict[str, tuple]:
    rows = con.execute(
        "SELECT interaction_id, verdict, score, model, prompt_version, error, evidence "
        "FROM judgments WHERE judge = 'llm:rubric'"
    ).fetchall()
    return {r[0]: r[1:] for r in rows}


def test_candidates_and_a_silent_sample_are_judged_and_stored(con):
    ids = build(con)
    with LLMServer(by_answer) as server:
        summary = run_judge(con, server)
    assert summary.ran and summary.selected == 4 and summary.cached == 0
    assert summary.by_reason == {"above_threshold": 1, "silent_sample": 3}
    assert summary.verdicts == {"bad": 1, "good": 2} and summary.parse_errors == 1
    rows = judgments(con)
    verdict, score, model, version, error, evidence = rows[ids["silent_wrong"]]
    assert (verdict, score, model, version, error) == (
        "bad",
        2.0,
        "judge-model",
        prompt_version(),
        None,
    )
    assert "accuracy" in json.loads(evidence)["rubric"]
    verdict, score, *_, error, evidence = rows[ids["malformed"]]
    assert verdict is None and score is None and error.startswith("parse_error")
    assert json.loads(evidence)["raw"].count("I think it is fine.") == 2, "raw output kept"
    assert summary.requests == 5, "one per item, and one repair request for the malformed one"


def test_rerun_makes_no_repeat_calls(con):
    build(con)
    with LLMServer(by_answer) as server:
        run_judge(con, server)
        first = len(server.seen)
        again = run_judge(con, server, run_id="r2")
    assert len(server.seen) == first, "verdicts and parse errors are cached"
    assert again.selected == 0 and again.cached == 4
    assert (
        con.execute("SELECT count(*) FROM judgments WHERE judge = 'llm:rubric'").fetchone()[0] == 4
    )


def test_a_new_prompt_version_or_model_is_a_cache_miss(con):
    build(con)
    with LLMServer(by_answer) as server:
        run_judge(con, server)
        con.execute(
            "UPDATE judgments SET prompt_version = 'rubric_judge@old' WHERE judge LIKE 'llm:%'"
        )
        again = run_judge(con, server, run_id="r2")
    assert again.selected == 4 and again.cached == 0


def test_llm_verdicts_feed_mining(con):
    ids = build(con)
    with LLMServer(by_answer) as server:
        run_judge(con, server)
    mine_bad_cases(con, "r1")
    cases = dict(con.execute("SELECT interaction_id, judges FROM bad_cases").fetchall())
    assert cases[ids["silent_wrong"]] == ["llm:rubric"], "a silent failure the LLM caught"
    assert ids["silent_right"] not in cases and ids["malformed"] not in cases
    # the user's thumbs down against a trusted judge's "good": disputed, for people (issue 16)
    assert ids["complained"] not in cases
    deviation = con.execute(
        "SELECT deviation FROM bad_cases WHERE interaction_id = ?", [ids["silent_wrong"]]
    ).fetchone()[0]
    assert abs(deviation - 8 / 9) < 1e-6, "score 2 of 10 is severity (10 - 2) / 9"


def test_failed_calls_are_recorded_then_retried_next_run(con):
    ids = build(con)
    c = Conversations(con)
    failing = c.turn("c5", 0, ["How long?"], ANSWER + " FAILING")
    derive_signals(con, "r1")
    judge_with_rules(con, "r1")
    with LLMServer(by_answer) as server:
        summary = run_judge(con, server)
        assert summary.call_failures == {"server_error": 1}
        verdict, *_, error, _ = judgments(con)[failing]
        assert verdict is None and error.startswith("call_failed: server_error after 2 attempt")
        server.script = lambda body, n: Reply(rubric_reply("acceptable", 7))
        # no silent sample this time: the failed item comes back only as a retry
        again = run_judge(con, server, run_id="r2", silent_sample_rate=0.0)
    assert again.selected == 1 and again.by_reason == {"retry_failed": 1}
    verdict, score, *_, error, _ = judgments(con)[failing]
    assert (verdict, score, error) == ("acceptable", 7.0, None), "the failure row is replaced"
    assert len(judgments(con)) == len(ids) + 1


def test_a_spent_budget_stops_cleanly_and_resumes(con):
    build(con)
    with LLMServer(by_answer) as server:
        spent = run_judge(
            con, server, llm_settings=LLMSettings(max_requests=2, concurrency=1, max_retries=0)
        )
        assert spent.budget_notice == "LLM request budget of 2 is spent"
        assert spent.budget_skipped >= 2 and len(server.seen) == 2
        rows = judgments(con)
        assert len(rows) == 4, "every selected item has a verdict or a recorded error"
        assert sum(r[4] == "budget_exhausted" for r in rows.values()) == spent.budget_skipped
        resumed = run_judge(con, server, run_id="r2")
    assert resumed.budget_notice is None
    assert resumed.selected == spent.budget_skipped, "only what was not decided is asked again"
    assert all(r[4] != "budget_exhausted" for r in judgments(con).values())


def test_item_limit_keeps_the_worst_first(con):
    ids = build(con)
    with LLMServer(by_answer) as server:
        summary = run_judge(con, server, max_items=1)
    assert summary.selected == 1 and summary.over_limit == 3
    assert list(judgments(con)) == [ids["complained"]]


def test_no_silent_sample_when_the_rate_is_zero(con):
    ids = build(con)
    with LLMServer(by_answer) as server:
        summary = run_judge(con, server, silent_sample_rate=0.0)
    assert list(judgments(con)) == [ids["complained"]] and summary.by_reason == {
        "above_threshold": 1
    }


def _label_calibration(con, human_says: dict[str, str]) -> None:
    con.execute(
        "UPDATE review_queue SET status = 'done', reviewer = 'ann', reviewed_at = now(), "
        "label = CASE interaction_id "
        + " ".join(f"WHEN '{k}' THEN '{v}'" for k, v in human_says.items())
        + " END WHERE kind = 'judge_calibration'"
    )


def test_calibration_queue_kappa_and_the_sole_evidence_cutoff(con):
    ids = build(con)
    with LLMServer(by_answer) as server:
        target = LLMTarget(server.base_url, "judge-model", "sk-test")

        async def go():
            async with LLMClient(target, LLMSettings(max_retries=0)) as llm:
                return await judge_with_llm(
                    con,
                    llm,
                    "r1",
                    JudgeSettings(silent_sample_rate=1.0),
                    calibration=CalibrationSettings(share=1.0),
                )

        summary = asyncio.run(go())
    assert summary.queued_for_calibration == 3, "every decided item (parse errors have none)"
    queued = con.execute(
        "SELECT interaction_id, judge_verdict, status FROM review_queue ORDER BY 1"
    ).fetchall()
    assert {q[0] for q in queued} == {ids["complained"], ids["silent_wrong"], ids["silent_right"]}
    # People disagree on the silent one: the judge called it bad, they say it is fine.
    _label_calibration(
        con,
        {ids["complained"]: "good", ids["silent_wrong"]: "good", ids["silent_right"]: "good"},
    )
    [overall, *_] = update_judge_agreement(con)
    # judge bad on 1 of 3, people on 0 of 3: po = 2/3, pe = 2/3 * 1 = 2/3 -> kappa 0
    assert overall.scene == "*" and overall.labels == 3
    assert abs(overall.agreement - 2 / 3) < 1e-6 and abs(overall.kappa) < 1e-6
    summary = mine_bad_cases(
        con, "r1", calibration=CalibrationSettings(min_labels=3, min_kappa=0.6)
    )
    assert summary.untrusted_judges[0].startswith("llm:rubric|judge-model|")
    cases = {r[0] for r in con.execute("SELECT interaction_id FROM bad_cases").fetchall()}
    assert ids["silent_wrong"] not in cases, "an untrusted judge is not sole evidence"
    assert ids["complained"] in cases


def test_each_row_records_the_reply_format_that_produced_it(con):
    """Issue 19: a server honouring structured outputs gives json_schema rows; one refusing
    them is asked once and gives text rows."""
    from tests.llm_server import structured_sound_llm

    build(con)
    with LLMServer(structured_sound_llm) as server:
        summary = run_judge(con, server)
    formats = con.execute(
        "SELECT DISTINCT evidence->>'reply_format' FROM judgments WHERE judge = 'llm:rubric'"
    ).fetchall()
    assert summary.verdicts == {"good": 4} and formats == [("json_schema",)]
    con.execute("DELETE FROM judgments WHERE judge = 'llm:rubric'")
    with LLMServer(structured_sound_llm, structured="refuse") as server:
        summary = run_judge(con, server)
    formats = con.execute(
        "SELECT DISTINCT evidence->>'reply_format' FROM judgments WHERE judge = 'llm:rubric'"
    ).fetchall()
    assert summary.verdicts == {"good": 4} and formats == [("text",)]
    assert summary.requests == 5, "one refused structured request, then text for all"


def _label_file(path, out, labels: dict[str, str]) -> None:
    rows = [json.loads(line) for line in path.read_text().splitlines()]
    for row in rows:
        row.update(label=labels[row["interaction_id"]], reviewer="ann", reviewed_at="2026-11-02")
    out.write_text("".join(json.dumps(r) + "\n" for r in rows))


def _calibration_items(con) -> list[tuple]:
    return con.execute(
        "SELECT interaction_id, reason, judge_verdict, status FROM review_queue "
        "WHERE kind = 'judge_calibration' ORDER BY 1"
    ).fetchall()


def test_a_trusted_good_clears_implicit_evidence_and_disputes_explicit_feedback(con, tmp_path):
    """Issue 16: a trusted judge's "good" clears badness from signals and rules; against a
    thumbs down it makes a dispute that waits for a person, whose label settles it."""
    ids = build(con)
    c = Conversations(con)
    ids["retried"] = c.turn("c6", 0, ["Schengen stay limit?"], ANSWER + " Cheers.")
    c.event(ids["retried"], "regenerate")
    ids["cut"] = c.turn("c7", 0, ["Schengen rules?"], ANSWER[:60], finish_reason="length")
    ids["cut_wrong"] = c.turn(
        "c8", 0, ["Schengen rules, briefly?"], WRONG[:60], finish_reason="length"
    )
    derive_signals(con, "r1")
    judge_with_rules(con, "r1")
    before = mine_bad_cases(con, "r0")
    mined = {r[0] for r in con.execute("SELECT interaction_id FROM bad_cases").fetchall()}
    assert {ids["complained"], ids["retried"], ids["cut"], ids["cut_wrong"]} <= mined
    assert before.disputed == 0
    with LLMServer(by_answer) as server:
        run_judge(con, server)
    summary = mine_bad_cases(con, "r1")
    cases = {r[0] for r in con.execute("SELECT interaction_id FROM bad_cases").fetchall()}
    assert ids["retried"] not in cases and ids["cut"] not in cases, "cleared by a trusted good"
    assert ids["cut_wrong"] in cases, "the judge found it bad too"
    assert ids["complained"] not in cases, "disputed: not a bad case until a person decides"
    assert summary.disputed == 1 and summary.cleared_by_judge == 2
    assert _calibration_items(con) == [(ids["complained"], "disputed", "good", "pending")]
    mine_bad_cases(con, "r2")  # re-mining queues nothing twice
    assert len(_calibration_items(con)) == 1
    # A person exports the queue, says the answer was bad after all, imports it.
    exported = export_review(con, tmp_path / "review.jsonl", ("judge_calibration",))
    item = json.loads(Path(exported.jsonl).read_text())
    assert "judge_verdict" not in item and item["judge_rationale"] is None, "blind"
    _label_file(Path(exported.jsonl), tmp_path / "done.jsonl", {ids["complained"]: "bad"})
    import_review(con, tmp_path / "done.jsonl")
    derive_signals(con, "r3")
    judge_with_rules(con, "r3")
    settled = mine_bad_cases(con, "r3")
    cases = {r[0] for r in con.execute("SELECT interaction_id FROM bad_cases").fetchall()}
    assert ids["complained"] in cases and settled.disputed == 0, "settled by the person: bad"


def test_a_dispute_a_person_finds_fine_stays_out(con, tmp_path):
    ids = build(con)
    with LLMServer(by_answer) as server:
        run_judge(con, server)
    mine_bad_cases(con, "r1")
    exported = export_review(con, tmp_path / "review.jsonl", ("judge_calibration",))
    _label_file(Path(exported.jsonl), tmp_path / "done.jsonl", {ids["complained"]: "good"})
    import_review(con, tmp_path / "done.jsonl")
    derive_signals(con, "r2")
    judge_with_rules(con, "r2")
    summary = mine_bad_cases(con, "r2")
    cases = {r[0] for r in con.execute("SELECT interaction_id FROM bad_cases").fetchall()}
    assert ids["complained"] not in cases and summary.disputed == 0
    assert summary.cleared_by_judge == 1


def _truth_by_prompt(con, ground_truth: Path) -> dict[tuple[str, str], bool]:
    """(conversation, answer) as the judge sees them -> whether a failure was planted."""
    bad = {
        t["interaction_id"]: t["bad"]
        for t in map(json.loads, ground_truth.read_text().splitlines())
    }
    truth: dict[tuple[str, str], bool] = {}
    rows = con.execute(
        "SELECT interaction_id, [{'role': m.role, 'content': m.content} FOR m IN messages], "
        "response_content FROM interactions"
    ).fetchall()
    for iid, context, answer in rows:
        key = (json.dumps(context, ensure_ascii=False), answer)
        truth[key] = truth.get(key, False) or bad.get(iid, False)
    return truth


def knows_the_truth(truth: dict[tuple[str, str], bool]):
    """A script: the rubric judge that knows the generator's ground truth."""

    def script(body: dict, n: int) -> Reply:
        prompt = body["messages"][0]["content"]
        conversation = prompt.rsplit("<conversation>\n", 1)[1].split("\n</conversation>")[0]
        answer = prompt.rsplit("<candidate_answer>\n", 1)[1].split("\n</candidate_answer>")[0]
        key = (json.dumps(json.loads(conversation), ensure_ascii=False), json.loads(answer))
        return Reply(rubric_reply("bad", 2) if truth[key] else rubric_reply("good", 9))

    return script


def _false_alarms(con, ground_truth: Path) -> None:
    """Noise the judge must see through: a regenerate on one good answer in 8 (implicit:
    cleared by the judge) and a thumbs down on one in 40 (explicit: disputed)."""
    truth = {t["interaction_id"]: t for t in map(json.loads, ground_truth.read_text().splitlines())}
    rows = con.execute(
        "SELECT interaction_id, conversation_id, ts FROM interactions ORDER BY interaction_id"
    ).fetchall()
    good = [r for r in rows if r[0] in truth and not truth[r[0]]["bad"]]
    events = [
        (f"noise-{k}", iid, conv, ts, kind, None)
        for k, (iid, conv, ts) in enumerate(good)
        for kind in (["regenerate"] if k % 8 == 0 else ["thumbs_down"] if k % 40 == 1 else [])
    ]
    con.executemany(
        "INSERT INTO events VALUES (?, ?, ?, ?, ?, ?, NULL, 'noise.jsonl', 'r0')", events
    )


def _mine_all(con, landing: Path) -> None:
    ingest_logs(con, landing, "r1")
    _false_alarms(con, landing / "ground_truth.jsonl")
    derive_signals(con, "r1")
    judge_with_rules(con, "r1")


def test_a_judge_that_knows_the_truth_lifts_precision_at_unchanged_recall(tmp_path):
    """Issue 16: with a perfect (scripted) trusted judge, the mined set is nearly exact:
    precision >= 0.97 and recall no lower than without an LLM, on the same generated logs
    (with false alarms added on good answers, implicit and explicit)."""
    landing = tmp_path / "landing"
    generate_logs(landing, 6000, seed=21, days=3, corrupt_rate=0.01)
    truth_file = landing / "ground_truth.jsonl"
    without = connect(":memory:")
    _mine_all(without, landing)
    mine_bad_cases(without, "r1")
    plain = mining_quality(without, truth_file)
    con = connect(":memory:")
    _mine_all(con, landing)
    with LLMServer(knows_the_truth(_truth_by_prompt(con, truth_file))) as server:
        summary = run_judge(
            con, server, llm_settings=LLMSettings(concurrency=16), silent_sample_rate=0.02
        )
    assert summary.parse_errors == 0 and not summary.call_failures
    mined = mine_bad_cases(con, "r1")
    judged = mining_quality(con, truth_file)
    assert plain.precision < 0.9, "the noise makes false alarms without a judge"
    assert judged.precision >= 0.97, (plain, judged, mined)
    assert judged.recall >= plain.recall, (plain, judged)
    assert mined.cleared_by_judge > 0 and mined.disputed > 0
    queued = con.execute("SELECT count(*) FROM review_queue WHERE reason = 'disputed'").fetchone()[
        0
    ]
    assert queued == mined.disputed, "every dispute waits for a person"
