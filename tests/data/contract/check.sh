#!/usr/bin/env bash
# Contract check: runs the project's CLI on the tiny landing sample beside this
# script and checks the interface that DESIGN.md fixes (CLI flags, landing
# layout, warehouse table names, quarantine). Run from the project root:
#   bash tests/data/contract/check.sh [path/to/badcase-loop]
set -u
here=$(cd "$(dirname "$0")" && pwd)
bcl=${1:-.venv/bin/badcase-loop}
py=$(dirname "$bcl")/python
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "contract: FAIL: $*"; exit 1; }
"$bcl" run --landing "$here/landing" --warehouse "$work/wh.duckdb" --datasets "$work/datasets" >"$work/run.log" 2>&1 \
  || { tail -n 20 "$work/run.log"; fail "'badcase-loop run --landing --warehouse --datasets' exited non-zero"; }
"$py" - "$work/wh.duckdb" <<'PY' || exit 1
import sys, duckdb
con = duckdb.connect(sys.argv[1], read_only=True)
tables = {r[0] for r in con.execute("SELECT table_name FROM information_schema.tables").fetchall()}
need = ["ingested_files", "interactions", "events", "quarantine", "runs"]
missing = [t for t in need if t not in tables]
assert not missing, f"contract: FAIL: missing tables {missing}"
n = con.execute("SELECT count(*) FROM interactions").fetchone()[0]
e = con.execute("SELECT count(*) FROM events").fetchone()[0]
q = con.execute("SELECT count(*) FROM quarantine").fetchone()[0]
assert n == 7, f"contract: FAIL: {n} interactions ingested, expected 7"
assert e == 5, f"contract: FAIL: {e} events ingested, expected 5"
assert q >= 1, "contract: FAIL: the malformed line was not quarantined"
later = ["signals", "bad_cases", "judgments", "routes", "rewrites", "review_queue",
         "preference_pairs", "published_versions"]
print("contract: ok (7 interactions, 5 events, %d quarantined); later-stage tables present: %s"
      % (q, ", ".join(t for t in later if t in tables) or "none yet"))
PY
