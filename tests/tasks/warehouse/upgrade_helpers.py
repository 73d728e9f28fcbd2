"""The release-0.1.0 warehouse fixture, and sample migrations that are not shipped.

tests/data/upgrade/warehouse-0.1.0.duckdb.gz was written by release 0.1.0 (commit
429ca00) with tests/data/upgrade/build_fixture.py: two loop runs over
tests/data/upgrade/landing against the loopback LLM server, an expert review between.
"""

from __future__ import annotations

import gzip
import hashlib
import shutil
from pathlib import Path

import duckdb

from tasks.warehouse.db import quote_identifier
from tasks.warehouse.schema import MIGRATIONS_DIR
from tests.conftest import ROOT

UPGRADE = ROOT / "tests" / "data" / "upgrade"
FIXTURE = UPGRADE / "warehouse-0.1.0.duckdb.gz"
LANDING = UPGRADE / "landing"
# What release 0.1.0 left in the fixture (build_fixture.py prints these).
FIXTURE_COUNTS = {
    "bad_cases": 14,
    "eval_split": 12,
    "events": 24,
    "ingested_files": 6,
    "interactions": 67,
    "judgments": 58,
    "mined_conversations": 35,
    "preference_pairs": 12,
    "published_versions": 1,
    "review_queue": 3,
    "rewrites": 13,
    "routes": 14,
    "runs": 2,
    "signals": 60,
}

# A data rewrite in Python: a new column filled from existing rows.
VERDICT_RANK = '''"""Sample (tests only): judgments get a numeric verdict_rank."""


def migrate(con):
    con.execute("ALTER TABLE judgments ADD COLUMN verdict_rank INTEGER")
    con.execute(
        "UPDATE judgments SET verdict_rank = CASE verdict WHEN 'bad' THEN 0 "
        "WHEN 'acceptable' THEN 1 WHEN 'good' THEN 2 END"
    )
'''
# The same on a table a run with no new logs does not insert into (INSERTs are
# positional: a real migration that adds a column ships with the SQL that writes it).
ANSWER_CHARS = '''"""Sample (tests only): interactions get answer_chars."""


def migrate(con):
    con.execute("ALTER TABLE interactions ADD COLUMN answer_chars BIGINT")
    con.execute("UPDATE interactions SET answer_chars = length(response_content)")
'''
# A derived table rebuilt: forgetting what was mined makes the next run mine again.
REMINE = """-- Sample (tests only): signals are computed differently now: mine everything again.
-- rewrites-data
DELETE FROM mined_conversations;
"""
FAILING = """ALTER TABLE runs ADD COLUMN code_version VARCHAR;
UPDATE runs SET code_version = no_such_column;
"""


def unpack_fixture(folder: Path, name: str = "warehouse.duckdb") -> Path:
    """A fresh copy of the 0.1.0 warehouse in ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    with gzip.open(FIXTURE, "rb") as src, path.open("wb") as dst:
        shutil.copyfileobj(src, dst)
    return path


def migrations_folder(folder: Path, **extra: str) -> Path:
    """The baseline migration plus ``extra`` (file name -> text) in ``folder``.

    The framework's tests number their sample migrations from 0002 whatever a release
    ships after the baseline; the shipped ones are tested on the 0.1.0 fixture by
    tests/flows/test_upgrade.py.
    """
    folder.mkdir(parents=True, exist_ok=True)
    for f in MIGRATIONS_DIR.iterdir():
        if f.name.startswith("0001_") and f.name.endswith((".sql", ".py")):
            (folder / f.name).write_text(f.read_text(encoding="utf-8"), encoding="utf-8")
    for name, text in extra.items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def missing_rows(con: duckdb.DuckDBPyConnection, old: str, table: str) -> int:
    """Rows of ``old``.``table`` (an attached database) not in the warehouse's ``table``,
    counted with duplicates, over the old table's columns."""
    cols = [
        r[0]
        for r in con.execute(
            "SELECT column_name FROM duckdb_columns() WHERE database_name = ? AND table_name = ?"
            " ORDER BY column_index",
            [old, table],
        ).fetchall()
    ]
    select = ", ".join(quote_identifier(c) for c in cols)
    t = quote_identifier(table)
    return con.execute(
        f"SELECT count(*) FROM (SELECT {select} FROM {quote_identifier(old)}.{t} "
        f"EXCEPT ALL SELECT {select} FROM {t})"
    ).fetchone()[0]
