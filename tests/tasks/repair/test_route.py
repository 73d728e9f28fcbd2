"""Routing: every bad case gets a route and a reason; human ones reach the expert queue."""

from __future__ import annotations

from tasks.repair.route import RoutingSettings, route_bad_cases


def add_case(con, n, *, scene="visa", cluster="cl-a", badness=0.9, priority=1.0, request="Q?"):
    iid = f"i{n}"
    con.execute(
        "INSERT INTO interactions VALUES (?, ?, 0, now(), 'u', ?, 'm', "
        "[{'role': 'user', 'content': ?, 'name': NULL, 'tool_call_id': NULL, "
        "'tool_calls': NULL}], 'An answer.', 'stop', NULL, NULL, NULL, NULL, NULL, 'f', 'r0')",
        [iid, f"c{n}", scene, request or ""],
    )
    con.execute(
        "INSERT INTO bad_cases VALUES (?, ?, ?, ?, ?, ?, ['thumbs_down'], [], 1, 0, ?, ?, false, "
        "'new', 'r0')",
        [f"bc-{n}", iid, f"c{n}", cluster, scene, request, badness, priority],
    )
    return f"bc-{n}"


def routes(con):
    return {
        r[0]: (r[1], r[2])
        for r in con.execute("SELECT case_id, route, reason FROM routes").fetchall()
    }


def test_each_rule_of_the_policy(con):
    add_case(con, 1)
    add_case(con, 2, scene="health")
    add_case(con, 3, badness=0.55)
    add_case(con, 4, request=None)
    add_case(con, 5, scene="spam")
    summary = route_bad_cases(con, "r1", RoutingSettings(drop_scenes=["spam"]), llm_available=True)
    assert routes(con) == {
        "bc-1": ("llm_rewrite", "llm_repairable"),
        "bc-2": ("human_review", "high_risk_scene"),
        "bc-3": ("kto_only", "weak_evidence"),
        "bc-4": ("drop", "no_request"),
        "bc-5": ("drop", "excluded_scene"),
    }
    assert summary.routed == 5 and summary.by_route["drop"] == 2
    assert summary.queued_for_experts == 1
    status = dict(con.execute("SELECT case_id, status FROM bad_cases").fetchall())
    assert status == {
        "bc-1": "routed",
        "bc-2": "in_review",
        "bc-3": "kto_only",
        "bc-4": "dropped",
        "bc-5": "dropped",
    }


def test_without_an_llm_repairs_go_to_people(con):
    add_case(con, 1)
    route_bad_cases(con, "r1", llm_available=False)
    assert routes(con) == {"bc-1": ("human_review", "no_llm")}
    item = con.execute(
        "SELECT kind, case_id, reason, judge_rationale, status FROM review_queue"
    ).fetchone()
    assert item == ("expert_repair", "bc-1", "no_llm", "signals: thumbs_down", "pending")


def test_the_rewrite_budget_takes_the_highest_priority_first(con):
    for n, priority in enumerate([1.0, 5.0, 3.0]):
        add_case(con, n, cluster=f"cl-{n}", priority=priority)
    route_bad_cases(con, "r1", RoutingSettings(max_llm_rewrites=2), llm_available=True)
    assert routes(con) == {
        "bc-0": ("kto_only", "rewrite_budget"),
        "bc-1": ("llm_rewrite", "llm_repairable"),
        "bc-2": ("llm_rewrite", "llm_repairable"),
    }


def test_the_cluster_quota_holds_across_runs(con):
    add_case(con, 1, priority=2.0)
    add_case(con, 2, priority=1.0)
    settings = RoutingSettings(max_cases_per_cluster=2)
    route_bad_cases(con, "r1", settings, llm_available=True)
    add_case(con, 3, priority=9.0)
    second = route_bad_cases(con, "r2", settings, llm_available=True)
    assert second.routed == 1, "routed cases keep their route"
    assert routes(con)["bc-3"] == ("kto_only", "cluster_quota")
    assert routes(con)["bc-1"] == ("llm_rewrite", "llm_repairable")


def test_rerouting_is_idempotent(con):
    add_case(con, 1, scene="health")
    route_bad_cases(con, "r1")
    again = route_bad_cases(con, "r2")
    assert again.routed == 0 and again.queued_for_experts == 0
    assert con.execute("SELECT count(*) FROM review_queue").fetchone() == (1,)


def test_no_kto_negative_rests_on_unreliable_signals_alone(con):
    """Issue 16: a weak case whose only evidence is a rephrase (or refinement, abandonment)
    is dropped, not kept as an unpaired KTO negative; a rule verdict beside it is solid."""
    for n in (1, 2, 3):
        add_case(con, n, badness=0.55, cluster=f"cl-{n}")
    con.execute("UPDATE bad_cases SET signals = ['rephrase', 'thanks'] WHERE case_id = 'bc-1'")
    con.execute(
        "UPDATE bad_cases SET signals = ['rephrase'], judges = ['rule:cut_off'] "
        "WHERE case_id = 'bc-2'"
    )
    route_bad_cases(con, "r1", llm_available=True)
    assert routes(con) == {
        "bc-1": ("drop", "unreliable_evidence"),
        "bc-2": ("kto_only", "weak_evidence"),
        "bc-3": ("kto_only", "weak_evidence"),
    }
