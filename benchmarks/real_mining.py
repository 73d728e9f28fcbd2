"""Mining measured on real conversations: blind labels, stratified estimates, intervals.

The labelled sample (``benchmarks/data/``) is 200 interactions drawn at random from
those the miner of commit 429ca00 mined and 200 from those it did not, on the ShareGPT V3
corpus converted by :mod:`benchmarks.sharegpt`; two labellers who never saw the
miner's output labelled them (``labelling_rubric.md``). Any later miner is measured on
the same sample by weighting each stratum by its size (a stratified ratio estimator),
with 95% intervals from a stratified bootstrap (:mod:`tasks.audit.estimate`, the estimator
``badcase-loop audit import`` uses); ``unsure`` labels are left out.

    python -m benchmarks.real_mining WAREHOUSE            # a warehouse mined from the corpus
    python -m benchmarks.real_mining WAREHOUSE --landing DIR --json
                                      # ingest and mine DIR into WAREHOUSE first (no LLM)
"""

from __future__ import annotations

import json
from pathlib import Path

from tasks.audit.estimate import Estimate, estimate

DATA = Path(__file__).resolve().parent / "data"


def load_sample() -> tuple[list[dict], dict[str, int]]:
    """The labelled items (interaction_id, stratum, bad) and the strata sizes."""
    key = {
        x["item_id"]: x
        for x in map(json.loads, (DATA / "sharegpt_sample.jsonl").read_text().splitlines())
    }
    items = []
    for line in (DATA / "sharegpt_labels.jsonl").read_text().splitlines():
        label = json.loads(line)
        if label["label"] == "unsure":
            continue
        k = key[label["item_id"]]
        items.append(
            {
                "interaction_id": k["interaction_id"],
                "stratum": k["stratum"],
                "bad": label["label"] == "bad",
                "kind": label.get("kind"),
            }
        )
    strata = json.loads((DATA / "sharegpt_strata.json").read_text())["strata"]
    return items, strata


def measure(warehouse: str | Path) -> dict:
    """Precision and recall of a warehouse's bad cases, per signal and per rule, on the sample."""
    import duckdb

    items, strata = load_sample()
    con = duckdb.connect(str(warehouse), read_only=True)
    ids = [i["interaction_id"] for i in items]
    mined = {
        r[0]
        for r in con.execute(
            "SELECT interaction_id FROM bad_cases WHERE list_contains($ids, interaction_id)",
            {"ids": ids},
        ).fetchall()
    }
    fired: dict[str, set[str]] = {}
    for name, iid in con.execute(
        "SELECT signal, interaction_id FROM signals WHERE polarity = 'negative' "
        "AND list_contains($ids, interaction_id) "
        "UNION ALL SELECT judge, interaction_id FROM judgments WHERE verdict = 'bad' "
        "AND list_contains($ids, interaction_id)",
        {"ids": ids},
    ).fetchall():
        fired.setdefault(name, set()).add(iid)
    con.close()
    report = {
        "precision": estimate(
            items,
            strata,
            lambda i: i["bad"] and i["interaction_id"] in mined,
            lambda i: i["interaction_id"] in mined,
        ),
        "recall": estimate(
            items, strata, lambda i: i["bad"] and i["interaction_id"] in mined, lambda i: i["bad"]
        ),
        "bad_rate": estimate(items, strata, lambda i: i["bad"], lambda i: True),
        "by_source": {},
    }
    for name, got in sorted(fired.items()):
        both = got & mined
        report["by_source"][name] = {
            "precision": estimate(
                items,
                strata,
                lambda i, g=got: i["bad"] and i["interaction_id"] in g,
                lambda i, g=got: i["interaction_id"] in g,
            ),
            "mined_precision": estimate(
                items,
                strata,
                lambda i, g=both: i["bad"] and i["interaction_id"] in g,
                lambda i, g=both: i["interaction_id"] in g,
            ),
        }
    return report


def mine_corpus(landing: str | Path, warehouse: str | Path) -> dict[str, float]:
    """Ingest ``landing`` into a new ``warehouse`` and mine it without an LLM; stage seconds."""
    from benchmarks.real_shaped import mine_night

    seconds = mine_night(Path(warehouse), Path(landing), "bench")
    return {name: round(s, 1) for name, s in seconds.items()}


def as_json(report: dict) -> dict:
    """The report with plain dicts, for ``--json``."""
    plain = {k: v.__dict__ for k, v in report.items() if isinstance(v, Estimate)}
    plain["by_source"] = {
        name: {k: v.__dict__ for k, v in r.items()} for name, r in report["by_source"].items()
    }
    return plain


def _fmt(e: Estimate) -> str:
    if e.value is None:
        return f"– (n={e.items})"
    if e.low is None:
        return f"{e.value:.2f} (n={e.items})"
    return f"{e.value:.2f} [{e.low:.2f}, {e.high:.2f}] (n={e.items})"


def main(argv: list[str] | None = None) -> None:
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("warehouse")
    parser.add_argument("--landing", help="ingest and mine this landing root first")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    seconds = mine_corpus(args.landing, args.warehouse) if args.landing else {}
    report = measure(args.warehouse)
    if args.json:
        print(json.dumps({"seconds": seconds, **as_json(report)}))
        return
    print(
        f"precision {_fmt(report['precision'])}  recall {_fmt(report['recall'])}  "
        f"bad rate {_fmt(report['bad_rate'])}"
    )
    for name, r in report["by_source"].items():
        print(
            f"  {name:<24} precision {_fmt(r['precision'])}  in mined {_fmt(r['mined_precision'])}"
        )


if __name__ == "__main__":
    main()
