-- Implicit feedback per interaction, derived from the conversation itself and
-- from logged events, for the conversations in mine_scope.
INSERT INTO signals
WITH scoped AS (
    -- read from interaction_turns, never the history; each turn's bigrams built once
    SELECT t.*, bigram_set(t.request_norm) AS grams
    FROM interaction_turns t SEMI JOIN mine_scope USING (conversation_id)
),
turns AS (
    -- each turn beside the next one
    SELECT interaction_id, conversation_id, ts, n_msgs, request, request_norm AS n_req, opening, grams,
        lead(interaction_id) OVER w AS next_id,
        lead(ts) OVER w AS next_ts,
        lead(n_msgs) OVER w AS next_n_msgs,
        lead(request) OVER w AS next_request,
        coalesce(lead(request_norm) OVER w, '') AS n_next,
        lead(opening) OVER w AS next_opening,
        lead(grams) OVER w AS next_grams,
        max(ts) OVER (PARTITION BY conversation_id) AS conversation_end
    FROM scoped
    WINDOW w AS (PARTITION BY conversation_id ORDER BY turn_index, ts, interaction_id)
),
follow AS (
    SELECT *,
        next_id IS NOT NULL AND next_n_msgs = n_msgs
            AND epoch(next_ts - ts) <= $retry_window_s AS same_context,
        next_id IS NOT NULL AND next_n_msgs > n_msgs AS replied,
        CASE WHEN next_id IS NULL THEN NULL
             WHEN n_req = n_next THEN 1.0
             ELSE set_jaccard(grams, next_grams) END AS similarity,
        opens_with_any(next_opening, $correction_prefixes) AS corrective,
        -- "continue", "more", "go on": the content so far was wanted
        opens_with_word(next_opening, $continuation_prefixes) AS continues,
        opens_with_word(next_opening, $thanks_prefixes) AS thanks_next,
        -- this request itself only thanks or closes ("thanks!" -> "you're welcome")
        opens_with_word(opening, $thanks_prefixes) AND length(n_req) <= 40 AS closing,
        opens_with_word(next_opening, $move_on_prefixes) AS moves_on
    FROM turns
),
asked AS (
    -- how the next request differs from this one, word by word (only where it could
    -- be a rephrase): a swapped slot (a name, an item number) is the next item of a
    -- series or template; only additions are a refinement of the same ask
    SELECT *,
        CASE WHEN similarity >= $rephrase_similarity AND replied THEN word_set(request) END AS w_req,
        CASE WHEN similarity >= $rephrase_similarity AND replied THEN word_set(next_request) END AS w_next
    FROM follow
),
classified AS (
    SELECT *,
        len([w FOR w IN w_req IF NOT list_contains(w_next, w)]) AS dropped_words,
        len([w FOR w IN w_next IF NOT list_contains(w_req, w)]) AS added_words,
        regexp_extract_all(coalesce(request, ''), '\d+') <> regexp_extract_all(coalesce(next_request, ''), '\d+')
            AS other_numbers
    FROM asked
),
kinds AS (
    SELECT *,
        -- the same thing asked again: not more of it, not thanks, not the next ask
        replied AND NOT corrective AND NOT continues AND NOT thanks_next AND NOT moves_on
            AND similarity >= $rephrase_similarity
            AND length(n_req) >= $min_request_chars AND length(n_next) >= $min_request_chars
            AND NOT other_numbers
            -- (word sets only mean something where words are spaced: not for CJK text)
            AND NOT (dropped_words BETWEEN 1 AND $slot_words AND added_words BETWEEN 1 AND $slot_words
                     AND wide_chars(request) = 0 AND wide_chars(next_request) = 0)
            AS same_ask
    FROM classified
),
ev AS (
    SELECT e.interaction_id, e.conversation_id, e."type", e."value", e.event_id,
        lower(e."value") AS value_lower
    FROM events e SEMI JOIN mine_scope USING (conversation_id)
),
derived AS (
    -- the same (or nearly the same) request sent again in the same context
    SELECT interaction_id, conversation_id, 'retry' AS signal, 'negative' AS polarity,
        similarity AS strength,
        json_object('next_interaction_id', next_id, 'similarity', round(similarity, 3)) AS evidence
    FROM kinds WHERE same_context AND similarity >= $retry_similarity
    UNION ALL
    -- the user asks the same thing again in other words after reading the answer
    SELECT interaction_id, conversation_id, 'rephrase', 'negative', similarity,
        json_object('next_interaction_id', next_id, 'similarity', round(similarity, 3), 'next_request', left(next_request, 200))
    FROM kinds
    WHERE (same_ask AND NOT (dropped_words <= 1 AND added_words >= 1))
       OR (same_context AND NOT corrective AND similarity >= $rephrase_similarity
           AND similarity < $retry_similarity)
    UNION ALL
    -- the same ask with a requirement added on top: weak evidence at most
    SELECT interaction_id, conversation_id, 'refinement', 'negative', similarity,
        json_object('next_interaction_id', next_id, 'added_words', added_words, 'next_request', left(next_request, 200))
    FROM kinds WHERE same_ask AND dropped_words <= 1 AND added_words >= 1
    UNION ALL
    -- the next user turn opens with a negation or a complaint
    SELECT interaction_id, conversation_id, 'correction', 'negative', 1.0,
        json_object('next_interaction_id', next_id, 'next_request', left(next_request, 200))
    FROM kinds WHERE replied AND corrective
    UNION ALL
    -- the next user turn thanks or praises the answer
    SELECT interaction_id, conversation_id, 'thanks', 'positive', 1.0,
        json_object('next_interaction_id', next_id, 'next_request', left(next_request, 80))
    FROM kinds WHERE replied AND thanks_next AND NOT corrective
    UNION ALL
    -- the user asks for more of this answer
    SELECT interaction_id, conversation_id, 'continuation', 'positive', 1.0,
        json_object('next_interaction_id', next_id, 'next_request', left(next_request, 80))
    FROM kinds WHERE replied AND continues AND NOT corrective
    UNION ALL
    -- the conversation ends right after this answer (weak, and only with other trouble:
    -- see create_case_scores.sql; never after a closing such as "thanks" -> "you're
    -- welcome"; cancelled by any positive event)
    SELECT interaction_id, conversation_id, 'abandonment', 'negative', 1.0,
        json_object('quiet_seconds', $abandon_after_s)
    FROM kinds
    WHERE next_id IS NULL AND NOT closing
      AND epoch($watermark::TIMESTAMPTZ - conversation_end) >= $abandon_after_s
      AND interaction_id NOT IN (
          SELECT interaction_id FROM ev WHERE "type" IN ('thumbs_up', 'copy')
             OR ("type" = 'rating' AND TRY_CAST("value" AS INTEGER) >= 4))
    UNION ALL
    SELECT interaction_id, conversation_id,
        CASE "type"
            WHEN 'regenerate' THEN 'regenerate'
            WHEN 'thumbs_down' THEN 'thumbs_down'
            WHEN 'thumbs_up' THEN 'thumbs_up'
            WHEN 'copy' THEN 'copy'
            WHEN 'escalate' THEN 'escalation'
        END,
        CASE WHEN "type" IN ('thumbs_up', 'copy') THEN 'positive' ELSE 'negative' END,
        1.0,
        json_object('event_id', event_id)
    FROM ev WHERE "type" IN ('regenerate', 'thumbs_down', 'thumbs_up', 'copy', 'escalate')
    UNION ALL
    SELECT interaction_id, conversation_id,
        CASE WHEN TRY_CAST("value" AS INTEGER) <= 2 THEN 'low_rating' ELSE 'high_rating' END,
        CASE WHEN TRY_CAST("value" AS INTEGER) <= 2 THEN 'negative' ELSE 'positive' END,
        CASE TRY_CAST("value" AS INTEGER) WHEN 1 THEN 1.0 WHEN 2 THEN 0.7 WHEN 4 THEN 0.7 ELSE 1.0 END,
        json_object('event_id', event_id, 'rating', TRY_CAST("value" AS INTEGER))
    FROM ev WHERE "type" = 'rating' AND TRY_CAST("value" AS INTEGER) <> 3
    UNION ALL
    SELECT interaction_id, conversation_id, 'negative_comment', 'negative', 1.0,
        json_object('event_id', event_id, 'comment', left("value", 200))
    FROM ev WHERE "type" = 'comment' AND contains_any(value_lower, $negative_comment_words)
    UNION ALL
    -- how much of the answer the user rewrote (1 - edit-distance ratio)
    SELECT e.interaction_id, e.conversation_id, 'edit', 'negative',
        levenshtein(left(i.response_content, 400), left(e."value", 400))
            / greatest(length(left(i.response_content, 400)), length(left(e."value", 400)), 1),
        json_object('event_id', e.event_id)
    FROM ev e JOIN interactions i USING (interaction_id)
    WHERE e."type" = 'edit'
)
SELECT interaction_id, conversation_id, signal, polarity, least(greatest(strength, 0.0), 1.0),
    evidence, $run_id
FROM derived
WHERE strength > 0;
