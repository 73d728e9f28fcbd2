"""The per-turn table: what mining needs of each interaction, read from its messages once.

Every interaction carries its whole history, so reading ``messages`` again for each
later stage (or each later turn) costs conversation length squared. Ingest fills
``interaction_turns`` for the rows it wrote, right after writing them; mining calls
:func:`sync_turns` too, for rows that reached ``interactions`` another way.
"""

from __future__ import annotations

import duckdb

from tasks.warehouse.db import create_text_macros, sql, transaction


def sync_turns(con: duckdb.DuckDBPyConnection) -> int:
    """Bring ``interaction_turns`` up to date with ``interactions``: one row per
    interaction (its request and the user turn before it, normalised request and
    opening, answer length and family). Only ingest runs whose rows changed are looked at
    (counts and id hashes per run); rows of interactions that are gone or were read again
    are replaced.

    Returns:
        How many ingest runs were synced.
    """
    create_text_macros(con)
    runs = [run for (run,) in con.execute(sql("select_unsynced_runs")).fetchall()]
    if runs:
        with transaction(con):
            con.execute(sql("delete_stale_turns"), {"runs": runs})
            con.execute(sql("insert_interaction_turns"), {"runs": runs})
    return len(runs)
