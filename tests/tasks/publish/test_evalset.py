"""The regression eval hold-out: split per cluster, kept out of training, published."""

from __future__ import annotations

import pyarrow.parquet as pq

from tasks.publish.build import BuildSettings, build_preference_pairs
from tasks.publish.evalset import EVAL_FILE, publish_eval_set
from tasks.publish.publish import publish_preference_set
from tasks.publish.sets import read_set
from tests.tasks.pairs_helpers import add_repair, repaired_case

TOPICS = [
    "renew a passport abroad",
    "open a bank account as a student",
    "book a train from Tokyo to Kyoto",
    "cancel a gym membership early",
    "file taxes as a freelancer",
    "transfer a phone number to a new carrier",
    "apply for a work permit in Canada",
    "return a damaged parcel",
    "reset a forgotten router password",
    "get a refund for a delayed flight",
    "register a car after moving",
    "set up a recurring bank transfer",
]


def _cluster(con, start: int, cluster: str, n: int) -> list[str]:
    return [
        repaired_case(
            con,
            start + i,
            f"How do I {TOPICS[i]}? Please list every step.",
            repair=f"To {TOPICS[i]}: first gather your documents, then apply, then follow up.",
            cluster=cluster,
        )
        for i in range(n)
    ]


def _split(con) -> dict[str, str]:
    return dict(con.execute("SELECT case_id, split FROM eval_split").fetchall())


def test_a_share_of_each_cluster_is_held_out_and_never_trained_on(con, tmp_path):
    big = _cluster(con, 0, "cl-big", 10)
    small = _cluster(con, 100, "cl-small", 3)
    summary = build_preference_pairs(con, "r1")
    split = _split(con)
    assert set(split) == set(big) | set(small), "every repaired case is assigned once"
    held = sorted(c for c, s in split.items() if s == "eval")
    # a share of 0.2 holds out the 5th and 10th case of the 10-case cluster, none of 3
    assert len(held) == 2 and set(held) <= set(big)
    assert summary.excluded["eval_holdout"] == 2
    reasons = dict(con.execute("SELECT case_id, exclusion_reason FROM preference_pairs").fetchall())
    assert {reasons[c] for c in held} == {"eval_holdout"}

    # a training case asking the same as a held-out one is kept out as contamination
    twin_of = held[0]
    request = con.execute("SELECT request FROM bad_cases WHERE case_id = ?", [twin_of]).fetchone()[
        0
    ]
    twin = repaired_case(con, 500, request, repair="A different, careful repair.", cluster="cl-x")
    build_preference_pairs(con, "r2")
    reasons = dict(con.execute("SELECT case_id, exclusion_reason FROM preference_pairs").fetchall())
    assert reasons[twin] == "eval_contamination"
    assert _split(con)[twin] == "train" and {
        c for c, s in _split(con).items() if s == "eval"
    } == set(held), "assignments never change once made"

    # the preference set holds none of them; the eval set holds exactly them
    published = publish_preference_set(con, "r2", str(tmp_path / "datasets"), "prefs")
    trained = set(
        pq.read_table(f"{published.path}/data/train-00000-of-00001.parquet")
        .column("case_id")
        .to_pylist()
    )
    assert not trained & (set(held) | {twin}) and trained
    evalset = publish_eval_set(con, "r2", str(tmp_path / "evalsets"), "prefs")
    assert (evalset.status, evalset.version, evalset.rows) == ("published", "v0001", 2)
    version, manifest, table = read_set(str(tmp_path / "evalsets"), "prefs", EVAL_FILE)
    assert version == "v0001" and manifest["clusters"] == {"cl-big": 2}
    rows = {r["eval_id"]: r for r in table.to_pylist()}
    assert set(rows) == set(held)
    first = rows[held[0]]
    assert first["original"] == "Just a passport." and first["reference"].startswith("To ")
    assert first["prompt"][-1] == {"role": "user", "content": request}
    assert first["cluster_id"] == "cl-big" and first["category"]
    assert (
        manifest["validation"]["success"]
        and (tmp_path / "evalsets/prefs/LATEST").read_text() == "v0001\n"
    )
    # same content: nothing new; a new repair of a held-out case: a new version
    assert publish_eval_set(con, "r3", str(tmp_path / "evalsets"), "prefs").status == "unchanged"
    add_repair(con, held[0], "To do it well: gather, apply, follow up, and keep receipts.")
    build_preference_pairs(con, "r4")
    again = publish_eval_set(con, "r4", str(tmp_path / "evalsets"), "prefs")
    assert (again.status, again.version, again.parent) == ("published", "v0002", "v0001")
    recorded = con.execute(
        "SELECT kind, version, status FROM published_sets ORDER BY version"
    ).fetchall()
    assert recorded == [("evalset", "v0001", "published"), ("evalset", "v0002", "published")]


def test_holding_out_can_be_turned_off(con):
    _cluster(con, 0, "cl-big", 10)
    summary = build_preference_pairs(con, "r1", BuildSettings(eval_holdout_share=0))
    assert "eval_holdout" not in summary.excluded
    assert set(_split(con).values()) == {"train"}
