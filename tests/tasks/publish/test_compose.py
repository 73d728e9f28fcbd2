"""Composition: scene quotas, cluster caps, difficulty mix and length balance, with label
coverage, every left-out pair kept with its reason and reconsidered the next version."""

from __future__ import annotations

import hashlib
import json

from tasks.publish.build import BuildSettings, build_preference_pairs
from tasks.publish.compose import ComposeSettings, compose_pairs, compose_preference_set
from tasks.publish.publish import publish_preference_set
from tests.tasks.pairs_helpers import repaired_case

NO_HOLDOUT = BuildSettings(eval_holdout_share=0)


def request(n: int) -> str:
    """Prompts that share no more than chance with each other (never near duplicates)."""
    digest = hashlib.sha256(str(n).encode()).hexdigest()
    return f"Question {digest[:24]} about {digest[24:48]}?"


def planted_skew(con) -> None:
    """80 visa pairs, each repair 4x longer than the original; 20 pairs over four other
    scenes whose repairs are concise versions of padded originals."""
    for n in range(80):
        original = f"Only a passport, nothing else ({n:02d})."  # 35 characters
        repaired_case(
            con, n, request(n), original, original * 4, scene="visa", cluster=f"cl-visa-{n % 8}"
        )
    for n in range(80, 100):
        scene = ("budget", "coding", "travel", "health")[n % 4]
        concise = f"The concise, correct answer number {n}."
        padded = "Great question! I'm happy to help. " + concise + " I hope this helps!" * 3
        repaired_case(con, n, request(n), padded, concise, scene=scene, cluster=f"cl-{scene}")


def test_a_planted_skew_is_composed_within_the_default_bounds(con, tmp_path):
    planted_skew(con)
    build_preference_pairs(con, "r1", NO_HOLDOUT)
    summary = compose_preference_set(con)
    assert summary.candidates == 100
    assert summary.within_bounds, summary
    assert summary.chosen_longer_share <= 0.6 and summary.median_length_ratio <= 2.0
    assert summary.kept + sum(summary.deferred.values()) == 100
    assert set(summary.deferred) <= {"scene_quota", "cluster_cap", "length_balance"}
    assert summary.deferred.get("scene_quota", 0) > 0
    kept = dict(
        con.execute(
            "SELECT scene, count(*) FROM preference_pairs WHERE status = 'eligible' GROUP BY 1"
        ).fetchall()
    )
    assert kept["visa"] / sum(kept.values()) <= 0.5
    assert set(kept) == {"visa", "budget", "coding", "travel", "health"}, "every scene stays"
    clusters = con.execute(
        "SELECT count(DISTINCT cluster_id) FILTER (WHERE status = 'eligible'), "
        "count(DISTINCT cluster_id) FROM preference_pairs"
    ).fetchone()
    assert clusters[0] == clusters[1], "every cluster stays represented"
    # what was left out stays, with its reason, and the default gates pass
    left = con.execute(
        "SELECT exclusion_reason, count(*) FROM preference_pairs WHERE status = 'deferred' "
        "GROUP BY 1"
    ).fetchall()
    assert dict(left) == summary.deferred
    published = publish_preference_set(con, "r1", str(tmp_path), "prefs", NO_HOLDOUT)
    assert published.status == "published", published.failures
    manifest = json.loads((tmp_path / "prefs" / "v0001" / "manifest.json").read_text())
    composition = manifest["composition"]
    assert composition["left_out"] == summary.deferred
    assert sum(composition["scenes"].values()) == summary.kept == manifest["counts"]["pairs"]
    assert composition["shallow_cues"]["longer"] <= 0.65
    kto = manifest["counts"]["kto_by_scene"]
    assert set(kto) == set(kept) and all(c["desirable"] == c["undesirable"] for c in kto.values())
    card = (tmp_path / "prefs" / "v0001" / "README.md").read_text()
    assert "## Composition" in card and "left out" in card and "longer answer chosen" in card


