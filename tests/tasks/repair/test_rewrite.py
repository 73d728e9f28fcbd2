"""The rewrite stage: repair, verify in both orders and by rules, cluster guidance, experts."""

from __future__ import annotations

import asyncio
import json

from tasks.llm.client import LLMClient, LLMSettings, LLMTarget
from tasks.repair.review import export_review, import_review
from tasks.repair.rewrite import rewrite_bad_cases
from tasks.repair.route import route_bad_cases
from tests.llm_server import (
    REPAIRED,
    LLMServer,
    Reply,
    pairwise_reply,
    rewrite_reply,
    sound_llm,
)
from tests.tasks.repair.test_route import add_case

REQUEST = "What documents do I need to apply for a Japan tourist visa?"


def setup_cases(con, n=3, **kw):
    ids = [add_case(con, i, request=REQUEST, priority=10 - i, **kw) for i in range(n)]
    route_bad_cases(con, "r1", llm_available=True)
    return ids


def run(con, script, run_id="r1", llm=True):
    with LLMServer(script) as server:
        target = LLMTarget(server.base_url, "rewriter", "sk-test")

        async def go():
            if not llm:
                return await rewrite_bad_cases(con, None, run_id)
            async with LLMClient(target, LLMSettings(max_retries=0)) as client:
                return await rewrite_bad_cases(con, client, run_id)

        return asyncio.run(go()), server.seen


def rewrites(con):
    return {
        r[0]: r[1:]
        for r in con.execute(
            "SELECT case_id, verification, verification_reason, answer, guided_by, pairwise "
            "FROM rewrites"
        ).fetchall()
    }


def route_of(con, case_id):
    return con.execute("SELECT route, reason FROM routes WHERE case_id = ?", [case_id]).fetchone()


def test_a_repair_preferred_in_both_orders_is_chosen(con):
    [case] = setup_cases(con, 1)
    summary, seen = run(con, sound_llm)
    assert (summary.attempted, summary.chosen, summary.rejected) == (1, 1, 0)
    verification, reason, answer, _, pairwise = rewrites(con)[case]
    assert (verification, reason) == ("chosen", "pairwise_prefers_rewrite")
    assert answer.startswith(REPAIRED)
    assert json.loads(pairwise) == {
        "preferred": "first",
        "rewrite_as_a": "A",
        "rewrite_as_b": "B",
        "error": None,
    }
    assert len(seen) == 3, "one rewrite, the pairwise judge in both orders"
    row = con.execute(
        "SELECT diagnosis, structure, pattern, model, prompt_version FROM rewrites"
    ).fetchone()
    assert all(row) and row[3] == "rewriter" and row[4].startswith("rewrite@")
    assert con.execute("SELECT status FROM bad_cases").fetchone() == ("repaired",)


def _judging(choice_for_repair_first, choice_for_repair_second):
    """The rewriter repairs; the pairwise judge answers by which position the repair is in."""

    def script(body, n):
        prompt = body["messages"][0]["content"]
        if "<failed_answer>" in prompt:
            return Reply(rewrite_reply(f"{REPAIRED}: passport, form, photos, bank statements."))
        a = prompt.split("<answer_a>")[1].split("</answer_a>")[0]
        return Reply(
            pairwise_reply(choice_for_repair_first if REPAIRED in a else choice_for_repair_second)
        )

    return script


def test_a_position_biased_judge_sends_the_repair_to_people_with_its_draft(con, tmp_path):
    [case] = setup_cases(con, 1)
    summary, _ = run(con, _judging("[[A]]", "[[A]]"))  # always the first position
    assert summary.rejected == 1 and summary.sent_to_experts == 1
    verification, reason, *_ = rewrites(con)[case]
    assert (verification, reason) == ("rejected", "pairwise: the two orders disagree")
    assert route_of(con, case) == ("human_review", "failed_verification")
    export_review(con, tmp_path / "todo.jsonl")
    [item] = [json.loads(x) for x in (tmp_path / "todo.jsonl").read_text().splitlines()]
    assert item["kind"] == "expert_repair" and item["reason"] == "failed_verification"
    assert item["draft"].startswith(REPAIRED)
    assert "rewrite rejected: pairwise: the two orders disagree" in item["judge_rationale"]
    assert con.execute("SELECT status FROM bad_cases").fetchone() == ("in_review",)


def test_the_original_preferred_or_a_tie_is_rejected(con):
    [case] = setup_cases(con, 1)
    run(con, _judging("[[B]]", "[[A]]"))
    assert rewrites(con)[case][:2] == ("rejected", "pairwise: the original is preferred")
    con.execute("DELETE FROM rewrites; DELETE FROM routes; DELETE FROM review_queue")
    route_bad_cases(con, "r2", llm_available=True)
    run(con, _judging("[[tie]]", "[[tie]]"), run_id="r2")
    assert rewrites(con)[case][:2] == ("rejected", "pairwise: a tie, the rewrite is not better")


