"""Schema versions and migrations on real DuckDB files: a new warehouse, the 0.1.0
fixture adopted as the baseline, a sample data-rewriting migration with its backup, a
failing one rolled back, and the warehouses the code must refuse without writing."""

from __future__ import annotations

import shutil
from contextlib import closing

import duckdb
import pytest

from flows.cli import main
from tasks.errors import (
    MigrationFailedError,
    MigrationPendingError,
    WarehouseError,
    WarehouseSchemaError,
    WarehouseTooNewError,
)
from tasks.warehouse import schema
from tasks.warehouse.db import connect, run_lock
from tests.tasks.warehouse.upgrade_helpers import (
    FAILING,
    FIXTURE_COUNTS,
    REMINE,
    VERDICT_RANK,
    migrations_folder,
    missing_rows,
    sha256,
    unpack_fixture,
)

SAMPLES = {"0002_judgment_verdict_rank.py": VERDICT_RANK, "0003_mine_again.sql": REMINE}


@pytest.fixture(autouse=True)
def baseline_only(tmp_path, monkeypatch):
    """The framework under test with only the baseline shipped (samples are added per test)."""
    monkeypatch.setattr(schema, "MIGRATIONS_DIR", migrations_folder(tmp_path / "shipped"))


@pytest.fixture
def legacy(tmp_path):
    """A copy of the warehouse release 0.1.0 wrote, and a pristine copy to compare with."""
    path = unpack_fixture(tmp_path / "wh")
    shutil.copyfile(path, tmp_path / "pristine.duckdb")
    return path


def _open(path, **kw):
    return closing(connect(path, check_schema=False, **kw))


def _applied(path) -> list[tuple]:
    with closing(duckdb.connect(str(path), read_only=True)) as con:
        return con.execute(
            "SELECT version, name, how, code_version FROM schema_migrations ORDER BY version"
        ).fetchall()


def test_a_new_warehouse_records_every_shipped_migration(tmp_path):
    path = tmp_path / "new.duckdb"
    connect(path).close()
    known = schema.load_migrations()
    assert known[0].label == "0001_baseline"
    rows = [(m.version, m.name, "applied", schema.code_version()) for m in known]
    assert _applied(path) == rows
    before = sha256(path)
    connect(path).close()  # current: opening writes nothing
    assert sha256(path) == before and _applied(path) == rows
    with closing(duckdb.connect(str(path), read_only=True)) as con:
        got = schema.baseline_columns(known)
        assert set(schema.table_counts(con)) == {*got, "schema_migrations"}


def test_the_baseline_is_exactly_what_release_0_1_0_wrote(legacy):
    with closing(duckdb.connect(str(legacy), read_only=True)) as con:
        assert schema._columns(con) == schema.baseline_columns(schema.load_migrations())


def test_a_0_1_0_warehouse_is_refused_until_migrated_then_adopted_keeping_every_row(
    legacy, tmp_path
):
    before = sha256(legacy)
    with pytest.raises(MigrationPendingError, match="warehouse migrate"):
        connect(legacy)
    assert sha256(legacy) == before, "refusing wrote nothing"
    with _open(legacy) as con:
        result = schema.migrate(con, str(legacy))
        assert result.applied == ("0001_baseline",) and result.adopted and not result.backup
        assert (result.from_version, result.to_version) == (0, 1)
        counts = schema.table_counts(con)
        assert {t: counts[t] for t in FIXTURE_COUNTS} == FIXTURE_COUNTS
        con.execute("ATTACH ? AS old (READ_ONLY)", [str(tmp_path / "pristine.duckdb")])
        for table in schema.baseline_columns(schema.load_migrations()):
            assert missing_rows(con, "old", table) == 0, table
            old = con.execute(f'SELECT count(*) FROM old."{table}"').fetchone()[0]
            assert counts[table] == old, table
        assert schema.migrate(con, str(legacy)).applied == ()
    assert _applied(legacy) == [(1, "baseline", "adopted", schema.code_version())]
    connect(legacy).close()


