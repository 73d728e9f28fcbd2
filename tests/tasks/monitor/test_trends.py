"""Trends from the warehouse: nightly rates, negative signals, cluster movement, charts."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from tasks.monitor.trends import TrendSettings, compute_trends, write_trends
from tests.tasks.pairs_helpers import repaired_case

FIRST = datetime(2026, 11, 1, 12, tzinfo=UTC)
# bad cases per night, five nights; the last is compared with the mean of the three before
SERIES = {
    "cl-stable": [2, 2, 2, 2, 2],
    "cl-growing": [1, 1, 1, 1, 4],
    "cl-shrinking": [4, 4, 4, 4, 1],
    "cl-new": [0, 0, 0, 0, 2],
    "cl-fixed": [2, 2, 2, 2, 0],
}
PLAIN_PER_NIGHT = 20


def _warehouse(con) -> None:
    n = 0
    for cluster, counts in SERIES.items():
        for night, count in enumerate(counts):
            for _ in range(count):
                n += 1
                repaired_case(con, n, f"question {n}", cluster=cluster)
                con.execute(
                    "UPDATE interactions SET ts = ? WHERE interaction_id = ?",
                    [FIRST + timedelta(days=night), f"i{n}"],
                )
    for night in range(5):
        for k in range(PLAIN_PER_NIGHT):
            pid = f"p{night}-{k}"
            con.execute(
                "INSERT INTO interactions SELECT * REPLACE (? AS interaction_id, "
                "? AS conversation_id, ? AS ts) FROM interactions WHERE interaction_id = 'i1'",
                [pid, f"pc{pid}", FIRST + timedelta(days=night)],
            )
            if k < night:  # night i: i plain answers got a thumbs-down
                con.execute(
                    "INSERT INTO signals VALUES (?, ?, 'thumbs_down', 'negative', 1, NULL, 'r')",
                    [pid, f"pc{pid}"],
                )


def test_nightly_rates_and_cluster_movement(con):
    _warehouse(con)
    data = compute_trends(con, TrendSettings())
    nights = data["nights"]
    assert len(nights) == 5
    for i, n in enumerate(nights):
        cases = sum(series[i] for series in SERIES.values())
        assert n["interactions"] == cases + PLAIN_PER_NIGHT
        assert n["bad_cases"] == cases
        assert abs(n["bad_case_rate"] - cases / (cases + PLAIN_PER_NIGHT)) < 1e-6
        assert abs(n["negative_signal_share"] - i / (cases + PLAIN_PER_NIGHT)) < 1e-6
    status = {c["cluster_id"]: c["status"] for c in data["clusters"]}
    assert status == {c: c.removeprefix("cl-") for c in SERIES}
    growing = next(c for c in data["clusters"] if c["cluster_id"] == "cl-growing")
    assert (growing["last_night"], growing["earlier_mean"]) == (4, 1.0)
    assert [p["cases"] for p in growing["series"]] == [1, 1, 1, 1, 4]


def test_charts_and_tables_are_written_beside_the_datasets(con, tmp_path):
    _warehouse(con)
    summary = write_trends(con, str(tmp_path / "trends"), "prefs", "run-12345678")
    assert summary.nights == 5 and summary.last_night == "2026-11-05"
    assert summary.clusters == {"new": 1, "growing": 1, "stable": 1, "shrinking": 1, "fixed": 1}
    folder = tmp_path / "trends" / "prefs" / "2026-11-05-run-1234"
    assert summary.path == str(folder) or summary.path.endswith("2026-11-05-run-1234")
    assert (tmp_path / "trends" / "prefs" / "LATEST").read_text() == "2026-11-05-run-1234\n"
    for chart in ("bad_case_rate", "negative_signal_share", "top_clusters", "cluster_status"):
        assert (folder / f"{chart}.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    page = (folder / "index.html").read_text()
    assert page.count("data:image/png;base64,") == 4 and "2026-11-05" in page
    stored = json.loads((folder / "trends.json").read_text())
    assert len(stored["nights"]) == 5 and len(stored["clusters"]) == 5
    assert summary.previous_rate is not None and summary.bad_case_rate is not None


def test_an_empty_warehouse_has_no_trends(con, tmp_path):
    assert write_trends(con, str(tmp_path), "prefs", "r1").path is None
