"""Compose: choose which eligible pairs a version holds, so the set teaches quality.

The builder makes every verified repair a pair; taken whole, a set of repairs of
incomplete answers teaches "longer wins" and lets one recurring failure or one busy
scene dominate. Composition is a deterministic policy over the eligible pairs
(``[compose]``), applied until nothing changes:

1. ``cluster_cap``: no cluster holds more than ``max_cluster_share`` of the set (and
   at least ``min_cluster_cap`` pairs are always allowed), so one recurring failure
   cannot dominate;
2. ``scene_quota``: no scene holds more than ``max_scene_share``; a scene keeps at
   least ``min_scene_pairs`` (the floor that keeps rare scenes in);
3. ``difficulty_mix``: easy pairs (obvious failures: strong judge evidence, loud user
   cost, a cluster that recurs often) hold at most ``max_easy_share``; near misses are
   always hard;
4. ``length_balance``: the share of pairs whose chosen answer is longer stays at most
   ``max_chosen_longer_share`` and the median chosen/rejected length ratio at most
   ``max_median_length_ratio``, leaving out the least concise repairs first.

Every step keeps label coverage: it never removes the last pair of a cluster or of a
failure category, nor takes a scene below its floor. Within a group the pairs kept
first are near misses, pairs an earlier version published (so versions stay stable),
harder pairs, then concise repairs. A pair left out becomes ``deferred`` with its
reason; the next build makes it eligible again and the next composition reconsiders
it. The gates in ``expectations/suites.py`` stay the last line.
"""

from __future__ import annotations

import logging
import statistics
from collections import Counter
from collections.abc import Callable
from contextlib import closing
from dataclasses import dataclass, field

import duckdb
import pyarrow as pa
from prefect import task
from prefect.cache_policies import NO_CACHE
from pydantic import BaseModel, ConfigDict, Field, model_validator

from tasks.warehouse.db import arrow_view, connect, fetch_dicts, sql, transaction

log = logging.getLogger(__name__)

REASONS = ("cluster_cap", "scene_quota", "difficulty_mix", "length_balance")
BANDS = ("easy", "medium", "hard")
# chosen/rejected length ratio bins of the composition report: [low, high)
RATIO_BINS = ((0, 0.5), (0.5, 1), (1, 1.5), (1.5, 2), (2, 3), (3, 5), (5, None))


class ComposeSettings(BaseModel):
    """The composition policy of each release (tasks/publish/compose.py)."""

    model_config = ConfigDict(extra="forbid")

    enabled: bool = Field(
        True, description="Compose each version; off, every eligible pair is published."
    )
    min_pairs: int = Field(
        20,
        ge=1,
        description="Compose from this many eligible pairs (on fewer, shares are noise and "
        "every pair is kept).",
    )
    max_scene_share: float = Field(
        0.5,
        gt=0,
        le=1,
        description="Largest share of the set one scene may hold (below the gate's "
        "validation.max_scene_share).",
    )
    min_scene_pairs: int = Field(
        5, ge=0, description="Floor: a scene keeps at least this many pairs (all if it has fewer)."
    )
    max_cluster_share: float = Field(
        0.05, gt=0, le=1, description="Largest share of the set one bad-case cluster may hold."
    )
    min_cluster_cap: int = Field(
        3, ge=1, description="A cluster may always hold this many pairs, whatever the set's size."
    )
    max_easy_share: float = Field(
        0.5, gt=0, le=1, description="Largest share of easy pairs (obvious failures)."
    )
    easy_below: float = Field(
        0.25,
        ge=0,
        le=1,
        description="A pair is easy below this difficulty: 1 - mean(judge deviation, "
        "min(user cost, 1), 1 - 1/cluster size).",
    )
    hard_from: float = Field(
        0.5, ge=0, le=1, description="A pair is hard from this difficulty (near misses always)."
    )
    max_chosen_longer_share: float = Field(
        0.6,
        ge=0,
        le=1,
        description="Most pairs whose chosen answer is longer (below the gates' 0.65 "
        "shallow-cue and 0.8 length-share bounds).",
    )
    max_median_length_ratio: float = Field(
        2.0, gt=0, description="Highest median chosen/rejected length ratio."
    )

    @model_validator(mode="after")
    def _bands_in_order(self) -> ComposeSettings:
        if self.easy_below > self.hard_from:
            raise ValueError("compose.easy_below must not be above compose.hard_from")
        return self


@dataclass(frozen=True)
class ComposeSummary:
    """What one composition did."""

    candidates: int = 0
    kept: int = 0
    deferred: dict[str, int] = field(default_factory=dict)
    chosen_longer_share: float | None = None
    median_length_ratio: float | None = None
    within_bounds: bool = True


