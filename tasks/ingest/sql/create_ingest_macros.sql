-- Record validation, shared by both read paths (the typed fast path checks rows
-- it inserted; the careful path checks staged rows). Each macro takes a row as a
-- struct and returns NULL or {reason, detail}. Mirrors tasks/ingest/records.py.

CREATE OR REPLACE TEMP MACRO content_bytes(r) AS (
    strlen(coalesce(r.response_content, ''))
    + coalesce(list_sum([strlen(coalesce(m.content, '')) FOR m IN r.messages]), 0)
);

CREATE OR REPLACE TEMP MACRO interactions_problem(r, max_bytes) AS (
    CASE
    WHEN content_bytes(r) > max_bytes THEN {
        'reason': 'record_too_large',
        'detail': 'message and response text is ' || content_bytes(r) || ' bytes, over the limit of ' || max_bytes}
    WHEN r.interaction_id IS NULL OR r.conversation_id IS NULL OR r.turn_index IS NULL
         OR r.ts IS NULL OR r.user_id IS NULL OR r.model IS NULL OR r.messages IS NULL
         OR r.response_content IS NULL THEN {
        'reason': 'missing_required_field',
        'detail': 'missing: ' || concat_ws(', ',
            CASE WHEN r.interaction_id IS NULL THEN 'interaction_id' END,
            CASE WHEN r.conversation_id IS NULL THEN 'conversation_id' END,
            CASE WHEN r.turn_index IS NULL THEN 'turn_index' END,
            CASE WHEN r.ts IS NULL THEN 'ts' END,
            CASE WHEN r.user_id IS NULL THEN 'user_id' END,
            CASE WHEN r.model IS NULL THEN 'model' END,
            CASE WHEN r.messages IS NULL THEN 'messages' END,
            CASE WHEN r.response_content IS NULL THEN 'response.content' END)}
    WHEN r.interaction_id = '' OR r.conversation_id = '' OR r.user_id = '' OR r.model = '' THEN {
        'reason': 'invalid_value', 'detail': 'an id, user_id or model is an empty string'}
    WHEN r.turn_index < 0 THEN {'reason': 'invalid_value', 'detail': 'turn_index is negative'}
    WHEN len(r.messages) = 0 THEN {'reason': 'invalid_value', 'detail': 'messages is empty'}
    WHEN NOT list_bool_and([coalesce(m.role IN ('system', 'user', 'assistant', 'tool'), false) FOR m IN r.messages]) THEN {
        'reason': 'invalid_value', 'detail': 'a message role is not one of system, user, assistant, tool'}
    WHEN r.messages[-1].role NOT IN ('user', 'tool') THEN {
        'reason': 'invalid_value', 'detail': 'messages must end with the user turn'}
    WHEN r.latency_ms < 0 OR r.prompt_tokens < 0 OR r.completion_tokens < 0 THEN {
        'reason': 'invalid_value', 'detail': 'latency_ms or a token count is negative'}
    WHEN r.metadata IS NOT NULL AND json_type(r.metadata) NOT IN ('OBJECT', 'NULL') THEN {
        'reason': 'wrong_type', 'detail': 'metadata is not an object'}
    END
);

CREATE OR REPLACE TEMP MACRO events_problem(r, max_bytes) AS (
    CASE
    WHEN strlen(coalesce(r."value", '')) > max_bytes THEN {
        'reason': 'record_too_large',
        'detail': 'value is ' || strlen(r."value") || ' bytes, over the limit of ' || max_bytes}
    WHEN r.event_id IS NULL OR r.interaction_id IS NULL OR r.conversation_id IS NULL
         OR r.ts IS NULL OR r."type" IS NULL THEN {
        'reason': 'missing_required_field',
        'detail': 'missing: ' || concat_ws(', ',
            CASE WHEN r.event_id IS NULL THEN 'event_id' END,
            CASE WHEN r.interaction_id IS NULL THEN 'interaction_id' END,
            CASE WHEN r.conversation_id IS NULL THEN 'conversation_id' END,
            CASE WHEN r.ts IS NULL THEN 'ts' END,
            CASE WHEN r."type" IS NULL THEN 'type' END)}
    WHEN r.event_id = '' OR r.interaction_id = '' OR r.conversation_id = '' THEN {
        'reason': 'invalid_value', 'detail': 'an id is an empty string'}
    WHEN r."type" NOT IN ('thumbs_up', 'thumbs_down', 'regenerate', 'edit', 'copy', 'rating', 'comment', 'escalate') THEN {
        'reason': 'invalid_value', 'detail': 'unknown event type ' || r."type"}
    WHEN r."type" = 'rating' AND NOT coalesce(regexp_full_match(r."value", '[1-5]'), false) THEN {
        'reason': 'invalid_value', 'detail': 'a rating must be an integer from 1 to 5'}
    WHEN r."type" IN ('edit', 'comment') AND coalesce(trim(r."value"), '') = '' THEN {
        'reason': 'invalid_value', 'detail': 'an ' || r."type" || ' event needs its text in value'}
    END
);

-- Why a landed line of either kind is rejected before its fields are validated, as
-- {reason, detail} (NULL when it reads as a JSON object of the right field types): the
-- reader's own rejection, a source adapter's (src: its _source_reject record), bad JSON,
-- not an object, or fields of the wrong type (wrong_fields: their names).
CREATE OR REPLACE TEMP MACRO line_problem(reject_reason, src, is_json, top_type, wrong_fields) AS (
    CASE
    WHEN reject_reason = 'invalid_encoding' THEN {
        'reason': reject_reason, 'detail': 'the line is not valid UTF-8'}
    WHEN reject_reason = 'record_too_large' THEN {
        'reason': reject_reason, 'detail': 'the line is longer than the reader accepts'}
    WHEN reject_reason IS NOT NULL THEN {
        'reason': reject_reason, 'detail': 'the line could not be read as text'}
    WHEN src->>'reason' IS NOT NULL THEN {'reason': src->>'reason', 'detail': src->>'detail'}
    WHEN NOT is_json THEN {
        'reason': 'invalid_json', 'detail': 'not valid JSON (truncated or malformed)'}
    WHEN top_type <> 'OBJECT' THEN {
        'reason': 'not_an_object', 'detail': 'a JSON ' || lower(top_type) || ', not an object'}
    WHEN wrong_fields <> '' THEN {'reason': 'wrong_type', 'detail': 'wrong type: ' || wrong_fields}
    END
);
