"""The DuckDB warehouse: connecting, the SQL-file loader, schema set-up and run bookkeeping.

``db`` opens the one warehouse file (one writing process at a time, guarded by a
lock file), loads SQL by stem from any stage's ``sql/`` folder and writes Arrow
rows into tables; ``runs`` keeps one row per loop run; ``schema`` versions the
tables: ``migrations/NNNN_name.sql|py``, applied at the start of a run
(docs/upgrades.md). Every other stage reads and writes its tables through here.
"""
