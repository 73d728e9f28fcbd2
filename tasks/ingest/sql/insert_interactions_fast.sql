-- Fast path: DuckDB's typed JSON reader straight into the table. Any malformed
-- line makes the whole read fail; the caller then reads that file carefully.
INSERT INTO interactions
SELECT
    interaction_id, conversation_id, turn_index, ts, user_id, scene, model, messages,
    response.content, response.finish_reason,
    latency_ms, prompt_tokens, completion_tokens, metadata,
    TRY_CAST(substr(filename, strpos(filename, '/dt=') + 4, 10) AS DATE),
    filename,
    $run_id
FROM read_json($files,
    format = 'newline_delimited',
    filename = true,
    maximum_object_size = $max_object_size,
    columns = {
        interaction_id: 'VARCHAR', conversation_id: 'VARCHAR', turn_index: 'INTEGER',
        ts: 'TIMESTAMPTZ', user_id: 'VARCHAR', scene: 'VARCHAR', model: 'VARCHAR',
        messages: 'STRUCT(role VARCHAR, content VARCHAR, "name" VARCHAR, tool_call_id VARCHAR, tool_calls JSON)[]',
        response: 'STRUCT(content VARCHAR, finish_reason VARCHAR)',
        latency_ms: 'BIGINT', prompt_tokens: 'BIGINT', completion_tokens: 'BIGINT', metadata: 'JSON'
    });
