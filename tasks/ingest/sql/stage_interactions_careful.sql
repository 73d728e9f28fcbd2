-- Careful path for interactions: parse each numbered line, keep its raw text,
-- and name what is wrong with the JSON itself (the value rules come after, in
-- classify_stage.sql, shared with the fast path).
CREATE OR REPLACE TEMP TABLE stage AS
WITH l AS (
    SELECT source_file, line_no, line, reject_reason, strlen(line) AS raw_bytes,
        reject_reason IS NULL AND json_valid(line) AS is_json
    FROM stage_lines
    WHERE reject_reason IS NOT NULL OR trim(coalesce(line, '')) <> ''
),
o AS (
    -- A line a source adapter could not map carries its own reason and raw text
    -- (tasks/ingest/sources): {"_source_reject": {"reason", "detail", "raw", "line_no"}},
    -- line_no being the record's line in the source file.
    SELECT *, CASE WHEN is_json THEN json_type(line) END AS top_type,
        CASE WHEN is_json THEN json_extract(line, '$._source_reject') END AS src
    FROM l
),
p AS (
    SELECT *,
        CASE WHEN top_type = 'OBJECT' THEN from_json(line, '{
            "interaction_id": "VARCHAR", "conversation_id": "VARCHAR", "turn_index": "INTEGER",
            "ts": "TIMESTAMPTZ", "user_id": "VARCHAR", "scene": "VARCHAR", "model": "VARCHAR",
            "messages": [{"role": "VARCHAR", "content": "VARCHAR", "name": "VARCHAR",
                          "tool_call_id": "VARCHAR", "tool_calls": "JSON"}],
            "response": {"content": "VARCHAR", "finish_reason": "VARCHAR"},
            "latency_ms": "BIGINT", "prompt_tokens": "BIGINT", "completion_tokens": "BIGINT",
            "metadata": "JSON"}') END AS r,
        CASE WHEN top_type = 'OBJECT' THEN json_type(line, [
            '$.interaction_id', '$.conversation_id', '$.turn_index', '$.ts', '$.user_id',
            '$.scene', '$.model', '$.messages', '$.response', '$.response.content',
            '$.latency_ms', '$.prompt_tokens', '$.completion_tokens']) END AS k
    FROM o
),
w AS (
    -- a field that is present but could not be read as its type
    SELECT *, concat_ws(', ',
        CASE WHEN k[1]  <> 'NULL' AND r.interaction_id IS NULL THEN 'interaction_id' END,
        CASE WHEN k[2]  <> 'NULL' AND r.conversation_id IS NULL THEN 'conversation_id' END,
        CASE WHEN k[3]  <> 'NULL' AND r.turn_index IS NULL THEN 'turn_index' END,
        CASE WHEN k[4]  <> 'NULL' AND r.ts IS NULL THEN 'ts' END,
        CASE WHEN k[5]  <> 'NULL' AND r.user_id IS NULL THEN 'user_id' END,
        CASE WHEN k[6]  <> 'NULL' AND r.scene IS NULL THEN 'scene' END,
        CASE WHEN k[7]  <> 'NULL' AND r.model IS NULL THEN 'model' END,
        CASE WHEN k[8]  <> 'NULL' AND r.messages IS NULL THEN 'messages' END,
        CASE WHEN k[9]  <> 'NULL' AND r.response IS NULL THEN 'response' END,
        CASE WHEN k[10] <> 'NULL' AND r.response.content IS NULL THEN 'response.content' END,
        CASE WHEN k[11] <> 'NULL' AND r.latency_ms IS NULL THEN 'latency_ms' END,
        CASE WHEN k[12] <> 'NULL' AND r.prompt_tokens IS NULL THEN 'prompt_tokens' END,
        CASE WHEN k[13] <> 'NULL' AND r.completion_tokens IS NULL THEN 'completion_tokens' END
    ) AS wrong_fields
    FROM p
)
SELECT
    r.interaction_id, r.conversation_id, r.turn_index, r.ts, r.user_id, r.scene, r.model,
    r.messages, r.response.content AS response_content, r.response.finish_reason AS finish_reason,
    r.latency_ms, r.prompt_tokens, r.completion_tokens, r.metadata,
    TRY_CAST(substr(source_file, strpos(source_file, '/dt=') + 4, 10) AS DATE) AS dt,
    source_file, $run_id AS run_id,
    coalesce(TRY_CAST(src->>'line_no' AS BIGINT), line_no) AS line_no,
    coalesce(src->>'raw', line) AS raw, coalesce(strlen(src->>'raw'), raw_bytes) AS raw_bytes,
    line_problem(reject_reason, src, is_json, top_type, wrong_fields).reason AS pre_reason,
    line_problem(reject_reason, src, is_json, top_type, wrong_fields).detail AS pre_detail
FROM w;
