-- Careful path for feedback events; see stage_interactions_careful.sql.
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
            "event_id": "VARCHAR", "interaction_id": "VARCHAR", "conversation_id": "VARCHAR",
            "ts": "TIMESTAMPTZ", "type": "VARCHAR", "value": "JSON"}') END AS r,
        CASE WHEN top_type = 'OBJECT' THEN json_type(line, [
            '$.event_id', '$.interaction_id', '$.conversation_id', '$.ts', '$.type']) END AS k
    FROM o
),
w AS (
    SELECT *, concat_ws(', ',
        CASE WHEN k[1] <> 'NULL' AND r.event_id IS NULL THEN 'event_id' END,
        CASE WHEN k[2] <> 'NULL' AND r.interaction_id IS NULL THEN 'interaction_id' END,
        CASE WHEN k[3] <> 'NULL' AND r.conversation_id IS NULL THEN 'conversation_id' END,
        CASE WHEN k[4] <> 'NULL' AND r.ts IS NULL THEN 'ts' END,
        CASE WHEN k[5] <> 'NULL' AND r."type" IS NULL THEN 'type' END
    ) AS wrong_fields
    FROM p
)
SELECT
    r.event_id, r.interaction_id, r.conversation_id, r.ts, r."type",
    json_extract_string(r."value", '$') AS "value",
    TRY_CAST(substr(source_file, strpos(source_file, '/dt=') + 4, 10) AS DATE) AS dt,
    source_file, $run_id AS run_id,
    coalesce(TRY_CAST(src->>'line_no' AS BIGINT), line_no) AS line_no,
    coalesce(src->>'raw', line) AS raw, coalesce(strlen(src->>'raw'), raw_bytes) AS raw_bytes,
    line_problem(reject_reason, src, is_json, top_type, wrong_fields).reason AS pre_reason,
    line_problem(reject_reason, src, is_json, top_type, wrong_fields).detail AS pre_detail
FROM w;
