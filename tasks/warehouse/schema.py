"""The warehouse's schema version and its migrations (docs/upgrades.md).

Migrations are files in ``tasks/warehouse/migrations/``, numbered from ``0001``
without gaps: ``NNNN_name.sql`` (DuckDB statements) or ``NNNN_name.py`` (a
``migrate(con)`` function, for data that must be rewritten in Python). 0001 is the
baseline, the schema as release 0.1.0 left it. ``schema_migrations`` records each
one applied: version, name, checksum, how, when, and the release that applied it.

All pending migrations run in one transaction, under the run lock at the start of a
loop run (or by ``badcase-loop warehouse migrate``): all of them or none. Before a
migration that rewrites data (every ``.py`` one, and ``.sql`` ones with a
``-- rewrites-data`` line) the warehouse file is backed up. Whatever opens the
warehouse refuses, without writing, one that a newer release migrated, one whose
applied migrations were edited since, or one with migrations still pending.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import os
import re
import shutil
import time
from collections.abc import Callable
from contextlib import closing
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path

import duckdb

from tasks.errors import (
    BadcaseError,
    MigrationFailedError,
    MigrationPendingError,
    WarehouseError,
    WarehouseSchemaError,
    WarehouseTooNewError,
)
from tasks.warehouse.db import fetch_dicts, sql, transaction

# Where the shipped migrations are; tests point it at a folder of their own.
MIGRATIONS_DIR: Traversable | Path = resources.files("tasks.warehouse") / "migrations"
BASELINE = 1
_FILE = re.compile(r"^(\d{4})_([a-z0-9][a-z0-9_]*)\.(sql|py)$")
_REWRITES_DATA = re.compile(r"^--\s*rewrites-data\b", re.MULTILINE)
_MIGRATIONS_TABLE = "schema_migrations"


@dataclass(frozen=True)
class Migration:
    """One migration file."""

    version: int
    name: str
    kind: str  # sql | py
    text: str
    path: str

    @property
    def label(self) -> str:
        """``NNNN_name``, as messages and backups name it."""
        return f"{self.version:04d}_{self.name}"

    @property
    def checksum(self) -> str:
        """sha256 of the text, line endings normalised (a checkout with CRLF is no change)."""
        return hashlib.sha256(self.text.replace("\r\n", "\n").encode("utf-8")).hexdigest()

    @property
    def rewrites_data(self) -> bool:
        """Whether the warehouse is backed up before it runs: every Python migration, and
        SQL ones that say so with a ``-- rewrites-data`` line."""
        return self.kind == "py" or bool(_REWRITES_DATA.search(self.text))


@dataclass(frozen=True)
class Applied:
    """One row of ``schema_migrations``."""

    version: int
    name: str
    checksum: str
    how: str  # applied | adopted
    applied_at: datetime
    code_version: str

    @property
    def label(self) -> str:
        return f"{self.version:04d}_{self.name}"


@dataclass(frozen=True)
class SchemaState:
    """What the warehouse holds against what this code ships (read without writing)."""

    known: tuple[Migration, ...]
    applied: tuple[Applied, ...]
    tables: tuple[str, ...]

    @property
    def versioned(self) -> bool:
        return _MIGRATIONS_TABLE in self.tables

    @property
    def fresh(self) -> bool:
        """No tables at all: a new warehouse."""
        return not self.tables

    @property
    def legacy(self) -> bool:
        """Baseline tables but no ``schema_migrations``: written by release 0.1.0."""
        return not self.versioned and bool(set(self.tables) & set(baseline_columns(self.known)))

    @property
    def version(self) -> int:
        """The newest migration applied (0: none recorded)."""
        return max((a.version for a in self.applied), default=0)

    @property
    def latest(self) -> int:
        """The newest migration this code ships."""
        return self.known[-1].version

    @property
    def unknown(self) -> list[Applied]:
        """Applied migrations this code does not ship: a newer release applied them."""
        known = {m.version for m in self.known}
        return [a for a in self.applied if a.version not in known]

    @property
    def changed(self) -> list[tuple[Migration, Applied]]:
        """Applied migrations whose file differs now from the one applied."""
        applied = {a.version: a for a in self.applied}
        return [
            (m, a)
            for m in self.known
            if (a := applied.get(m.version)) and (a.checksum != m.checksum or a.name != m.name)
        ]

    @property
    def pending(self) -> list[Migration]:
        """Migrations to apply, in order."""
        done = {a.version for a in self.applied}
        return [m for m in self.known if m.version not in done]


@dataclass(frozen=True)
class MigrationResult:
    """What :func:`migrate` did."""

    from_version: int
    to_version: int
    applied: tuple[str, ...] = ()  # labels, in order
    adopted: bool = False  # a 0.1.0 warehouse's tables were adopted as the baseline
    backup: str | None = None


def code_version() -> str:
    """The installed badcase-loop release (recorded with each migration applied)."""
    try:
        return importlib.metadata.version("badcase-loop")
    except importlib.metadata.PackageNotFoundError:
        return "unknown"


def load_migrations(folder: Traversable | Path | None = None) -> tuple[Migration, ...]:
    """The migrations in ``folder`` (default: the shipped ones), in order.

    Raises:
        RuntimeError: A file is misnamed, or the numbers do not run 0001, 0002, ... .
    """
    folder = MIGRATIONS_DIR if folder is None else folder
    found = []
    for f in folder.iterdir():
        if f.name.startswith(("_", ".")) or not f.name.endswith((".sql", ".py")):
            continue
        match = _FILE.match(f.name)
        if not match:
            raise RuntimeError(f"migration file {f.name!r} is not named NNNN_name.sql or .py")
        number, name, kind = match.groups()
        text = f.read_text(encoding="utf-8")
        found.append(Migration(int(number), name, kind, text, str(f)))
    found.sort(key=lambda m: m.version)
    numbers = [m.version for m in found]
    if numbers != list(range(1, len(found) + 1)):
        raise RuntimeError(f"migrations must be numbered 0001, 0002, ... without gaps: {numbers}")
    return tuple(found)


def baseline_columns(known: tuple[Migration, ...]) -> dict[str, dict[str, str]]:
    """Table -> column -> type, as the baseline migration creates them."""
    return _columns_of(known[0].text)


@cache
def _columns_of(baseline_sql: str) -> dict[str, dict[str, str]]:
    with closing(duckdb.connect(":memory:")) as mem:
        mem.execute(baseline_sql)
        return _columns(mem)


def _columns(con: duckdb.DuckDBPyConnection) -> dict[str, dict[str, str]]:
    columns: dict[str, dict[str, str]] = {}
    for table, column, data_type in con.execute(sql("select_warehouse_columns")).fetchall():
        columns.setdefault(table, {})[column] = data_type
    return columns


def read_state(
    con: duckdb.DuckDBPyConnection, known: tuple[Migration, ...] | None = None
) -> SchemaState:
    """The warehouse's schema state, read without writing anything."""
    known = load_migrations() if known is None else known
    tables = tuple(row[0] for row in con.execute(sql("select_warehouse_tables")).fetchall())
    applied: tuple[Applied, ...] = ()
    if _MIGRATIONS_TABLE in tables:
        rows = fetch_dicts(con.execute(sql("select_schema_migrations")))
        applied = tuple(Applied(**row) for row in rows)
    return SchemaState(known, applied, tables)


