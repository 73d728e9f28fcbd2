-- Fast path for feedback events; see insert_interactions_fast.sql.
INSERT INTO events
SELECT
    event_id, interaction_id, conversation_id, ts, "type",
    json_extract_string("value", '$'),
    TRY_CAST(substr(filename, strpos(filename, '/dt=') + 4, 10) AS DATE),
    filename,
    $run_id
FROM read_json($files,
    format = 'newline_delimited',
    filename = true,
    maximum_object_size = $max_object_size,
    columns = {
        event_id: 'VARCHAR', interaction_id: 'VARCHAR', conversation_id: 'VARCHAR',
        ts: 'TIMESTAMPTZ', "type": 'VARCHAR', "value": 'JSON'
    });
