"""What the run report shows outside the warehouse carries no PII."""

from __future__ import annotations

from types import SimpleNamespace

from flows.report import RunReport, shown_clusters

CLUSTER = {
    "cluster_id": "cl-1",
    "scene": "visa",
    "size": 3,
    "priority": 0.9,
    "example_request": "My number:\n4155552671, mail ann@corp.com",
}


def test_the_top_clusters_artifact_and_report_are_redacted():
    (shown,) = shown_clusters([CLUSTER], None)
    assert shown["example_request"] == "My number:\n[PHONE], mail [EMAIL]"
    report = RunReport(SimpleNamespace(mining=SimpleNamespace(top_clusters=[CLUSTER])))
    markdown = "\n".join(report._md_top_clusters())
    assert "4155552671" not in markdown and "ann@corp" not in markdown and "[EMAIL]" in markdown