def refuse_unusable(con: duckdb.DuckDBPyConnection, state: SchemaState, where: str) -> None:
    """Stop, with one line and before any write, on a warehouse this code must not touch.

    Raises:
        WarehouseTooNewError: A newer release migrated it.
        WarehouseSchemaError: It is not a badcase-loop warehouse, an applied migration
            was edited since, or its migrations were applied out of order.
    """
    if state.unknown:
        newest = max(state.unknown, key=lambda a: a.version)
        raise WarehouseTooNewError(
            f"the warehouse {where} is at schema {newest.label}, applied by badcase-loop "
            f"{newest.code_version}; this badcase-loop {code_version()} knows schemas up to "
            f"{state.known[-1].label}: upgrade badcase-loop, or restore a backup taken before "
            "the upgrade (docs/upgrades.md); nothing was written"
        )
    if state.changed:
        m, a = state.changed[0]
        raise WarehouseSchemaError(
            f"migration {m.label} changed since it was applied to {where} (as {a.label} by "
            f"badcase-loop {a.code_version}, checksum {a.checksum[:12]}, now {m.checksum[:12]}): "
            "an applied migration is never edited; restore its file and add a new migration"
        )
    if state.pending and state.pending[0].version < state.version:
        raise WarehouseSchemaError(
            f"the warehouse {where} is at schema {state.version:04d} but lacks "
            f"{state.pending[0].label}: migrations were applied out of order; restore a backup"
        )
    if not state.fresh and not state.versioned and not state.legacy:
        raise WarehouseSchemaError(
            f"{where} is not a badcase-loop warehouse (it has tables "
            f"{', '.join(state.tables[:5])} and none of ours): point --warehouse elsewhere"
        )
    if state.legacy:
        _check_adoptable(con, state, where)


