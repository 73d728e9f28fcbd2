SELECT version, name, checksum, how, applied_at, code_version
FROM schema_migrations ORDER BY version;
