"""Building pairs: TRL format, redaction, dedup, decontamination, supersession."""

from __future__ import annotations

import json

from tasks.publish.build import BuildSettings, build_preference_pairs
from tests.tasks.pairs_helpers import add_repair, repaired_case


def pairs(con):
    rows = con.execute(
        "SELECT case_id, status, exclusion_reason, duplicate_of, pair_id FROM preference_pairs"
    ).fetchall()
    return {r[0]: r[1:] for r in rows}


def test_a_pair_in_trl_conversational_format_with_metadata(con):
    case = repaired_case(con, 1, "What do I need for a Japan visa?")
    summary = build_preference_pairs(con, "r1")
    assert (summary.new_pairs, summary.eligible) == (1, 1)
    row = con.execute(
        "SELECT prompt, chosen, rejected, category, rewrite_source, chosen_chars, "
        "rejected_chars, scene, pair_id FROM preference_pairs WHERE case_id = ?",
        [case],
    ).fetchone()
    prompt, chosen, rejected, category, source, chosen_chars, rejected_chars, scene, pid = row
    assert prompt == [
        {"role": "system", "content": "Be helpful."},
        {"role": "user", "content": "What do I need for a Japan visa?"},
    ]
    assert chosen == [{"role": "assistant", "content": row[1][0]["content"]}]
    assert chosen[0]["content"].startswith("A passport, the application form")
    assert rejected == [{"role": "assistant", "content": "Just a passport."}]
    assert (category, source, scene) == ("user_signal", "human", "visa")
    assert (chosen_chars, rejected_chars) == (len(chosen[0]["content"]), 16)
    again = build_preference_pairs(con, "r2")
    assert again.new_pairs == 0 and pairs(con)[case][3] == pid, "ids are deterministic"


def test_planted_pii_never_reaches_a_pair(con):
    repaired_case(
        con,
        1,
        "I'm ann@example.com, my card is 4111 1111 1111 1111 — which visa?",
        original="Call us at +1 (415) 555-2671.",
        repair="Use key sk-proj-abcdefghijklmnopqrstuvwx0123 to apply, or write to visa@gov.jp.",
    )
    summary = build_preference_pairs(con, "r1")
    text = json.dumps(
        con.execute("SELECT prompt, chosen, rejected FROM preference_pairs").fetchall()
    )
    for leak in ("ann@example.com", "4111", "555-2671", "sk-proj", "visa@gov.jp"):
        assert leak not in text
    assert summary.redacted == {"email": 2, "card": 1, "phone": 1, "api_key": 1}


def test_duplicates_and_near_duplicates_are_kept_out_with_what_they_duplicate(con):
    # the worst original comes first among equals, so a is the one kept
    a = repaired_case(
        con, 1, "What documents do I need to apply for a Japan tourist visa?", badness=1.0
    )
    b = repaired_case(con, 2, "What documents do I need to apply for a Japan tourist visa?")
    c = repaired_case(con, 3, "What documents do I need to apply for a Japan tourist visa??!")
    d = repaired_case(con, 4, "What documents do I need to apply for a Japanese tourist visa?")
    e = repaired_case(con, 5, "How long can I stay in Schengen?")
    build_preference_pairs(con, "r1")
    got = pairs(con)
    assert got[a][:2] == ("eligible", None) and got[e][:2] == ("eligible", None)
    assert got[b][:3] == ("excluded", "duplicate_prompt", got[a][3])
    assert got[c][:3] == ("excluded", "duplicate_prompt", got[a][3]), "punctuation is not content"
    assert got[d][:3] == ("excluded", "near_duplicate_prompt", got[a][3])


def test_a_published_pair_wins_over_a_new_near_duplicate(con):
    old = repaired_case(
        con,
        1,
        "What documents do I need to apply for a Japan tourist visa?",
        source="llm",
        badness=0.6,
    )
    build_preference_pairs(con, "r1")
    con.execute("UPDATE preference_pairs SET first_version = 'v0001'")
    new = repaired_case(
        con,
        2,
        "What documents do I need to apply for a Japan tourist visa!",
        source="human",
        badness=1.0,
    )
    build_preference_pairs(con, "r2")
    assert pairs(con)[old][0] == "eligible"
    assert pairs(con)[new][:2] == ("excluded", "duplicate_prompt")


def test_eval_prompts_decontaminate_the_set(con, tmp_path):
    leaked = repaired_case(con, 1, "What documents do I need to apply for a Japan tourist visa?")
    clean = repaired_case(con, 2, "Wie lange darf ich mit einem Schengen-Visum bleiben?")
    chinese = repaired_case(con, 3, "我想办日本旅游签证，需要准备哪些材料？", scene="visa")
    evals = tmp_path / "eval.jsonl"
    evals.write_text(
        json.dumps({"prompt": "what documents do I need to apply for a japan tourist visa"})
        + "\n"
        + json.dumps({"messages": [{"role": "user", "content": "办日本旅游签证需要准备哪些材料"}]})
        + "\n"
    )
    (tmp_path / "more.txt").write_text("An unrelated eval question about cooking rice.\n")
    settings = BuildSettings(eval_sets=[str(evals), str(tmp_path / "more.txt")])
    summary = build_preference_pairs(con, "r1", settings)
    got = pairs(con)
    assert got[leaked][:2] == ("excluded", "eval_contamination")
    assert got[chinese][:2] == ("excluded", "eval_contamination")
    assert got[clean][0] == "eligible"
    assert summary.eval_prompts == 3 and summary.excluded == {"eval_contamination": 2}


def test_a_newer_repair_supersedes_and_a_withdrawn_case_leaves(con):
    case = repaired_case(con, 1, "What do I need for a Japan visa?", source="llm")
    other = repaired_case(con, 2, "How long can I stay in Schengen?")
    build_preference_pairs(con, "r1")
    add_repair(con, case, "The expert's better, complete answer with every document listed.")
    con.execute("UPDATE bad_cases SET status = 'dropped' WHERE case_id = ?", [other])
    build_preference_pairs(con, "r2")
    reasons = con.execute(
        "SELECT case_id, rewrite_source, status, exclusion_reason FROM preference_pairs "
        "ORDER BY case_id, built_at"
    ).fetchall()
    assert reasons == [
        (case, "llm", "excluded", "superseded"),
        (case, "human", "eligible", None),
        (other, "human", "excluded", "case_withdrawn"),
    ]