def test_a_data_rewriting_migration_adds_a_column_and_backs_up_first(legacy, tmp_path, monkeypatch):
    folder = migrations_folder(tmp_path / "migrations", **SAMPLES)
    known = schema.load_migrations(folder)
    assert [m.rewrites_data for m in known] == [False, True, True]
    with _open(legacy) as con:
        result = schema.migrate(con, str(legacy), known=known)
        assert result.applied == ("0001_baseline", "0002_judgment_verdict_rank", "0003_mine_again")
        ranks = dict(
            con.execute("SELECT verdict, min(verdict_rank) FROM judgments GROUP BY 1").fetchall()
        )
        assert con.execute("SELECT count(*) FROM mined_conversations").fetchone() == (0,)
    assert ranks == {"bad": 0, "good": 2}  # the fixture's verdicts
    backup = legacy.parent / "warehouse.duckdb.backups"
    assert result.backup and result.backup.startswith(str(backup / "before-0002_"))
    # the backup is the warehouse as it was: no new column, no schema version, every row
    with closing(duckdb.connect(result.backup, read_only=True)) as con:
        cols = schema._columns(con)
        assert "verdict_rank" not in cols["judgments"] and "schema_migrations" not in cols
        counts = schema.table_counts(con)
        assert {t: counts[t] for t in FIXTURE_COUNTS} == FIXTURE_COUNTS
    assert [r[:3] for r in _applied(legacy)] == [
        (1, "baseline", "adopted"),
        (2, "judgment_verdict_rank", "applied"),
        (3, "mine_again", "applied"),
    ]
    # with those migrations known the warehouse is current; with the shipped ones it is newer
    monkeypatch.setattr(schema, "MIGRATIONS_DIR", folder)
    connect(legacy).close()


def test_a_failing_migration_rolls_back_all_pending_ones(legacy, tmp_path):
    good = migrations_folder(tmp_path / "good", **SAMPLES)
    with _open(legacy) as con:
        schema.migrate(con, str(legacy), known=schema.load_migrations(good)[:2])
    shutil.copyfile(legacy, tmp_path / "before.duckdb")
    bad = migrations_folder(tmp_path / "bad", **SAMPLES, **{"0004_runs_code_version.sql": FAILING})
    with _open(legacy) as con:
        with pytest.raises(MigrationFailedError) as failed:
            schema.migrate(con, str(legacy), known=schema.load_migrations(bad))
        message = str(failed.value)
        assert "0004_runs_code_version failed" in message and "rolled back" in message
        assert "\n" not in message and "backup:" in message  # 0003 rewrites data
        # 0003 ran in the same transaction: undone too; 0004's column is not there
        assert con.execute("SELECT count(*) FROM mined_conversations").fetchone() == (35,)
        assert "code_version" not in schema._columns(con)["runs"]
        assert schema.read_state(con, schema.load_migrations(bad)).version == 2
        con.execute("ATTACH ? AS before (READ_ONLY)", [str(tmp_path / "before.duckdb")])
        for table, n in schema.table_counts(con).items():
            assert missing_rows(con, "before", table) == 0, table
            assert con.execute(f'SELECT count(*) FROM before."{table}"').fetchone()[0] == n
    assert len(_applied(legacy)) == 2
    with closing(duckdb.connect(str(legacy), read_only=True)) as con:  # as stored on disk
        assert "code_version" not in schema._columns(con)["runs"]
        assert con.execute("SELECT count(*) FROM mined_conversations").fetchone() == (35,)


def test_a_warehouse_a_newer_release_migrated_is_refused_without_writes(legacy, tmp_path, capsys):
    newer = schema.load_migrations(migrations_folder(tmp_path / "newer", **SAMPLES))
    with _open(legacy) as con:
        schema.migrate(con, str(legacy), known=newer)
    before = sha256(legacy)
    with pytest.raises(WarehouseTooNewError) as refused:
        connect(legacy)
    assert "0003_mine_again" in str(refused.value) and "upgrade badcase-loop" in str(refused.value)
    with _open(legacy) as con, pytest.raises(WarehouseTooNewError):
        schema.migrate(con, str(legacy))
    landing = tmp_path / "landing"
    (landing / "interactions").mkdir(parents=True)
    for argv in (
        ["run", "--landing", str(landing), "--warehouse", str(legacy)],
        ["warehouse", "migrate", "--warehouse", str(legacy)],
        ["review", "export", "--out", str(tmp_path / "q.jsonl"), "--warehouse", str(legacy)],
    ):
        assert main(argv) == 2
        err = capsys.readouterr().err.strip()
        assert "\n" not in err and "knows schemas up to 0001_baseline" in err
        assert err.startswith("badcase-loop: error: the warehouse") and "0003_mine_again" in err
    assert main(["warehouse", "status", "--warehouse", str(legacy)]) == 2
    out = capsys.readouterr().out
    assert "schema: 0003" in out and "0003_mine_again" in out
    assert sha256(legacy) == before, "nothing was written"