def _check_adoptable(con: duckdb.DuckDBPyConnection, state: SchemaState, where: str) -> None:
    """A warehouse without ``schema_migrations`` is adopted as the baseline only when each
    baseline table it has carries the baseline's columns (missing tables are created)."""
    have = _columns(con)
    for table, columns in baseline_columns(state.known).items():
        if table not in have:
            continue
        wrong = [
            f"{c} {t}" for c, t in columns.items() if have[table].get(c, "").upper() != t.upper()
        ]
        if wrong:
            raise WarehouseSchemaError(
                f"the warehouse {where} has no schema version and its table {table} differs "
                f"from the baseline ({', '.join(wrong[:4])}): it was not written by badcase-loop "
                "0.1.0, so it cannot be adopted; restore a backup or start a new warehouse"
            )


def ensure_schema(con: duckdb.DuckDBPyConnection, where: str) -> None:
    """Open-time check: create a new warehouse's tables; refuse one that is not current.

    Raises:
        MigrationPendingError: Migrations are pending (a run or ``warehouse migrate``
            applies them).
        WarehouseSchemaError: See :func:`refuse_unusable`.
    """
    state = read_state(con)
    refuse_unusable(con, state, where)
    if state.fresh:
        _apply(con, state, where, backup=None)
    elif state.pending:
        raise MigrationPendingError(
            f"the warehouse {where} is at {_version_label(state)} and this release needs "
            f"{len(state.pending)} more migration(s) ({', '.join(m.label for m in state.pending)})"
            f": run 'badcase-loop warehouse migrate --warehouse {where}' (the next "
            "'badcase-loop run' applies them too)"
        )


def migrate(
    con: duckdb.DuckDBPyConnection,
    where: str,
    *,
    known: tuple[Migration, ...] | None = None,
    backup_dir: str | Path | None = None,
) -> MigrationResult:
    """Apply the pending migrations in one transaction: all of them or none.

    The caller holds the warehouse (the run lock). A warehouse written by release
    0.1.0 is adopted: its baseline tables are kept as they are and missing ones created.

    Args:
        con: The warehouse, opened with ``check_schema=False``.
        where: The warehouse file (``:memory:`` too), for backups and messages.
        known: The migrations (default: the shipped ones).
        backup_dir: Where a backup before a data rewrite goes (default
            ``<warehouse>.backups/``).

    Raises:
        MigrationFailedError: A migration failed; everything was rolled back.
        WarehouseSchemaError: The warehouse cannot be migrated (:func:`refuse_unusable`).
    """
    state = read_state(con, known)
    refuse_unusable(con, state, where)
    if not state.pending:
        return MigrationResult(state.version, state.version)
    backup = None
    rewriting = next((m for m in state.pending if m.rewrites_data), None)
    if rewriting and not state.fresh and where != ":memory:":
        folder = Path(backup_dir) if backup_dir else Path(f"{where}.backups")
        stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
        dest = folder / f"before-{rewriting.label}-{stamp}.duckdb"
        backup = str(backup_warehouse(con, where, dest))
    return _apply(con, state, where, backup)


