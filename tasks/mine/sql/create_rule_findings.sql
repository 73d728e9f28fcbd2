-- Deterministic rule judges over the answers in the temp view rule_inputs
-- (item_id, answer, finish_reason, request): interactions being mined, or rewrites
-- being verified. One row per firing rule in temp table rule_findings; no row means
-- every rule passed. Costly checks (tool-call JSON, repetition) only run on answers
-- that could fail them.
CREATE OR REPLACE TEMP TABLE rule_findings AS
WITH r AS (
    SELECT item_id, answer, finish_reason, request FROM rule_inputs
),
p AS (
    -- code is language-neutral: judge the answer's language on its prose
    SELECT *,
        CASE WHEN contains(answer, '`')
             THEN regexp_replace(answer, '(?s)```.*?```|`[^`\n]*`', '', 'g') ELSE answer END AS prose
    FROM r
),
f AS (
    SELECT *,
        length(trim(answer)) AS chars,
        wide_chars(prose) AS answer_wide,
        ascii_letters(prose) AS answer_ascii,
        wide_chars(request) AS request_wide,
        ascii_letters(request) AS request_ascii,
        lower(ltrim(left(answer, 80))) AS opening,
        (length(answer) - length(replace(answer, '<think>', ''))) // 7 AS think_open,
        (length(answer) - length(replace(answer, '</think>', ''))) // 8 AS think_close,
        (length(answer) - length(replace(answer, '<tool_call>', ''))) // 11 AS tool_open,
        (length(answer) - length(replace(answer, '</tool_call>', ''))) // 12 AS tool_close,
        -- a loop repeats until the answer stops: its last 24 characters recur
        length(answer) >= 120
            AND (length(answer) - length(replace(answer, right(answer, 24), ''))) // 24 >= 3
            AS may_repeat
    FROM p
),
g AS (
    SELECT *,
        -- a wide (CJK) character carries about as much as two Latin ones
        chars + answer_wide AS weighted_len,
        answer_wide / greatest(answer_wide + answer_ascii, 1) AS answer_han,
        request_wide / greatest(request_wide + request_ascii, 1) AS request_han,
        CASE WHEN tool_open > 0 THEN regexp_extract_all(answer, '(?s)<tool_call>(.*?)</tool_call>', 1) END AS tool_bodies,
        CASE WHEN may_repeat THEN [trim(x) FOR x IN string_split_regex(answer, '[.!?。！？\n]+') IF length(trim(x)) >= 6] END AS sentences,
        CASE WHEN may_repeat THEN string_split_regex(trim(lower(answer)), '\s+') END AS words
    FROM f
),
h AS (
    SELECT *, list_aggregate(words, 'mode') AS top_word FROM g
),
loops AS (
    SELECT *, len([w FOR w IN words IF w = top_word]) AS top_word_count FROM h
),
fired AS (
    SELECT item_id, 'rule:empty_or_short' AS judge, 0.6 AS score,
        json_object('weighted_length', weighted_len, 'min', $min_answer_length) AS evidence
    FROM loops WHERE weighted_len < $min_answer_length
    UNION ALL
    SELECT item_id, 'rule:truncated', 1.0, json_object('finish_reason', finish_reason)
    FROM loops WHERE finish_reason = 'length'
    UNION ALL
    SELECT item_id, 'rule:unpaired_tags', 0.9,
        json_object('think', [think_open, think_close], 'tool_call', [tool_open, tool_close],
                    'malformed_tool_call', NOT coalesce(list_bool_and([json_valid(trim(b)) FOR b IN tool_bodies]), true))
    FROM loops
    WHERE think_open <> think_close OR tool_open <> tool_close
       OR NOT coalesce(list_bool_and([json_valid(trim(b)) FOR b IN tool_bodies]), true)
    UNION ALL
    SELECT item_id, 'rule:refusal', 0.7, json_object('opening', left(answer, 80))
    FROM loops WHERE opens_with_any(opening, $refusal_prefixes) AND length(answer) < $refusal_max_chars
    UNION ALL
    SELECT item_id, 'rule:wrong_language', 0.9,
        json_object('request_han_share', round(request_han, 2), 'answer_han_share', round(answer_han, 2))
    FROM loops
    WHERE answer_wide + answer_ascii >= 20 AND request_wide + request_ascii >= 4
      AND ((request_han >= 0.3 AND answer_han < 0.05) OR (request_han < 0.05 AND answer_han >= 0.3))
    UNION ALL
    SELECT item_id, 'rule:repetition', 0.9,
        json_object('sentences', len(sentences), 'distinct_sentences', len(list_distinct(sentences)),
                    'words', len(words), 'top_word', top_word, 'top_word_count', top_word_count)
    FROM loops
    WHERE may_repeat AND (
        (len(sentences) >= 4 AND len(list_distinct(sentences)) * 2 <= len(sentences))
        -- one word filling a third of a long answer ("the the the ...")
        OR (len(words) >= 40 AND top_word_count >= 15 AND top_word_count * 3 >= len(words)))
    UNION ALL
    -- over-long and padded: a long answer full of filler ("great question", "I hope this
    -- helps", "as mentioned above"); its concise repair is a counter-example to length bias
    SELECT item_id, 'rule:verbose', 0.5,
        json_object('weighted_length', weighted_len,
                    'padding', [x FOR x IN $verbose_phrases IF contains(lower(answer), x)])
    FROM loops
    WHERE weighted_len >= $verbose_min_length
      AND len([x FOR x IN $verbose_phrases IF contains(lower(answer), x)]) >= $verbose_min_phrases
)
SELECT item_id, judge, score, evidence FROM fired;
