"""Repaired bad cases written straight into a warehouse, for the build and publish tests."""

from __future__ import annotations

from tasks.warehouse.db import sql


def repaired_case(
    con,
    n: int,
    request: str,
    original: str = "Just a passport.",
    repair: str = "A passport, the application form, two photos and bank statements.",
    *,
    scene: str = "visa",
    source: str = "human",
    badness: float = 0.9,
    cluster: str | None = None,
) -> str:
    """A bad case with a chosen repair; returns its case_id. Each case is its own cluster
    unless ``cluster`` is given (clusters of one are never held out for evals)."""
    iid, case = f"i{n}", f"bc-{n}"
    con.execute(
        "INSERT INTO interactions VALUES (?, ?, 0, now(), 'u', ?, 'm', "
        "[{'role': 'system', 'content': 'Be helpful.', 'name': NULL, 'tool_call_id': NULL, "
        "'tool_calls': NULL}, {'role': 'user', 'content': ?, 'name': NULL, "
        "'tool_call_id': NULL, 'tool_calls': NULL}], ?, 'stop', NULL, NULL, NULL, NULL, NULL, "
        "'f', 'r0')",
        [iid, f"c{n}", scene, request, original],
    )
    con.execute(
        "INSERT INTO bad_cases VALUES (?, ?, ?, ?, ?, ?, ['thumbs_down'], [], 1, 0, ?, 1, "
        "false, 'new', 'r0')",
        [case, iid, f"c{n}", cluster or f"cl-{n}", scene, request, badness],
    )
    add_repair(con, case, repair, source)
    return case


def add_repair(con, case: str, answer: str, source: str = "human") -> None:
    iid = con.execute("SELECT interaction_id FROM bad_cases WHERE case_id = ?", [case]).fetchone()
    n = con.execute("SELECT count(*) FROM rewrites").fetchone()[0]
    con.execute(
        "INSERT INTO rewrites (rewrite_id, case_id, interaction_id, source, answer, "
        "verification, verification_reason, run_id, created_at) "
        "VALUES (?, ?, ?, ?, ?, 'chosen', 'test', 'r0', now() + INTERVAL (?) SECOND)",
        [f"rw-{n}", case, iid[0], source, answer, n],
    )
    con.execute(sql("update_case_status"))