def difficulty(row: dict) -> float:
    """How hard a pair is to tell apart, 0..1: one minus how obvious its failure was
    (the mean of the judge evidence, the user cost capped at 1, and the cluster's
    recurrence ``1 - 1/size``)."""
    recurrence = 1 - 1 / max(row["recurrence"], 1)
    obvious = (row["deviation"] + min(row["user_cost"], 1.0) + recurrence) / 3
    return round(1 - obvious, 6)


def band(row: dict, settings: ComposeSettings) -> str:
    """``easy``, ``medium`` or ``hard`` (near misses are always hard)."""
    d = difficulty(row)
    if row["near_miss"] or d >= settings.hard_from:
        return "hard"
    return "easy" if d < settings.easy_below else "medium"


def length_ratio(row: dict) -> float:
    """chosen/rejected length in characters."""
    return row["chosen_chars"] / max(row["rejected_chars"], 1)


def ratio_bin(ratio: float) -> str:
    """The composition report's label for a length ratio (``1-1.5``, ``>=5``...)."""
    for low, high in RATIO_BINS:
        if high is None:
            return f">={low:g}"
        if ratio < high:
            return f"{low:g}-{high:g}"
    raise AssertionError("unreachable")


class _Composition:
    """The kept set and its counts; removals record their reason."""

    def __init__(self, rows: list[dict], settings: ComposeSettings) -> None:
        self.s = settings
        for r in rows:
            r["band"] = band(r, settings)
            r["ratio"] = length_ratio(r)
            r["longer"] = r["chosen_chars"] > r["rejected_chars"]
        # kept first: near misses, published, harder, concise; removed from the end
        self.rows = sorted(
            rows,
            key=lambda r: (
                not r["near_miss"],
                not r["published"],
                -difficulty(r),
                r["ratio"] if r["longer"] else 0.0,
                r["pair_id"],
            ),
        )
        self.kept = {r["pair_id"]: r for r in self.rows}
        self.left_out: dict[str, str] = {}
        self.count = {k: Counter(r[k] for r in rows) for k in ("cluster_id", "category", "scene")}
        self.scene_total = Counter(r["scene"] for r in rows)

    def protected(self, r: dict) -> bool:
        """Removing it would lose a cluster or category, or take its scene below the floor."""
        floor = min(self.s.min_scene_pairs, self.scene_total[r["scene"]])
        return (
            self.count["cluster_id"][r["cluster_id"]] <= 1
            or self.count["category"][r["category"]] <= 1
            or self.count["scene"][r["scene"]] <= floor
        )

    def remove(self, r: dict, reason: str) -> None:
        del self.kept[r["pair_id"]]
        self.left_out[r["pair_id"]] = reason
        for k in self.count:
            self.count[k][r[k]] -= 1

    def trim(self, group: list[dict], surplus: Callable[[], int], reason: str) -> bool:
        """Remove the group's least wanted unprotected pairs while ``surplus()`` > 0."""
        removed = False
        for r in reversed(group):
            if surplus() <= 0:
                break
            if r["pair_id"] in self.kept and not self.protected(r):
                self.remove(r, reason)
                removed = True
        return removed

    def members(self, key: str, value: object) -> list[dict]:
        return [r for r in self.kept.values() if r[key] == value]

    def cap_clusters(self) -> bool:
        cap = max(self.s.min_cluster_cap, int(self.s.max_cluster_share * len(self.kept)))
        removed = False
        for cluster, n in sorted(self.count["cluster_id"].items(), key=str):
            if n > cap:
                group = self.members("cluster_id", cluster)
                removed |= self.trim(
                    group, lambda c=cluster: self.count["cluster_id"][c] - cap, "cluster_cap"
                )
        return removed

    def cap_scenes(self) -> bool:
        share = self.s.max_scene_share
        if share >= 1 or sum(1 for n in self.count["scene"].values() if n) < 2:
            return False
        removed = False
        for scene in sorted(self.count["scene"], key=str):

            def surplus(scene=scene) -> int:
                n = self.count["scene"][scene]
                others = len(self.kept) - n
                allowed = max(int(share * others / (1 - share)), self.s.min_scene_pairs)
                return n - allowed

            if surplus() > 0:
                removed |= self.trim(self.members("scene", scene), surplus, "scene_quota")
        return removed

    def mix_difficulty(self) -> bool:
        easy = [r for r in self.kept.values() if r["band"] == "easy"]

        def surplus() -> int:
            n = sum(1 for r in easy if r["pair_id"] in self.kept)
            return n - int(self.s.max_easy_share * len(self.kept))

        return self.trim(easy, surplus, "difficulty_mix") if surplus() > 0 else False

    def longer_share(self) -> float:
        return sum(r["longer"] for r in self.kept.values()) / max(len(self.kept), 1)

    def median_ratio(self) -> float:
        return statistics.median(r["ratio"] for r in self.kept.values()) if self.kept else 0.0

    def out_of_balance(self) -> bool:
        return (
            self.longer_share() > self.s.max_chosen_longer_share
            or self.median_ratio() > self.s.max_median_length_ratio
        )

    def balance_length(self) -> bool:
        if not self.out_of_balance():
            return False
        # the least concise repairs go first; near misses and published pairs last
        order = sorted(
            (r for r in self.kept.values() if r["longer"]),
            key=lambda r: (r["near_miss"], r["published"], -r["ratio"], r["pair_id"]),
        )
        removed = False
        for r in order:
            if not self.out_of_balance():
                break
            if not self.protected(r):
                self.remove(r, "length_balance")
                removed = True
        return removed


