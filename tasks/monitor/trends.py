"""Is the loop working? Trends of bad cases per night, per scene and per cluster.

Computed from the warehouse after each run: the bad-case rate per night overall
and per scene, the share of traffic with a negative user signal, the top
clusters' bad cases per night, and how many clusters are new, growing,
shrinking, stable or fixed (last night against the mean of the nights before).
Written as PNG charts, a self-contained ``index.html`` and ``trends.json`` under
``trends/<name>/<night>-<run>/``, with ``LATEST`` naming the newest; the run's
Prefect artifacts link to them.
"""

from __future__ import annotations

import base64
import io
import json
import logging
from contextlib import closing
from dataclasses import dataclass, field

import duckdb
from prefect import task
from prefect.cache_policies import NO_CACHE
from pydantic import BaseModel, ConfigDict, Field

from tasks.publish.store import Store
from tasks.warehouse.db import connect, fetch_dicts, sql

log = logging.getLogger(__name__)

STATUSES = ("new", "growing", "stable", "shrinking", "fixed")


class TrendSettings(BaseModel):
    """How trends are computed and drawn."""

    model_config = ConfigDict(extra="forbid")

    enabled: bool = Field(True, description="Compute and draw trends after each run.")
    root: str | None = Field(
        None, description="Where charts and tables go; default: trends/ beside the datasets root."
    )
    window: int = Field(
        3, ge=1, description="Nights before the last one that a cluster's status compares with."
    )
    change: float = Field(
        0.25, gt=0, description="Relative change that makes a cluster growing or shrinking."
    )
    top_clusters: int = Field(8, ge=1, description="Clusters drawn per night.")
    top_scenes: int = Field(6, ge=1, description="Scenes drawn per night.")


@dataclass(frozen=True)
class TrendSummary:
    """The latest night at a glance, and where the charts are."""

    nights: int = 0
    last_night: str | None = None
    bad_case_rate: float | None = None
    previous_rate: float | None = None
    negative_signal_share: float | None = None
    clusters: dict[str, int] = field(default_factory=dict)
    path: str | None = None
    charts: list[str] = field(default_factory=list)
    table: list[dict] = field(default_factory=list)


def compute_trends(con: duckdb.DuckDBPyConnection, settings: TrendSettings) -> dict:
    """The trend tables: ``nights``, ``scenes`` and ``clusters`` (with status and series)."""
    nights = fetch_dicts(con.execute(sql("select_trend_nights")))
    scenes = fetch_dicts(con.execute(sql("select_trend_scenes")))
    clusters = fetch_dicts(
        con.execute(
            sql("select_trend_clusters"), {"window": settings.window, "change": settings.change}
        )
    )
    return {"nights": nights, "scenes": scenes, "clusters": clusters}


def write_trends(
    con: duckdb.DuckDBPyConnection,
    root: str,
    name: str,
    run_id: str,
    settings: TrendSettings | None = None,
) -> TrendSummary:
    """Compute the trends, draw them and write them under ``<root>/<name>/``."""
    settings = settings or TrendSettings()
    data = compute_trends(con, settings)
    nights = data["nights"]
    if not nights:
        return TrendSummary()
    status = {s: sum(1 for c in data["clusters"] if c["status"] == s) for s in STATUSES}
    charts = _draw(data, status, settings)
    last, prev = nights[-1], nights[-2] if len(nights) > 1 else None
    folder = f"{last['night']}-{run_id[:8]}"
    store = Store(root)
    files = {f"{chart}.png": png for chart, png in charts.items()}
    files["trends.json"] = json.dumps(data, default=str, indent=1).encode()
    files["index.html"] = _html(name, data, status, charts).encode()
    for path, payload in files.items():
        store.write(store.path(name, folder, path), payload)
    store.write(store.path(name, "LATEST"), folder.encode() + b"\n")
    summary = TrendSummary(
        nights=len(nights),
        last_night=str(last["night"]),
        bad_case_rate=last["bad_case_rate"],
        previous_rate=prev["bad_case_rate"] if prev else None,
        negative_signal_share=last["negative_signal_share"],
        clusters=status,
        path=store.uri(name, folder),
        charts=sorted(charts),
        table=[
            {
                "night": str(n["night"]),
                "interactions": n["interactions"],
                "bad_cases": n["bad_cases"],
                "bad_case_rate": n["bad_case_rate"],
                "negative_signal_share": n["negative_signal_share"],
            }
            for n in nights[-14:]
        ],
    )
    log.info("trends: %d nights, clusters %s, at %s", len(nights), status, summary.path)
    return summary


