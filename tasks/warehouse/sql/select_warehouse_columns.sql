-- Column names and types of the warehouse's own tables.
SELECT c.table_name, c.column_name, c.data_type
FROM duckdb_columns() c
JOIN duckdb_tables() t USING (database_oid, schema_oid, table_oid)
WHERE c.database_name = current_database() AND c.schema_name = 'main' AND NOT t.temporary
ORDER BY c.table_name, c.column_index;