def test_without_composition_the_skew_is_quarantined(con, tmp_path):
    planted_skew(con)
    build_preference_pairs(con, "r1", NO_HOLDOUT)
    assert compose_preference_set(con, ComposeSettings(enabled=False)).deferred == {}
    published = publish_preference_set(con, "r1", str(tmp_path), "prefs", NO_HOLDOUT)
    assert published.status == "quarantined"
    failed = " ".join(published.failures)
    assert "scene_share" in failed and "cue_longer" in failed


def test_left_out_pairs_are_reconsidered_by_the_next_version(con):
    planted_skew(con)
    build_preference_pairs(con, "r1", NO_HOLDOUT)
    first = compose_preference_set(con)
    build = build_preference_pairs(con, "r2", NO_HOLDOUT)
    assert build.eligible == 100, "the build makes deferred pairs eligible again"
    # more concise counter-examples arrive: the quota and the balance take more visa pairs
    for n in range(100, 140):
        scene = ("budget", "coding", "travel", "health")[n % 4]
        concise = f"Another concise answer, number {n}."
        repaired_case(
            con,
            n,
            request(n),
            "Great question! " + concise * 3,
            concise,
            scene=scene,
            cluster=f"cl-{scene}-{n % 3}",
        )
    build_preference_pairs(con, "r3", NO_HOLDOUT)
    second = compose_preference_set(con)
    visa = "SELECT count(*) FROM preference_pairs WHERE status = 'eligible' AND scene = 'visa'"
    assert second.kept > first.kept and con.execute(visa).fetchone()[0] > 20


def row(n: int, **kw) -> dict:
    base = {
        "pair_id": f"pp-{n:03d}",
        "scene": "visa",
        "category": "incomplete",
        "cluster_id": f"cl-{n % 4}",
        "near_miss": False,
        "chosen_chars": 400,
        "rejected_chars": 100,
        "published": False,
        "deviation": 0.5,
        "user_cost": 0.5,
        "recurrence": 4,
    }
    return {**base, **kw}


def test_near_misses_and_the_last_of_a_category_are_kept():
    rows = [row(n, chosen_chars=100, rejected_chars=300) for n in range(20)]
    rows += [row(n, near_miss=True, category="near_miss") for n in range(20, 30)]
    rows += [row(n, category="truncated", chosen_chars=500) for n in range(30, 40)]
    rows += [row(40, category="empty_or_short", chosen_chars=3000, rejected_chars=10)]
    left = compose_pairs(rows, ComposeSettings(max_cluster_share=1))
    assert set(left.values()) == {"length_balance"}
    assert not any(pid in left for pid in (f"pp-{n:03d}" for n in range(20, 30)))
    assert "pp-040" not in left, "the only pair of its category stays, however long"
    kept = [r for r in rows if r["pair_id"] not in left]
    assert sum(r["chosen_chars"] > r["rejected_chars"] for r in kept) / len(kept) <= 0.6


def test_one_cluster_and_easy_pairs_are_capped():
    rows = [row(n, cluster_id="cl-big", chosen_chars=90) for n in range(30)]
    rows += [row(n, cluster_id=f"cl-{n}", chosen_chars=90) for n in range(30, 50)]
    left = compose_pairs(rows, ComposeSettings(max_cluster_share=0.1, max_easy_share=1))
    assert list(left.values()).count("cluster_cap") == 27  # cap: max(3, 10% of the set)
    easy = [row(n, deviation=1, user_cost=1, recurrence=50, chosen_chars=90) for n in range(40)]
    hard = [row(n, deviation=0, user_cost=0, chosen_chars=90) for n in range(40, 60)]
    left = compose_pairs(easy + hard, ComposeSettings(max_cluster_share=1, max_easy_share=0.5))
    assert set(left.values()) == {"difficulty_mix"} and len(left) == 20


def test_small_sets_are_kept_whole():
    rows = [row(n) for n in range(5)]
    assert compose_pairs(rows, ComposeSettings()) == {}