def _apply(
    con: duckdb.DuckDBPyConnection, state: SchemaState, where: str, backup: str | None
) -> MigrationResult:
    release = code_version()
    current = None
    try:
        with transaction(con):
            con.execute(sql("create_schema_migrations"))
            for m in state.pending:
                current = m
                _run_migration(con, m)
                how = "adopted" if m.version == BASELINE and state.legacy else "applied"
                con.execute(
                    sql("insert_schema_migration"),
                    {
                        "version": m.version,
                        "name": m.name,
                        "checksum": m.checksum,
                        "how": how,
                        "code_version": release,
                    },
                )
    except BadcaseError:
        raise
    except Exception as exc:
        label = current.label if current else "schema_migrations"
        detail = (str(exc).strip().splitlines() or [""])[0]
        raise MigrationFailedError(
            f"migration {label} failed on {where} and was rolled back, the warehouse is as it "
            f"was{f' (backup: {backup})' if backup else ''}: {type(exc).__name__}: {detail}"
        ) from exc
    return MigrationResult(
        state.version,
        state.pending[-1].version,
        tuple(m.label for m in state.pending),
        adopted=state.legacy,
        backup=backup,
    )


def _run_migration(con: duckdb.DuckDBPyConnection, m: Migration) -> None:
    if m.kind == "sql":
        con.execute(m.text)
        return
    # The text that was checksummed is the code that runs.
    namespace: dict = {"__name__": f"badcase_migration_{m.label}", "__file__": m.path}
    exec(compile(m.text, m.path, "exec"), namespace)
    run: Callable[[duckdb.DuckDBPyConnection], None] | None = namespace.get("migrate")
    if run is None:
        raise RuntimeError(f"{m.path} defines no migrate(con) function")
    run(con)


def _version_label(state: SchemaState) -> str:
    if state.legacy:
        return "no schema version (a badcase-loop 0.1.0 warehouse)"
    return "schema " + next(a.label for a in state.applied if a.version == state.version)


def last_run(con: duckdb.DuckDBPyConnection, state: SchemaState) -> dict | None:
    """The newest row of ``runs``: run_id, status, started_at, finished_at (None: no run)."""
    if "runs" not in state.tables:
        return None
    rows = fetch_dicts(con.execute(sql("select_last_run")))
    return rows[0] if rows else None


def table_counts(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    """Rows per warehouse table."""
    tables = [row[0] for row in con.execute(sql("select_warehouse_tables")).fetchall()]
    return {t: con.execute(sql("count_table_rows", table=t)).fetchone()[0] for t in tables}


def backup_warehouse(con: duckdb.DuckDBPyConnection, warehouse: str, dest: str | Path) -> Path:
    """Copy the warehouse file to ``dest``: checkpoint, copy, check the copy, rename.

    The caller holds the warehouse (DuckDB's write lock through ``con``, and the run
    lock), so nothing writes to it meanwhile. Restoring is copying the file back.

    Raises:
        WarehouseError: ``dest`` exists, the warehouse is in memory, or the copy is wrong.
    """
    if warehouse == ":memory:":
        raise WarehouseError("an in-memory warehouse has no file to back up")
    source = Path(warehouse).expanduser().resolve()
    target = Path(dest).expanduser().resolve()
    if target.exists():
        raise WarehouseError(f"{target} already exists: back up to a new path")
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise WarehouseError(f"cannot create the backup folder {target.parent}: {exc}") from exc
    con.execute(sql("checkpoint_database"))
    wal = Path(f"{source}.wal")
    if wal.exists() and wal.stat().st_size:
        raise WarehouseError(f"{source} still has a write-ahead log after CHECKPOINT: not copied")
    partial = target.with_name(target.name + ".partial")
    try:
        shutil.copyfile(source, partial)
        with partial.open("rb+") as fh:
            os.fsync(fh.fileno())
        expected = table_counts(con)
        with closing(duckdb.connect(str(partial), read_only=True)) as copy:
            copied = table_counts(copy)
        if copied != expected:
            raise WarehouseError(f"the copy of {source} does not match it: not kept")
        os.replace(partial, target)
    except (OSError, duckdb.Error) as exc:
        raise WarehouseError(f"cannot back up {source} to {target}: {exc}") from exc
    finally:
        partial.unlink(missing_ok=True)
    return target
