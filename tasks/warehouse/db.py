"""The DuckDB warehouse: connecting, the SQL-file loader, and schema set-up.

Every SQL statement the loop runs lives in ``tasks/<stage>/sql/<verb_object>.sql`` and is
loaded through :func:`sql`; values are always bound parameters. The rare
identifier that has to vary goes through :func:`quote_identifier`.
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
import re
import time
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from pathlib import Path

import duckdb
import pyarrow as pa

from tasks.errors import WarehouseBusyError, WarehouseError
from tasks.files import stage_file_text, stage_files

log = logging.getLogger(__name__)


_IDENTIFIER = re.compile(r"\{\{(\w+)\}\}")


@cache
def _sql_text(name: str) -> str:
    return stage_file_text("sql", ".sql", name)


def sql(name: str, **identifiers: str) -> str:
    """Return the text of ``tasks/<stage>/sql/<name>.sql``, ready to execute with bound values.

    Args:
        name: The file's stem, a ``verb_object`` name such as ``create_tables``.
        **identifiers: Values for ``{{placeholder}}`` identifiers (table, column or
            macro names) in the file; each is quoted with :func:`quote_identifier`.

    Raises:
        FileNotFoundError: There is no such SQL file.
        KeyError: The file names a placeholder that was not given.
    """
    text = _sql_text(name)
    return _IDENTIFIER.sub(lambda m: quote_identifier(identifiers[m.group(1)]), text)


def fetch_dicts(cur: duckdb.DuckDBPyConnection) -> list[dict]:
    """The rows of an executed query as dicts keyed by column name."""
    names = [d[0] for d in cur.description]
    return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]


def sql_names() -> list[str]:
    """Names of every SQL file shipped in ``tasks/<stage>/sql`` (for wiring tests)."""
    return list(stage_files("sql", ".sql"))


def quote_identifier(name: str) -> str:
    """Quote one SQL identifier (a table or column name) for DuckDB."""
    return '"' + name.replace('"', '""') + '"'


def connect(
    path: str | Path,
    *,
    read_only: bool = False,
    memory_limit: str | None = None,
    threads: int | None = None,
    check_schema: bool = True,
) -> duckdb.DuckDBPyConnection:
    """Open the warehouse, creating its folder and tables when needed.

    DuckDB allows one writing process per database file; a second one gets a
    :class:`WarehouseBusyError` that says so, instead of DuckDB's lock error.
    A writable warehouse must be at this code's schema version
    (:func:`tasks.warehouse.schema.ensure_schema`): a new one gets its tables, one
    that is behind, ahead or edited is refused with one line before anything is written.

    Args:
        path: The DuckDB file, or ``:memory:``.
        read_only: Open without taking the write lock (no schema set-up).
        memory_limit: DuckDB ``memory_limit`` (for example ``"2GB"``).
        threads: DuckDB worker threads; DuckDB's default is one per core.
        check_schema: False opens the warehouse as it is, for the migrator and the
            ``warehouse`` commands.

    Raises:
        WarehouseSchemaError: The warehouse is not at this code's schema version.
    """
    target = str(path)
    if target != ":memory:":
        if "://" in target:
            raise WarehouseError(
                f"the warehouse must be a local DuckDB file, not {target!r}; "
                "keep logs and datasets on object storage instead"
            )
        folder = Path(target).expanduser().resolve().parent
        if read_only and not Path(target).exists():
            raise WarehouseError(f"no warehouse at {target}: run 'badcase-loop run' first")
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise WarehouseError(f"cannot create the warehouse folder {folder}: {exc}") from exc
    try:
        con = duckdb.connect(target, read_only=read_only)
    except duckdb.IOException as exc:
        if "lock" in str(exc).lower():
            raise WarehouseBusyError(
                f"the warehouse {target} is in use by another process (one loop run at a "
                "time per warehouse): wait for it to finish, or point --warehouse elsewhere"
            ) from exc
        raise WarehouseError(f"cannot open the warehouse {target}: {exc}") from exc
    except duckdb.Error as exc:
        raise WarehouseError(f"cannot open the warehouse {target}: {exc}") from exc
    try:
        if memory_limit:
            con.execute(sql("set_memory_limit"), {"value": memory_limit})
        if threads:
            con.execute(sql("set_threads"), {"value": int(threads)})
    except duckdb.Error as exc:
        con.close()
        raise WarehouseError(f"invalid DuckDB setting: {exc}") from exc
    if not read_only and check_schema:
        try:
            ensure_schema(con, target)
        except BaseException:
            con.close()
            raise
    return con


def create_text_macros(con: duckdb.DuckDBPyConnection) -> None:
    """Define the text macros (normalising, bigram similarity) that mining and publishing share."""
    con.execute(sql("create_text_macros"))


def ensure_schema(con: duckdb.DuckDBPyConnection, where: str = ":memory:") -> None:
    """Create a new warehouse's tables; refuse one not at this code's schema version.

    See :func:`tasks.warehouse.schema.ensure_schema`.
    """
    from tasks.warehouse import schema  # schema uses this module's helpers

    schema.ensure_schema(con, where)


@contextmanager
def transaction(con: duckdb.DuckDBPyConnection) -> Iterator[duckdb.DuckDBPyConnection]:
    """Run the block in one transaction: committed if it completes, rolled back if it raises."""
    con.begin()
    try:
        yield con
    except BaseException:
        con.rollback()
        raise
    con.commit()


@contextmanager
def run_lock(warehouse: str | Path, run_id: str, wait_s: float = 0.0) -> Iterator[None]:
    """Hold the warehouse for one loop run: never two runs on one warehouse at once.

    An advisory lock on ``<warehouse>.lock`` (released by the OS if the process
    dies, so a killed run never blocks the next). A second run waits up to
    ``wait_s`` seconds, then raises :class:`WarehouseBusyError` naming the holder.
    """
    if str(warehouse) == ":memory:":
        yield
        return
    path = Path(f"{warehouse}.lock")
    path.parent.mkdir(parents=True, exist_ok=True)
    fh = path.open("a+")
    deadline = time.monotonic() + wait_s
    try:
        while True:
            try:
                fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    fh.seek(0)
                    holder = fh.read().strip() or "{}"
                    try:
                        who = json.loads(holder)
                    except ValueError:
                        who = {}
                    raise WarehouseBusyError(
                        f"the warehouse {warehouse} is in use by loop run "
                        f"{who.get('run_id', '?')} (pid {who.get('pid', '?')}, since "
                        f"{who.get('since', '?')}): one loop run at a time per warehouse"
                        + (f"; waited {wait_s:.0f} s" if wait_s else "")
                    ) from None
                time.sleep(min(1.0, max(deadline - time.monotonic(), 0.05)))
        fh.seek(0)
        fh.truncate()
        since = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
        fh.write(json.dumps({"run_id": run_id, "pid": os.getpid(), "since": since}))
        fh.flush()
        yield
    finally:
        fh.close()  # releases the lock


@contextmanager
def arrow_view(
    con: duckdb.DuckDBPyConnection,
    name: str,
    rows: pa.Table | list[dict],
    schema: pa.Schema | None = None,
) -> Iterator[duckdb.DuckDBPyConnection]:
    """Show Arrow rows to the block's SQL as the view ``name``, and take it away after.

    This is the one way rows made in Python reach a table: the SQL file the block
    runs reads ``name`` (``INSERT INTO t SELECT ... FROM name``).

    Args:
        con: The warehouse.
        name: The view name the SQL files read (``<what>_arrow``).
        rows: An Arrow table, or dicts turned into one.
        schema: The Arrow schema for ``rows`` given as dicts.
    """
    table = rows if isinstance(rows, pa.Table) else pa.Table.from_pylist(rows, schema=schema)
    con.register(name, table)
    try:
        yield con
    finally:
        con.unregister(name)


def replace_rows(
    con: duckdb.DuckDBPyConnection, rows: list[dict], clear: str, insert: str, params: dict
) -> None:
    """Store ``rows`` in one transaction: ``clear`` (a SQL file name) first removes the
    earlier unsettled rows they replace, then ``insert`` adds them; both read the rows
    from the view ``new_rows_arrow`` (:func:`arrow_view`)."""
    if not rows:
        return
    with transaction(con), arrow_view(con, "new_rows_arrow", rows):
        con.execute(sql(clear), params)
        con.execute(sql(insert))
