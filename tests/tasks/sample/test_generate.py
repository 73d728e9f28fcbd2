"""The sample-log generator: deterministic, realistic in its mix, honest about what it planted."""

from __future__ import annotations

import gzip
import hashlib
import json
from collections import Counter
from pathlib import Path

import pytest

from tasks.ingest.records import FeedbackEvent, Interaction
from tasks.sample.generate import CORRUPTIONS, generate_logs
from tasks.sample.phenomena import LONG_TASKS, SERIAL_TASKS
from tasks.sample.scenarios import CATEGORIES, INTENTS


def _tree_digest(root: Path) -> dict[str, str]:
    return {
        p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def _jsonl(path: Path) -> list[dict]:
    opener = gzip.open if path.name.endswith(".gz") else open
    with opener(path, "rt", encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def _records(root: Path, kind: str) -> list[dict]:
    out: list[dict] = []
    for path in sorted((root / kind).rglob("part-*")):
        out.extend(_jsonl(path))
    return out


def test_same_seed_gives_identical_bytes(tmp_path):
    a = generate_logs(tmp_path / "a", 800, seed=3, days=2, corrupt_rate=0.05)
    b = generate_logs(tmp_path / "b", 800, seed=3, days=2, corrupt_rate=0.05)
    assert _tree_digest(tmp_path / "a") == _tree_digest(tmp_path / "b")
    assert a.interactions == b.interactions == 800


def test_different_seeds_differ(tmp_path):
    generate_logs(tmp_path / "a", 300, seed=1, days=1)
    generate_logs(tmp_path / "b", 300, seed=2, days=1)
    a = _tree_digest(tmp_path / "a")
    b = _tree_digest(tmp_path / "b")
    assert (
        a["interactions/dt=2026-11-01/part-00000.jsonl"]
        != b["interactions/dt=2026-11-01/part-00000.jsonl"]
    )


def test_layout_is_partitioned_by_day(clean_logs):
    days = sorted(p.name for p in (clean_logs / "interactions").iterdir())
    assert days == ["dt=2026-11-01", "dt=2026-11-02"]
    for path in (clean_logs / "interactions").rglob("part-*.jsonl"):
        day = path.parent.name.removeprefix("dt=")
        assert {r["ts"][:10] for r in _jsonl(path)} == {day}


def test_clean_records_follow_the_log_format(clean_logs):
    interactions = _records(clean_logs, "interactions")
    events = _records(clean_logs, "events")
    assert len(interactions) == 2000
    for record in interactions:
        Interaction.model_validate(record)
    for record in events:
        FeedbackEvent.model_validate(record)
    assert len({r["interaction_id"] for r in interactions}) == len(interactions)
    known = {r["interaction_id"] for r in interactions}
    assert {e["interaction_id"] for e in events} <= known


def test_mix_is_realistic(tmp_path):
    summary = generate_logs(tmp_path, 6000, seed=9, days=3)
    interactions = _records(tmp_path, "interactions")
    truth = _jsonl(tmp_path / "ground_truth.jsonl")
    bad_share = summary.planted_bad / summary.interactions
    assert 0.08 < bad_share < 0.3, "most answers are good, a real minority bad"
    assert set(summary.by_category) == {"good", *CATEGORIES}
    assert len({r["scene"] for r in interactions}) >= 6
    langs = Counter(r["metadata"]["lang"] for r in interactions)
    assert langs["zh"] > 0.25 * len(interactions) and langs["en"] > 0.4 * len(interactions)
    assert any(len(r["messages"]) > 3 for r in interactions), "some conversations are multi-turn"
    # Failures are structural: the same (intent, category) failure recurs across many users.
    structural = Counter((t["intent"], t["category"]) for t in truth if t["bad"])
    assert structural.most_common(1)[0][1] >= 40
    assert sum(1 for n in structural.values() if n >= 10) >= 20
    users = {}
    by_id = {r["interaction_id"]: r for r in interactions}
    for t in truth:
        if t["pattern_id"]:
            users.setdefault(t["intent"] + t["category"], set()).add(
                by_id[t["interaction_id"]]["user_id"]
            )
    assert max(len(u) for u in users.values()) >= 20
    # Every event type and every implicit reaction occurs.
    events = _records(tmp_path, "events")
    assert {e["type"] for e in events} == {
        "thumbs_up",
        "thumbs_down",
        "regenerate",
        "edit",
        "copy",
        "rating",
        "comment",
        "escalate",
    }
    assert {"rephrase", "correction", "abandon", "none"} <= set(summary.by_reaction)


def test_reactions_are_noisy(tmp_path):
    generate_logs(tmp_path, 6000, seed=4, days=2)
    truth = _jsonl(tmp_path / "ground_truth.jsonl")
    good_negative = sum(
        1 for t in truth if not t["bad"] and t["reaction"] in ("thumbs_down", "regenerate")
    )
    bad_silent = sum(1 for t in truth if t["bad"] and t["reaction"] == "none")
    assert good_negative > 0, "some good answers are retried or down-voted"
    assert bad_silent > 0, "some bad answers get no reaction"


def test_planted_failures_look_like_their_category(tmp_path):
    generate_logs(tmp_path, 4000, seed=2, days=1)
    by_id = {r["interaction_id"]: r for r in _records(tmp_path, "interactions")}
    seen = Counter()
    for t in _jsonl(tmp_path / "ground_truth.jsonl"):
        answer = by_id[t["interaction_id"]]["response"]
        if t["category"] == "truncated":
            assert answer["finish_reason"] == "length"
        elif t["category"] == "unpaired_tag":
            content = answer["content"]
            assert content.count("<think>") != content.count("</think>") or content.count(
                "<tool_call>"
            ) != content.count("</tool_call>")
        elif t["category"] == "wrong_language":
            has_cjk = any("\u4e00" <= ch <= "\u9fff" for ch in answer["content"])
            assert has_cjk == (t["lang"] == "en")
        seen[t["category"]] += 1
    assert seen["truncated"] and seen["unpaired_tag"] and seen["wrong_language"]


def test_expert_repairs_cover_every_planted_pattern(tmp_path):
    generate_logs(tmp_path, 3000, seed=8, days=1)
    repairs = {r["pattern_id"]: r for r in _jsonl(tmp_path / "expert_repairs.jsonl")}
    planted = {t["pattern_id"] for t in _jsonl(tmp_path / "ground_truth.jsonl") if t["bad"]}
    assert planted and planted <= set(repairs)
    good_answers = {
        i.good[lang].format(slot=s) for i in INTENTS for lang in i.good for s in i.slots[lang]
    }
    # the complete long answer repairs a cut-off one; the right item a wrong one in a series
    good_answers |= {
        t.text[lang].format(slot=s) for t in LONG_TASKS for lang in t.text for s in t.slots[lang]
    }
    good_answers |= {good for t in SERIAL_TASKS for items in t.items.values() for _, good in items}
    assert all(r["repaired_answer"] in good_answers for r in repairs.values())


def test_visa_incomplete_answer_is_planted(tmp_path):
    generate_logs(tmp_path, 3000, seed=1, days=1)
    by_id = {r["interaction_id"]: r for r in _records(tmp_path, "interactions")}
    hits = [
        by_id[t["interaction_id"]]
        for t in _jsonl(tmp_path / "ground_truth.jsonl")
        if t["intent"] == "visa_materials" and t["category"] == "incomplete"
    ]
    assert hits
    assert {h["response"]["content"] for h in hits} <= {"Passport, ID card.", "护照，身份证。"}


def test_corruptions_cover_every_kind_and_are_listed(corrupt_logs):
    listed = _jsonl(corrupt_logs / "corruptions.jsonl")
    assert {c["kind"] for c in listed} == set(CORRUPTIONS)
    for c in listed:
        assert c["expected_reason"] == CORRUPTIONS[c["kind"]]
        path = corrupt_logs / c["file"]
        assert path.exists()
        if c["kind"] == "empty_file":
            assert path.stat().st_size == 0
    big = next(c for c in listed if c["kind"] == "oversized_message")
    line = (corrupt_logs / big["file"]).read_bytes().split(b"\n")[big["line"] - 1]
    assert len(line) > 2_000_000


def test_gzip_output(tmp_path):
    generate_logs(tmp_path, 200, seed=1, days=1, compress=True)
    parts = list((tmp_path / "interactions").rglob("*.jsonl.gz"))
    assert parts and len(_records(tmp_path, "interactions")) == 200


def test_parts_rotate(tmp_path):
    generate_logs(tmp_path, 500, seed=1, days=1, max_rows_per_file=100)
    parts = sorted((tmp_path / "interactions" / "dt=2026-11-01").iterdir())
    assert len(parts) == 5
    assert sum(len(_jsonl(p)) for p in parts) == 500


@pytest.mark.parametrize("kwargs", [{"interactions": 0}, {"days": 0}, {"corrupt_rate": 0.9}])
def test_bad_arguments(tmp_path, kwargs):
    args = {"interactions": 10, **kwargs}
    with pytest.raises(ValueError):
        generate_logs(tmp_path, **args)