def compose_pairs(rows: list[dict], settings: ComposeSettings) -> dict[str, str]:
    """The pairs to leave out of this version, ``pair_id -> reason`` (pure: see the module
    docstring for the policy). ``rows`` carry the columns of
    ``select_composition_candidates.sql``."""
    if not settings.enabled or len(rows) < settings.min_pairs:
        return {}
    c = _Composition([dict(r) for r in rows], settings)
    steps = (c.cap_clusters, c.cap_scenes, c.mix_difficulty, c.balance_length)
    for _ in range(len(rows) + 1):  # each round removes a pair or ends
        if not any([step() for step in steps]):
            break
    return c.left_out


def compose_preference_set(
    con: duckdb.DuckDBPyConnection, settings: ComposeSettings | None = None
) -> ComposeSummary:
    """Leave out of this version the eligible pairs the policy does not take (``deferred``
    with the reason)."""
    settings = settings or ComposeSettings()
    rows = fetch_dicts(con.execute(sql("select_composition_candidates")))
    left_out = compose_pairs(rows, settings)
    if left_out:
        table = pa.table(
            {"pair_id": list(left_out), "reason": list(left_out.values())},
            schema=pa.schema([("pair_id", pa.string()), ("reason", pa.string())]),
        )
        with transaction(con), arrow_view(con, "composition_arrow", table):
            con.execute(sql("update_pair_composition"))
    kept = [r for r in rows if r["pair_id"] not in left_out]
    longer = sum(r["chosen_chars"] > r["rejected_chars"] for r in kept) / max(len(kept), 1)
    median = statistics.median(length_ratio(r) for r in kept) if kept else None
    within = len(kept) < settings.min_pairs or (
        longer <= settings.max_chosen_longer_share
        and (median or 0) <= settings.max_median_length_ratio
    )
    summary = ComposeSummary(
        candidates=len(rows),
        kept=len(kept),
        deferred=dict(sorted(Counter(left_out.values()).items())),
        chosen_longer_share=round(longer, 4) if kept else None,
        median_length_ratio=round(median, 4) if median is not None else None,
        within_bounds=within,
    )
    if not within:
        log.warning(
            "compose: length bounds not met (chosen longer %.2f, median ratio %.2f): coverage "
            "floors hold too many long repairs; mine more counter-examples (rule:verbose)",
            longer,
            median or 0,
        )
    log.info(
        "compose: %d of %d eligible pairs kept, deferred %s", len(kept), len(rows), summary.deferred
    )
    return summary


def composition_report(
    con: duckdb.DuckDBPyConnection, settings: ComposeSettings | None = None
) -> dict:
    """What a version holds, for its manifest, card and ``datasets show``: pairs per scene,
    category and difficulty band, a chosen/rejected length-ratio histogram, and the
    pairs left out by reason."""
    settings = settings or ComposeSettings()
    rows = fetch_dicts(con.execute(sql("select_composition_candidates")))
    histogram = Counter(ratio_bin(length_ratio(r)) for r in rows)
    return {
        "scenes": dict(sorted(Counter(str(r["scene"]) for r in rows).items())),
        "categories": dict(sorted(Counter(str(r["category"]) for r in rows).items())),
        "difficulty": {b: sum(band(r, settings) == b for r in rows) for b in BANDS},
        "length_ratio": {
            label: histogram.get(label, 0) for label in (ratio_bin(low) for low, _ in RATIO_BINS)
        },
        "clusters": len({r["cluster_id"] for r in rows}),
        "left_out": dict(con.execute(sql("select_deferred_pairs")).fetchall()),
    }


@task(name="compose-preference-set", cache_policy=NO_CACHE)
def compose_preference_set_task(
    warehouse: str,
    settings: ComposeSettings,
    memory_limit: str | None = None,
    threads: int | None = None,
) -> ComposeSummary:
    """Prefect task: open the warehouse and run :func:`compose_preference_set`."""
    with closing(connect(warehouse, memory_limit=memory_limit, threads=threads)) as con:
        return compose_preference_set(con, settings)
