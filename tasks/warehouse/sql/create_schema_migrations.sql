-- The warehouse's schema version: one row per migration applied (tasks/warehouse/schema.py).
-- Its shape never changes: every release must be able to read it.
CREATE TABLE IF NOT EXISTS schema_migrations (
    version      INTEGER NOT NULL,        -- NNNN of tasks/warehouse/migrations/NNNN_name.sql|py
    name         VARCHAR NOT NULL,        -- the file's name without NNNN_ and the extension
    checksum     VARCHAR NOT NULL,        -- sha256 of the file's text (line endings normalised)
    how          VARCHAR NOT NULL,        -- applied | adopted (baseline tables already there)
    applied_at   TIMESTAMPTZ NOT NULL,
    code_version VARCHAR NOT NULL         -- the badcase-loop release that applied it
);