def _draw(data: dict, status: dict[str, int], settings: TrendSettings) -> dict[str, bytes]:
    """The charts as PNG bytes (matplotlib's Agg backend: no display needed)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    nights = [n["night"] for n in data["nights"]]
    charts: dict[str, bytes] = {}

    fig, ax = plt.subplots(figsize=(8, 4))
    ax.plot(nights, [n["bad_case_rate"] for n in data["nights"]], "k-o", lw=2, label="all")
    totals: dict[str, int] = {}
    for s in data["scenes"]:
        totals[s["scene"]] = totals.get(s["scene"], 0) + s["interactions"]
    for scene in sorted(totals, key=totals.get, reverse=True)[: settings.top_scenes]:
        rows = [s for s in data["scenes"] if s["scene"] == scene]
        ax.plot([r["night"] for r in rows], [r["bad_case_rate"] for r in rows], "-", label=scene)
    _finish(ax, "Bad-case rate per night", "share of answers")
    charts["bad_case_rate"] = _png(fig)

    fig, ax = plt.subplots(figsize=(8, 3))
    ax.plot(nights, [n["negative_signal_share"] for n in data["nights"]], "-o", color="tab:red")
    _finish(ax, "Share of traffic with a negative user signal", "share of answers", legend=False)
    charts["negative_signal_share"] = _png(fig)

    fig, ax = plt.subplots(figsize=(8, 4))
    for c in data["clusters"][: settings.top_clusters]:
        per_night = {p["night"]: p["cases"] for p in c["series"]}  # nights without cases: 0
        label = f"{c['cluster_id'][:28]} ({c['status']})"
        ax.plot(nights, [per_night.get(n, 0) for n in nights], "-o", label=label)
    _finish(ax, "Top clusters: bad cases per night", "bad cases")
    charts["top_clusters"] = _png(fig)

    fig, ax = plt.subplots(figsize=(6, 3))
    counts = [status[s] for s in STATUSES]
    colours = ["tab:purple", "tab:red", "tab:gray", "tab:blue", "tab:green"]
    ax.bar(STATUSES, counts, color=colours)
    for x, n in enumerate(counts):
        ax.annotate(str(n), (x, n), ha="center", va="bottom")
    ax.set_title("Clusters on the last night vs the nights before")
    charts["cluster_status"] = _png(fig)
    plt.close("all")
    return charts


def _finish(ax, title: str, ylabel: str, legend: bool = True) -> None:
    import matplotlib.dates as mdates

    first, last = (mdates.num2date(x) for x in ax.get_xlim())
    locator = mdates.DayLocator(interval=max(1, (last - first).days // 10))  # whole nights
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))
    ax.set_title(title)
    ax.set_ylabel(ylabel)
    ax.set_ylim(bottom=0)
    ax.grid(alpha=0.3)
    if legend:
        ax.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    ax.figure.tight_layout()


def _png(fig) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=100)
    return buf.getvalue()


def _html(name: str, data: dict, status: dict[str, int], charts: dict[str, bytes]) -> str:
    """One self-contained page: the charts inline and the nightly table."""
    images = "\n".join(
        f'<img alt="{chart}" src="data:image/png;base64,{base64.b64encode(png).decode()}">'
        for chart, png in charts.items()
    )
    rows = "\n".join(
        f"<tr><td>{n['night']}</td><td>{n['interactions']}</td><td>{n['bad_cases']}</td>"
        f"<td>{n['bad_case_rate']:.2%}</td><td>{n['negative_signal_share']:.2%}</td></tr>"
        for n in data["nights"]
    )
    clusters = ", ".join(f"{k} {v}" for k, v in status.items())
    return f"""<!doctype html>
<html><head><meta charset="utf-8"><title>{name}: bad-case trends</title>
<style>body{{font-family:sans-serif;max-width:900px;margin:2em auto}}img{{max-width:100%}}
td,th{{padding:2px 10px;text-align:right}}</style></head>
<body><h1>{name}: bad-case trends</h1>
<p>Clusters on the last night: {clusters}.</p>
{images}
<table><tr><th>night</th><th>answers</th><th>bad cases</th><th>bad-case rate</th>
<th>negative signals</th></tr>
{rows}
</table></body></html>
"""


@task(name="compute-trends", cache_policy=NO_CACHE)
def compute_trends_task(
    warehouse: str,
    root: str,
    name: str,
    run_id: str,
    settings: TrendSettings,
    memory_limit: str | None = None,
    threads: int | None = None,
) -> TrendSummary:
    """Prefect task: open the warehouse and run :func:`write_trends`."""
    with closing(connect(warehouse, memory_limit=memory_limit, threads=threads)) as con:
        return write_trends(con, root, name, run_id, settings)
