"""Mining results on real-shaped conversations stay exactly what they were (issue 17).

The per-turn table, the linear bigram macro and the maintained cluster bands change how
signals, rule judges and mining compute, never what they find. The expected digests in
``data/real_shaped_mining.json`` were computed by the miner of commit 66ffd7f (before
issue 17) on the first 300 ShareGPT V3 conversations (``benchmarks.sharegpt``), mined
in one night and in two (six days, then the seventh). When mining's semantics change on
purpose, regenerate them with ``python -m tests.tasks.mine.test_real_shaped --write``.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import sys
from contextlib import closing
from pathlib import Path

import pytest

from benchmarks.real_shaped import mine_night
from benchmarks.sharegpt import convert
from tasks.warehouse.db import connect

EXPECTED = Path(__file__).parent / "data" / "real_shaped_mining.json"
CONVERSATIONS = 300

# What each table must hold, row for row (times and versions left out; floats rounded).
QUERIES = {
    "signals": "SELECT interaction_id, conversation_id, signal, polarity, round(strength, 6), "
    "evidence::VARCHAR, run_id FROM signals",
    "judgments": "SELECT interaction_id, judge, verdict, round(score, 6), evidence::VARCHAR, "
    "model, run_id FROM judgments",
    "bad_cases": "SELECT case_id, interaction_id, conversation_id, cluster_id, scene, request, "
    "signals, judges, round(user_cost, 6), round(deviation, 6), round(badness, 6), "
    "round(priority, 6), near_miss, status, run_id FROM bad_cases",
    "mined_conversations": "SELECT * FROM mined_conversations",
}


def digest(con) -> dict[str, dict]:
    """Row count and a hash of the sorted rows of each mining table."""
    out = {}
    for table, query in QUERIES.items():
        rows = sorted(repr(r) for r in con.execute(query).fetchall())
        out[table] = {
            "rows": len(rows),
            "sha256": hashlib.sha256("\n".join(rows).encode()).hexdigest(),
        }
    out["clusters"] = {
        "count": con.execute("SELECT count(DISTINCT cluster_id) FROM bad_cases").fetchone()[0]
    }
    return out


def mine_nights(corpus: Path, work: Path, nights: int) -> dict[str, dict]:
    """Mine the converted corpus in one night, or in two (all days but the last, then it)."""
    landing = work / f"landing-{nights}"
    shutil.copytree(corpus, landing)
    days = sorted((landing / "interactions").iterdir())
    held = work / f"held-{nights}"
    if nights == 2:
        held.mkdir()
        shutil.move(days[-1], held / days[-1].name)
    warehouse = work / f"wh-{nights}.duckdb"
    mine_night(warehouse, landing, "night-1")  # each stage on its own connection
    if nights == 2:
        shutil.move(held / days[-1].name, days[-1])
        mine_night(warehouse, landing, "night-2")
    with closing(connect(warehouse)) as con:
        return digest(con)


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("sharegpt") / "landing"
    convert(root, limit=CONVERSATIONS)
    return root


@pytest.mark.parametrize("nights", [1, 2])
def test_mining_results_are_those_before_issue_17(corpus, tmp_path, nights):
    expected = json.loads(EXPECTED.read_text())[f"nights_{nights}"]
    assert mine_nights(corpus, tmp_path, nights) == expected


if __name__ == "__main__" and "--write" in sys.argv:
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp)
        convert(base / "corpus", limit=CONVERSATIONS)
        result = {f"nights_{n}": mine_nights(base / "corpus", base, n) for n in (1, 2)}
    EXPECTED.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))
