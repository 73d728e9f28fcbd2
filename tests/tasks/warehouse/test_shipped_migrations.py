"""The migrations this release ships, applied to a new warehouse and to the 0.1.0 fixture."""

from __future__ import annotations

import hashlib
import shutil
from contextlib import closing

import duckdb

from tasks.warehouse import schema
from tasks.warehouse.db import connect, sql
from tests.tasks.warehouse.upgrade_helpers import FIXTURE_COUNTS, missing_rows, unpack_fixture


def test_a_new_warehouse_has_every_shipped_migration(tmp_path):
    path = tmp_path / "new.duckdb"
    connect(path).close()
    shipped = schema.load_migrations()
    with closing(duckdb.connect(str(path), read_only=True)) as con:
        applied = con.execute("SELECT version FROM schema_migrations ORDER BY 1").fetchall()
        assert [v for (v,) in applied] == [m.version for m in shipped]
        assert "reply_format" in schema._columns(con)["rewrites"]


def test_the_0_1_0_warehouse_upgrades_keeping_every_row_and_forgets_what_was_mined(tmp_path):
    legacy = unpack_fixture(tmp_path / "wh")
    shutil.copyfile(legacy, tmp_path / "pristine.duckdb")
    with closing(connect(legacy, check_schema=False)) as con:
        result = schema.migrate(con, str(legacy))
        assert result.adopted and result.to_version == len(schema.load_migrations())
        # the evidence model changed (0003): mining starts over, so a backup came first
        assert result.backup and con.execute(
            "SELECT count(*) FROM mined_conversations"
        ).fetchone() == (0,)
        assert con.execute(
            "SELECT count(*) FROM rewrites WHERE reply_format IS NOT NULL"
        ).fetchone() == (0,)
        counts = schema.table_counts(con)
        con.execute("ATTACH ? AS old (READ_ONLY)", [str(tmp_path / "pristine.duckdb")])
        for table, n in FIXTURE_COUNTS.items():
            if table != "mined_conversations":
                assert counts[table] == n, table
                assert missing_rows(con, "old", table) == 0, table
    connect(legacy).close()  # current now


# What mining keeps per turn and per bad case (interaction_turns, case_texts, request_bands,
# request_clusters) was computed by these definitions. A change to them ships with a
# migration that empties those tables (the next ingest and mining fill them again), and
# pins the new digest here with that migration's name.
DERIVED = (
    "create_text_macros",
    "insert_interaction_turns",
    "insert_case_texts",
    "insert_request_bands",
)
DERIVED_PIN = {"sha256": "0292c0286305d96a", "migration": "0009_incremental_mining"}


def test_derived_definitions_change_only_with_a_migration_that_empties_what_they_made():
    digest = hashlib.sha256("".join(sql(name) for name in DERIVED).encode()).hexdigest()[:16]
    assert digest == DERIVED_PIN["sha256"], (
        f"{', '.join(DERIVED)} changed: add a migration that empties interaction_turns, "
        "case_texts, request_bands and request_clusters, and pin the new digest with its name"
    )
    assert DERIVED_PIN["migration"] in [m.label for m in schema.load_migrations()]