def test_a_rewrite_that_breaks_a_rule_is_rejected(con):
    [case] = setup_cases(con, 1)

    def script(body, n):
        prompt = body["messages"][0]["content"]
        if "<failed_answer>" in prompt:
            return Reply(rewrite_reply(f"<think>{REPAIRED} passport, form, photos and more"))
        return sound_llm(body, n)

    run(con, script)
    assert rewrites(con)[case][:2] == ("rejected", "rules: rule:unpaired_tags")


def test_an_unparseable_rewrite_is_rejected_with_the_raw_output(con):
    [case] = setup_cases(con, 1)
    _, seen = run(con, lambda body, n: Reply("A better answer would list the papers."))
    assert len(seen) == 2, "one format repair, then no pairwise judging"
    verification, reason, answer, *_ = rewrites(con)[case]
    assert verification == "rejected" and reason.startswith("parse_error") and answer is None
    raw = con.execute("SELECT raw FROM rewrites").fetchone()[0]
    assert raw.count("A better answer") == 2
    assert route_of(con, case) == ("human_review", "failed_verification")


def test_failed_calls_are_tried_again_next_run_and_settled_cases_never(con):
    [case] = setup_cases(con, 1)
    summary, _ = run(con, lambda body, n: Reply(status=503))
    assert summary.failed == 1 and rewrites(con)[case][:2] == ("failed", "call_failed")
    assert route_of(con, case) == ("llm_rewrite", "llm_repairable"), "not sent to people"
    again, seen = run(con, sound_llm, run_id="r2")
    assert again.chosen == 1 and len(seen) == 3
    assert len(rewrites(con)) == 1, "the failed row was replaced"
    third, seen = run(con, sound_llm, run_id="r3")
    assert third.attempted == 0 and seen == [], "a chosen repair is never asked again"


def test_the_first_chosen_repair_of_a_cluster_guides_the_others(con):
    setup_cases(con, 3)
    summary, seen = run(con, sound_llm)
    assert summary.chosen == 3 and summary.guided == 2
    rewriter_prompts = [
        s.body["messages"][0]["content"]
        for s in seen
        if "<failed_answer>" in s.body["messages"][0]["content"]
    ]
    guided = [p for p in rewriter_prompts if "<cluster_pattern>" in p]
    assert len(rewriter_prompts) == 3 and len(guided) == 2
    assert all("List every required item" in p for p in guided)
    pilot = con.execute("SELECT rewrite_id FROM rewrites WHERE case_id = 'bc-0'").fetchone()[0]
    guides = con.execute("SELECT DISTINCT guided_by FROM rewrites WHERE case_id <> 'bc-0'")
    assert guides.fetchall() == [(pilot,)], "the highest-priority case was the pilot"


def test_expert_repairs_come_back_as_chosen_rewrites(con, tmp_path):
    cases = [add_case(con, i, request=REQUEST, cluster=f"cl-{i}") for i in range(2)]
    route_bad_cases(con, "r1", llm_available=False)
    export_review(con, tmp_path / "todo.jsonl")
    rows = [json.loads(x) for x in (tmp_path / "todo.jsonl").read_text().splitlines()]
    for row in rows:
        row.update(reviewer="dr. expert", reviewed_at="2026-11-22T09:00:00+00:00")
        if row["case_id"] == cases[0]:
            row["rewrite"] = "A passport, the form, a photo, bank statements and an itinerary."
        else:
            row["label"] = "acceptable"
    (tmp_path / "done.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    import_review(con, tmp_path / "done.jsonl")
    summary, seen = run(con, sound_llm, llm=False)
    assert seen == [] and not summary.llm_ran
    assert (summary.expert_repairs, summary.expert_no_repair) == (1, 1)
    got = con.execute(
        "SELECT case_id, source, reviewer, verification, answer FROM rewrites"
    ).fetchall()
    assert got == [
        (
            cases[0],
            "human",
            "dr. expert",
            "chosen",
            "A passport, the form, a photo, bank statements and an itinerary.",
        )
    ]
    assert route_of(con, cases[1]) == ("drop", "expert_found_acceptable")
    status = dict(con.execute("SELECT case_id, status FROM bad_cases").fetchall())
    assert status == {cases[0]: "repaired", cases[1]: "dropped"}
    again, _ = run(con, sound_llm, llm=False, run_id="r2")
    assert again.expert_repairs == 0, "collected once"


def test_the_rewriters_reply_format_is_recorded(con):
    """Issue 19: structured outputs where the server honours them; the row says which."""
    from tests.llm_server import structured_sound_llm

    cases = setup_cases(con, 2)
    summary, seen = run(con, structured_sound_llm)
    assert summary.chosen == 2 and all("response_format" in s.body for s in seen)
    formats = con.execute("SELECT case_id, reply_format FROM rewrites").fetchall()
    assert sorted(formats) == sorted((c, "json_schema") for c in cases)
