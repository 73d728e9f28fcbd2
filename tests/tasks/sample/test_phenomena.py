"""The generator's real-traffic shapes: planted with ground truth, and what mining makes of them.

Each shape that is not a failure (a closing, a continuation request after a complete
answer, the next item of a series, a refinement, praise then the next variant, a game
move, an asked-for short reply) is checked twice: the ground truth says it is not a
failure, and the miner does not mine it unless the user reacted negatively (the
generator's noise). Where the miner gets a shape wrong, a strict ``xfail`` test names
the finding (the miner is not tuned on the generator).
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from tasks.ingest.ingest import ingest_logs
from tasks.mine.mine import mine_bad_cases
from tasks.mine.rules import judge_with_rules
from tasks.mine.signals import derive_signals
from tasks.sample.generate import generate_logs
from tasks.sample.quality import mining_quality
from tasks.warehouse.db import connect
from tests.tasks.mining_helpers import Conversations

# Reactions that say "this was bad" (on a good answer they are the generator's noise).
NEGATIVE = (
    "thumbs_down",
    "regenerate",
    "rephrase",
    "clarify",
    "correction",
    "rating_low",
    "edit",
    "escalate",
    "comment",
    "abandon",
)


@pytest.fixture(scope="module")
def mined(tmp_path_factory):
    """6,000 generated interactions, ingested and mined once; ground truth joined."""
    landing = tmp_path_factory.mktemp("phenomena") / "landing"
    summary = generate_logs(landing, 6000, seed=31, days=2)
    con = connect(":memory:")
    ingest_logs(con, landing, "r1")
    derive_signals(con, "r1")
    judge_with_rules(con, "r1")
    mine_bad_cases(con, "r1")
    quality = mining_quality(con, landing / "ground_truth.jsonl")
    yield con, summary, quality
    con.close()


def _rows(con, where: str, params=()) -> list[dict]:
    cur = con.execute(
        "SELECT g.*, i.response_content AS answer, i.finish_reason AS finish, "
        "i.messages[-1].content AS request, b.interaction_id IS NOT NULL AS is_mined, "
        "(SELECT list(signal) FROM signals s WHERE s.interaction_id = g.interaction_id) AS sigs "
        "FROM ground_truth g JOIN interactions i USING (interaction_id) "
        f"LEFT JOIN bad_cases b USING (interaction_id) WHERE {where}",
        list(params),
    )
    names = [d[0] for d in cur.description]
    return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]


def _unprovoked(rows: list[dict]) -> list[dict]:
    return [r for r in rows if r["reaction"] not in NEGATIVE]


def test_every_shape_occurs_and_the_mix_stays_realistic(mined):
    _con, summary, quality = mined
    assert set(summary.by_phenomenon) == {
        "closing",
        "long_answer",
        "continuation",
        "serial",
        "refinement",
        "praise_next",
        "game_move",
        "brief_reply",
    }
    assert all(n >= 30 for n in summary.by_phenomenon.values()), summary.by_phenomenon
    shaped = sum(summary.by_phenomenon.values())
    assert 0.2 < shaped / summary.interactions < 0.5, "the classic asks stay the majority"
    assert summary.by_category["cut_off"] >= 20
    # the new precision target of issue 16 on the generator with these shapes in
    assert quality.precision >= 0.90, quality


def test_closings_are_good_and_never_mined(mined):
    con, _summary, _quality = mined
    rows = _rows(con, "g.phenomenon = 'closing'")
    assert len(rows) >= 50
    assert not any(r["bad"] for r in rows)
    assert all(len(r["answer"]) < 80 for r in rows), "'you're welcome' is short, and right"
    assert not [r for r in rows if r["is_mined"]]
    # most end the conversation: a satisfied user, not an abandoned answer
    last = con.execute(
        "SELECT count(*) FROM ground_truth g WHERE g.phenomenon = 'closing' AND NOT EXISTS ("
        "SELECT 1 FROM interactions j WHERE j.conversation_id = g.conversation_id "
        "AND j.turn_index > (SELECT turn_index FROM interactions k "
        "WHERE k.interaction_id = g.interaction_id))"
    ).fetchone()[0]
    assert last >= 0.8 * len(rows)
    # the answer the user thanked for is not mined either, unless it was planted bad
    thanked = _rows(con, "g.reaction = 'thanks' AND NOT g.bad")
    assert thanked and not [r for r in thanked if r["is_mined"]]


def test_cut_off_answers_are_planted_failures_that_say_stop(mined):
    con, _summary, quality = mined
    rows = _rows(con, "g.category = 'cut_off'")
    assert rows and all(r["bad"] and r["finish"] == "stop" for r in rows)
    in_code = [r for r in rows if r["answer"].count("```") % 2 == 1]
    assert in_code, "some stop inside a code block"
    assert all(not r["answer"].rstrip().endswith((".", "。", "!")) for r in rows)
    # inside a code block the miner finds every one
    assert all(r["is_mined"] for r in in_code)
    assert quality.recall_by_category["cut_off"] >= 0.6


def test_continuation_requests_after_complete_answers_are_not_failures(mined):
    con, _summary, _quality = mined
    complete = _rows(con, "g.phenomenon = 'long_answer' AND NOT g.bad AND g.reaction = 'ask_more'")
    assert len(complete) >= 10
    assert not [r for r in complete if r["is_mined"]]
    assert all("continuation" in (r["sigs"] or []) or r["lang"] == "zh" for r in complete)
    answers = _unprovoked(_rows(con, "g.phenomenon = 'continuation'"))
    assert answers and not any(r["bad"] for r in answers)
    assert not [r for r in answers if r["is_mined"]]


def test_series_items_are_not_rephrases(mined):
    con, _summary, _quality = mined
    rows = _unprovoked(_rows(con, "g.phenomenon = 'serial' AND NOT g.bad"))
    assert len(rows) >= 50
    assert not [r for r in rows if r["is_mined"]]


def test_refinements_and_praise_then_next_are_not_failures(mined):
    con, _summary, _quality = mined
    for reaction in ("refine", "praise_next"):
        rows = _rows(con, "g.reaction = ? AND NOT g.bad", [reaction])
        assert len(rows) >= 20, reaction
        assert not [r for r in rows if r["is_mined"]], reaction
    refined = _unprovoked(_rows(con, "g.phenomenon IN ('refinement', 'praise_next') AND NOT g.bad"))
    assert refined and not [r for r in refined if r["is_mined"]]


def test_game_moves_and_asked_for_short_replies_are_not_failures(mined):
    con, _summary, _quality = mined
    for phenomenon in ("game_move", "brief_reply"):
        rows = _rows(con, "g.phenomenon = ?", [phenomenon])
        assert len(rows) >= 50 and not any(r["bad"] for r in rows)
        short = [r for r in rows if len(r["answer"]) < 20]
        assert len(short) >= 20, f"{phenomenon}: short answers are the right ones"
        assert not [r for r in _unprovoked(rows) if r["is_mined"]], phenomenon


def test_noise_on_every_signal(mined):
    """Approval of bad answers and complaints about good ones both occur."""
    con, summary, _quality = mined
    truth = Counter(
        (r[0], r[1]) for r in con.execute("SELECT bad, reaction FROM ground_truth").fetchall()
    )
    for reaction in ("thanks", "thumbs_up", "copy", "refine", "continue"):
        assert truth[(True, reaction)] > 0, f"bad answers also get {reaction}"
    for reaction in ("thumbs_down", "regenerate", "rephrase", "clarify", "edit", "rating_low"):
        assert truth[(False, reaction)] > 0, f"good answers also get {reaction}"
    assert summary.by_reaction["none"] > 0


def test_long_sessions(tmp_path):
    a = generate_logs(tmp_path / "a", 3000, seed=5, days=2, long_sessions=True)
    generate_logs(tmp_path / "b", 3000, seed=5, days=2, long_sessions=True)
    assert (tmp_path / "a" / "ground_truth.jsonl").read_bytes() == (
        tmp_path / "b" / "ground_truth.jsonl"
    ).read_bytes()
    assert a.long_sessions and a.interactions == 3000
    turns = Counter(
        json.loads(line)["conversation_id"]
        for line in (tmp_path / "a" / "ground_truth.jsonl").read_text().splitlines()
    )
    lengths = sorted(turns.values())
    assert 10 <= lengths[len(lengths) // 2] <= 40, "the median session is 10-40 turns"
    assert sum(n >= 10 for n in lengths) >= 0.6 * len(lengths)
    # a session stays in its day's partition
    for path in (tmp_path / "a" / "interactions").rglob("part-*.jsonl"):
        day = path.parent.name.removeprefix("dt=")
        with path.open(encoding="utf-8") as fh:
            assert {json.loads(line)["ts"][:10] for line in fh} == {day}
    meta = json.loads(Path(tmp_path / "a" / "generation.json").read_text())
    assert meta["long_sessions"] is True


# -- findings: what the miner gets wrong on real-shaped traffic (not tuned here) ------------


@pytest.mark.xfail(
    strict=True,
    reason="finding: rule:cut_off counts words by spaces and knows English dangling words "
    "only, so Chinese prose that stops mid-sentence (finish_reason 'stop') is not found",
)
def test_finding_chinese_prose_cut_offs_are_found(mined):
    con, _summary, _quality = mined
    rows = _rows(con, "g.category = 'cut_off' AND g.lang = 'zh'")
    prose = [r for r in rows if r["answer"].count("```") % 2 == 0]
    assert prose
    assert all(r["is_mined"] for r in prose)


@pytest.mark.xfail(
    strict=True,
    reason="finding: a user's 'No.' / '不是' answering the assistant's own yes/no question "
    "(20 questions, a quiz the assistant runs) opens like a correction and is mined",
)
def test_finding_a_no_answering_the_assistants_question_is_not_a_correction(con):
    c = Conversations(con, scene="games")
    opening = "Let's play 20 questions. I'm thinking of an animal, you ask yes/no questions."
    c.turn("g1", 0, [opening], "Great! Is it a mammal?")
    asked = c.turn(
        "g1", 1, [opening, "yes"], "Does it live in water?", answers=["Great! Is it a mammal?"]
    )
    c.turn(
        "g1",
        2,
        [opening, "yes", "No."],
        "Is it bigger than a dog?",
        answers=["Great! Is it a mammal?", "Does it live in water?"],
    )
    derive_signals(con, "r1")
    judge_with_rules(con, "r1")
    mine_bad_cases(con, "r1")
    signals = con.execute("SELECT signal FROM signals WHERE interaction_id = ?", [asked]).fetchall()
    assert ("correction",) not in signals


@pytest.mark.xfail(
    strict=True,
    reason="finding: recall on these logs (seed 31) is 0.842, short of issue 16's 0.85: "
    "wrong series items the user silently moves past, and Chinese prose cut-offs",
)
def test_finding_recall_target_with_the_shapes_in(mined):
    _con, _summary, quality = mined
    assert quality.recall >= 0.85, quality


@pytest.mark.xfail(
    strict=True,
    reason="finding: a template whose swapped part is longer than slot_words (2) words "
    "('an OG title for' -> 'a tweet announcing') is read as a rephrase (not mined: weak)",
)
def test_finding_the_next_item_of_a_template_is_not_a_rephrase(mined):
    con, _summary, _quality = mined
    rows = _rows(con, "g.phenomenon = 'serial' AND NOT g.bad")
    assert not [r for r in rows if "rephrase" in (r["sigs"] or [])]


@pytest.mark.xfail(
    strict=True,
    reason="finding: a refinement of a request that opened with praise ('Perfect. Now, "
    "once again: ...') drops the praise words and is read as a rephrase (not mined: weak)",
)
def test_finding_a_refinement_after_praise_is_not_a_rephrase(mined):
    con, _summary, _quality = mined
    rows = _rows(con, "g.reaction IN ('refine', 'praise_next') AND NOT g.bad")
    assert not [r for r in rows if "rephrase" in (r["sigs"] or [])]
