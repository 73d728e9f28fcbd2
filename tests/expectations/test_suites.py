"""The Great Expectations suites catch each kind of bad preference set."""

from __future__ import annotations

import pyarrow as pa
import pytest

from expectations.suites import ValidationSettings, validate_preference_set
from tasks.publish.publish import KTO_SCHEMA


def msg(text: str, role: str = "assistant") -> list[dict]:
    return [{"role": role, "content": text}]


def pair(n: int, chosen: str, rejected: str, scene: str = "visa", source: str = "human", **kw):
    return {
        "prompt": msg(f"question {n}", "user"),
        "chosen": msg(chosen),
        "rejected": msg(rejected),
        "pair_id": f"pp-{n}",
        "case_id": f"bc-{n}",
        "interaction_id": f"i{n}",
        "cluster_id": "cl",
        "scene": scene,
        "category": "incomplete",
        "rewrite_source": source,
        "near_miss": False,
        "badness": 0.9,
        "chosen_chars": len(chosen),
        "rejected_chars": len(rejected),
        "signals": ["thumbs_down"],
        "judges": [],
        "llm_verdict": None,
        "llm_score": None,
        "contaminated": False,
        **kw,
    }


def good_set() -> list[dict]:
    scenes = ["visa", "budget", "coding", "travel"]
    return [
        pair(
            n,
            f"A right answer number {n}.",
            f"A wrong answer, number {n}!",
            scenes[n % 4],
            "llm" if n % 2 else "human",
        )
        for n in range(8)
    ]


def validate(rows, agreement=None, **settings):
    kto = pa.Table.from_pylist(
        [{"prompt": msg("q", "user"), "completion": msg("a"), "label": True}], schema=KTO_SCHEMA
    )
    settings.setdefault("balance_min_pairs", 1)  # the sets here are small
    return validate_preference_set(
        pa.Table.from_pylist(rows), kto, agreement or [], ValidationSettings(**settings)
    )


@pytest.fixture(scope="module")
def passing():
    return validate(good_set())


def test_a_sound_set_passes(passing):
    assert passing.success, passing.failures
    assert len(passing.results) > 15


@pytest.mark.parametrize(
    ("change", "settings", "needle"),
    [
        (lambda rows: rows[0].update(pair_id="pp-1"), {}, "pair_id column values to be unique"),
        (lambda rows: rows[0].update(chosen=rows[0]["rejected"]), {}, "chosen_differs"),
        (lambda rows: rows[0].update(chosen=msg("<think>unclosed answer")), {}, "tags_balanced"),
        (lambda rows: rows[0].update(chosen=msg("mail ann@example.com")), {}, "pii_found"),
        # Missed by the redactor's own patterns (slashes are no card separator there): the
        # suite's check is independent, so it still catches it.
        (lambda rows: rows[0].update(chosen=msg("card 4111/1111/1111/1111")), {}, "pii_found"),
        (lambda rows: rows[0].update(contaminated=True), {}, "contaminated"),
        (lambda rows: None, {"max_scene_share": 0.2}, "scene_share"),
        (lambda rows: None, {"max_llm_source_share": 0.3}, "llm_written"),
        (lambda rows: None, {"min_pairs": 50}, "table row count"),
        (
            lambda rows: [r.update(near_miss="no") for r in rows],
            {},
            "near_miss column values to be of type",
        ),
        (
            lambda rows: [r.update(chosen=msg("A much, much longer answer " * 5)) for r in rows],
            {},
            "chosen_longer",
        ),
        (
            lambda rows: [r.update(chosen=msg(f"Thanks! {n}")) for n, r in enumerate(rows)],
            {},
            "cue_politeness",
        ),
        (
            lambda rows: [r.update(chosen=msg("Steps:\n- one\n- two")) for r in rows],
            {},
            "cue_markdown_list",
        ),
    ],
)
def test_each_guard_fails_the_set(change, settings, needle):
    rows = good_set()
    change(rows)
    report = validate(rows, **settings)
    assert not report.success
    assert any(needle in f for f in report.failures), report.failures


def test_judge_kappa_below_threshold_fails_only_where_labels_exist():
    assert not validate(good_set(), [{"judge": "llm:rubric (m)", "kappa": 0.2}]).success
    assert validate(good_set(), [{"judge": "llm:rubric (m)", "kappa": 0.8}]).success


def test_balance_bounds_wait_for_enough_pairs():
    rows = good_set()
    report = validate(rows, max_scene_share=0.2, balance_min_pairs=len(rows) + 1)
    assert report.success, "8 pairs are too few for shares to mean anything"
    assert not any("scene_share" in r["column"] for r in report.results)


def test_longer_wins_accuracy_is_bounded():
    """Chosen a bit longer in 68% of pairs: under the length-share bound (0.8), but
    "pick the longer answer" is right 68% of the time, above the shallow-cue bound."""
    scenes = ["visa", "budget", "coding", "travel"]
    longer = [pair(n, "A right answer " * 2, "A wrong one.", scenes[n % 4]) for n in range(8, 25)]
    report = validate(good_set() + longer)
    assert [f for f in report.failures if "chosen_longer" in f] == []
    assert len(report.failures) == 1, report.failures
    assert "cue_longer column mean" in report.failures[0] and "0.68" in report.failures[0]


def test_the_pii_check_is_independent_of_the_redactor():
    from expectations.pii_check import has_pii
    from tasks.publish.redact import Redactor, find_pii

    missed = "card 4111/1111/1111/1111"
    assert find_pii(missed) == [] and has_pii(missed)
    for planted in (
        "sk_live_" + "a1B2" * 6,
        "DE89 3704 0044 0532 0130 00",
        "10.1.2.3",
        "+1 415 555 2671",
    ):
        assert has_pii(planted) and not has_pii(Redactor()(planted)), planted
    for ordinary in (
        "on 2026-11-23 10:30:45, order 12345",
        "Python 3.11.7",
        "x[::2]",
        "[PHONE]",
        # identifiers of things: a digest, a UUID, a commit id (real traffic is full of them)
        "sha256 3f2a9b123456789abc0d1e2f345678901234",
        "id a1b2c3d4-1234-5678-9abc-123456789012",
        "commit edb79db1234567890",
    ):
        assert not has_pii(ordinary), ordinary


def test_kto_negatives_resting_on_unreliable_signals_fail_the_set():
    """Issue 16: the share of undesirable KTO rows per evidence kind is bounded."""
    import pyarrow as pa

    from expectations.suites import ValidationSettings, validate_preference_set

    msg = [{"role": "user", "content": "Hi"}]
    kto = pa.table(
        {
            "prompt": [msg, msg, msg],
            "completion": [msg, msg, msg],
            "label": [False, False, True],
        }
    )
    pairs = pa.table({"pair_id": pa.array([], pa.string())})
    settings = ValidationSettings(min_pairs=0)
    bad = validate_preference_set(
        pairs, kto, [], settings, kto_evidence=["rule", "unreliable_signal", "positive_signal"]
    )
    assert any(f.startswith("kto_negative_evidence: unreliable_signal") for f in bad.failures)
    good = validate_preference_set(
        pairs, kto, [], settings, kto_evidence=["rule", "explicit_feedback", "positive_signal"]
    )
    assert not [f for f in good.failures if f.startswith("kto_negative_evidence")]
