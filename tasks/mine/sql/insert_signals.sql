-- Implicit feedback per interaction, derived from the conversation itself and
-- from logged events, for the conversations in mine_scope.
--
-- Cost follows the new text, not the histories: every turn is read from
-- interaction_turns (never from its messages) and its openings are classified once;
-- the character bigrams that measure how alike two requests are (the costly part:
-- pasted documents run to 10,000+ characters) are built only for the pairs of
-- neighbouring turns whose similarity can decide a signal, once per turn.
INSERT INTO signals
WITH scoped AS (
    SELECT interaction_id, conversation_id, turn_index, ts, n_msgs, request,
        request_norm AS n_req, length(request_norm) AS req_chars,
        opens_with_any(opening, $correction_prefixes) AS corrective,
        -- "continue", "more", "go on": the content so far was wanted
        opens_with_word(opening, $continuation_prefixes) AS continues,
        opens_with_word(opening, $thanks_prefixes) AS thanks,
        opens_with_word(opening, $move_on_prefixes) AS moves_on
    FROM interaction_turns t SEMI JOIN mine_scope USING (conversation_id)
    WHERE t.ts >= getvariable('mine_since')
),
turns AS (
    -- each turn beside the next one
    SELECT interaction_id, conversation_id, ts, n_msgs, request, n_req, req_chars,
        -- this request itself only thanks or closes ("thanks!" -> "you're welcome")
        thanks AND req_chars <= 40 AS closing,
        lead(interaction_id) OVER w AS next_id,
        lead(ts) OVER w AS next_ts,
        lead(n_msgs) OVER w AS next_n_msgs,
        lead(request) OVER w AS next_request,
        coalesce(lead(n_req) OVER w, '') AS n_next,
        lead(corrective) OVER w AS corrective,
        lead(continues) OVER w AS continues,
        lead(thanks) OVER w AS thanks_next,
        lead(moves_on) OVER w AS moves_on,
        max(ts) OVER (PARTITION BY conversation_id) AS conversation_end
    FROM scoped
    WINDOW w AS (PARTITION BY conversation_id ORDER BY turn_index, ts, interaction_id)
),
follow AS (
    SELECT * EXCLUDE (corrective, continues, thanks_next, moves_on),
        coalesce(corrective, false) AS corrective,
        coalesce(continues, false) AS continues,
        coalesce(thanks_next, false) AS thanks_next,
        coalesce(moves_on, false) AS moves_on,
        next_id IS NOT NULL AND next_n_msgs = n_msgs
            AND epoch(next_ts - ts) <= $retry_window_s AS same_context,
        next_id IS NOT NULL AND next_n_msgs > n_msgs AS replied
    FROM turns
),
flagged AS (
    SELECT * EXCLUDE (n_req, n_next),
        n_req = n_next AS same_text,
        -- a reply that could be the same ask again: not more of it, not thanks, not the
        -- next ask, long enough, and no other numbers (the next item of a series)
        replied AND NOT corrective AND NOT continues AND NOT thanks_next AND NOT moves_on
            AND req_chars >= $min_request_chars AND length(n_next) >= $min_request_chars
            AND regexp_extract_all(coalesce(request, ''), '\d+')
                = regexp_extract_all(coalesce(next_request, ''), '\d+')
            AS could_repeat
    FROM follow
),
pairs AS MATERIALIZED (
    -- compare: the pairs whose similarity decides a signal (a resend in the same
    -- context, or a reply that could ask the same thing again), texts not already equal
    SELECT *, next_id IS NOT NULL AND NOT same_text AND (same_context OR could_repeat) AS compare
    FROM flagged
),
compared AS MATERIALIZED (
    SELECT interaction_id, next_id FROM pairs WHERE compare
),
grams AS MATERIALIZED (
    -- bigram sets, built once per turn that one of those pairs needs
    SELECT interaction_id, bigram_set(n_req) AS grams
    FROM scoped
    WHERE interaction_id IN (SELECT interaction_id FROM compared UNION SELECT next_id FROM compared)
),
similarity AS (
    SELECT c.interaction_id, set_jaccard(a.grams, b.grams) AS similarity
    FROM compared c
    JOIN grams a ON a.interaction_id = c.interaction_id
    JOIN grams b ON b.interaction_id = c.next_id
),
asked AS (
    -- how the next request differs from this one, word by word (only where it could
    -- be a rephrase): a swapped slot (a name, an item number) is the next item of a
    -- series or template; only additions are a refinement of the same ask
    SELECT p.*, s.similarity,
        CASE WHEN s.similarity >= $rephrase_similarity AND replied THEN word_set(request) END AS w_req,
        CASE WHEN s.similarity >= $rephrase_similarity AND replied THEN word_set(next_request) END AS w_next
    FROM pairs p LEFT JOIN similarity s USING (interaction_id)
    WHERE p.compare
    UNION ALL
    SELECT *, CASE WHEN next_id IS NOT NULL THEN 1.0 END, word_set(request), word_set(next_request)
    FROM pairs
    WHERE same_text AND next_id IS NOT NULL AND replied
    UNION ALL
    SELECT *, CASE WHEN next_id IS NOT NULL THEN 1.0 END, NULL, NULL
    FROM pairs
    WHERE same_text AND NOT (next_id IS NOT NULL AND replied)
    UNION ALL
    -- (no similarity needed: no signal of these pairs depends on it)
    SELECT *, NULL, NULL, NULL
    FROM pairs
    WHERE NOT same_text AND NOT compare
),
classified AS (
    SELECT *,
        len([w FOR w IN w_req IF NOT list_contains(w_next, w)]) AS dropped_words,
        len([w FOR w IN w_next IF NOT list_contains(w_req, w)]) AS added_words
    FROM asked
),
kinds AS MATERIALIZED (
    SELECT interaction_id, conversation_id, next_id, left(next_request, 200) AS next_head,
        similarity, same_context, replied, corrective, continues, thanks_next, closing,
        conversation_end, dropped_words, added_words,
        -- the same thing asked again
        could_repeat AND similarity >= $rephrase_similarity
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
        json_object('next_interaction_id', next_id, 'similarity', round(similarity, 3), 'next_request', next_head)
    FROM kinds
    WHERE (same_ask AND NOT (dropped_words <= 1 AND added_words >= 1))
       OR (same_context AND NOT corrective AND similarity >= $rephrase_similarity
           AND similarity < $retry_similarity)
    UNION ALL
    -- the same ask with a requirement added on top: weak evidence at most
    SELECT interaction_id, conversation_id, 'refinement', 'negative', similarity,
        json_object('next_interaction_id', next_id, 'added_words', added_words, 'next_request', next_head)
    FROM kinds WHERE same_ask AND dropped_words <= 1 AND added_words >= 1
    UNION ALL
    -- the next user turn opens with a negation or a complaint
    SELECT interaction_id, conversation_id, 'correction', 'negative', 1.0,
        json_object('next_interaction_id', next_id, 'next_request', next_head)
    FROM kinds WHERE replied AND corrective
    UNION ALL
    -- the next user turn thanks or praises the answer
    SELECT interaction_id, conversation_id, 'thanks', 'positive', 1.0,
        json_object('next_interaction_id', next_id, 'next_request', left(next_head, 80))
    FROM kinds WHERE replied AND thanks_next AND NOT corrective
    UNION ALL
    -- the user asks for more of this answer
    SELECT interaction_id, conversation_id, 'continuation', 'positive', 1.0,
        json_object('next_interaction_id', next_id, 'next_request', left(next_head, 80))
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