def test_an_applied_migration_edited_since_is_an_error(legacy, tmp_path):
    folder = migrations_folder(tmp_path / "m", **SAMPLES)
    with _open(legacy) as con:
        schema.migrate(con, str(legacy), known=schema.load_migrations(folder))
    edited = folder / "0003_mine_again.sql"
    edited.write_text(edited.read_text() + "DELETE FROM signals;\n")
    with _open(legacy) as con, pytest.raises(WarehouseSchemaError, match="0003_mine_again changed"):
        schema.migrate(con, str(legacy), known=schema.load_migrations(folder))
    # line endings alone are no change
    edited.write_text(REMINE.replace("\n", "\r\n"), newline="")
    with _open(legacy) as con:
        assert schema.migrate(con, str(legacy), known=schema.load_migrations(folder)).applied == ()


def test_files_that_are_not_a_0_1_0_warehouse_are_refused(tmp_path):
    other = tmp_path / "other.duckdb"
    with closing(duckdb.connect(str(other))) as con:
        con.execute("CREATE TABLE notes (x INTEGER)")
    with pytest.raises(WarehouseSchemaError, match="not a badcase-loop warehouse"):
        connect(other)
    changed = tmp_path / "changed.duckdb"
    with closing(duckdb.connect(str(changed))) as con:
        con.execute("CREATE TABLE runs (run_id VARCHAR, started_at VARCHAR)")
    with pytest.raises(WarehouseSchemaError, match="cannot be adopted"), _open(changed) as con:
        schema.migrate(con, str(changed))
    with closing(duckdb.connect(str(changed), read_only=True)) as con:
        assert list(schema.table_counts(con)) == ["runs"], "nothing was created"


def test_migration_files_are_numbered_without_gaps(tmp_path):
    folder = migrations_folder(tmp_path / "m", **{"0003_late.sql": "SELECT 1;"})
    with pytest.raises(RuntimeError, match="without gaps"):
        schema.load_migrations(folder)
    (folder / "0003_late.sql").rename(folder / "3_late.sql")
    with pytest.raises(RuntimeError, match="NNNN_name"):
        schema.load_migrations(folder)


def test_warehouse_commands_status_dry_run_migrate_backup_and_restore(legacy, tmp_path, capsys):
    wh = str(legacy)
    assert main(["warehouse", "status", "--warehouse", wh]) == 0
    out = capsys.readouterr().out
    assert "written by badcase-loop 0.1.0" in out and "1 pending" in out
    before = sha256(legacy)
    assert main(["warehouse", "migrate", "--dry-run", "--warehouse", wh]) == 0
    assert "0001_baseline (adopts the 0.1.0 tables" in capsys.readouterr().out
    assert sha256(legacy) == before, "a dry run writes nothing"
    assert main(["warehouse", "migrate", "--warehouse", wh]) == 0
    assert "schema 0000 -> 0001, applied 0001_baseline" in capsys.readouterr().out
    assert main(["warehouse", "status", "--warehouse", wh]) == 0
    out = capsys.readouterr().out
    assert "0001_baseline" in out and "adopted" in out and "up to date" in out
    assert "last run:" in out and "completed" in out

    copy = tmp_path / "backups" / "nightly.duckdb"
    assert main(["warehouse", "backup", str(copy), "--warehouse", wh]) == 0
    assert f"backed up {wh} to {copy}" in capsys.readouterr().out
    assert main(["warehouse", "backup", str(copy), "--warehouse", wh]) == 2
    assert "already exists" in capsys.readouterr().err
    # restore: damage the warehouse, copy the backup back
    with closing(connect(legacy)) as con:
        con.execute("DELETE FROM interactions")
    shutil.copyfile(copy, legacy)
    with closing(connect(legacy)) as con:
        assert con.execute("SELECT count(*) FROM interactions").fetchone() == (67,)
    # between runs only
    with run_lock(wh, "a-run"):
        for argv in (["backup", str(tmp_path / "b2.duckdb")], ["migrate"]):
            assert main(["warehouse", *argv, "--warehouse", wh]) == 2
            assert "in use by loop run a-run" in capsys.readouterr().err
    assert main(["warehouse", "status", "--warehouse", str(tmp_path / "nope.duckdb")]) == 2
    assert "no warehouse at" in capsys.readouterr().err


def test_an_in_memory_warehouse_has_no_backup(con, tmp_path):
    with pytest.raises(WarehouseError, match="in-memory"):
        schema.backup_warehouse(con, ":memory:", tmp_path / "x.duckdb")
