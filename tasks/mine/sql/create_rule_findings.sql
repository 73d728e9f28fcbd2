-- Deterministic rule judges over the answers in the temp view rule_inputs
-- (item_id, answer, finish_reason, request): interactions being mined, or rewrites
-- being verified. One row per firing rule in temp table rule_findings; no row means
-- every rule passed. Costly checks (tool-call JSON, repetition) only run on answers
-- that could fail them.
CREATE OR REPLACE TEMP TABLE rule_findings AS
WITH r AS MATERIALIZED (
    SELECT item_id, answer, finish_reason, request FROM rule_inputs
),
p AS (
    -- code is language-neutral: judge the answer's language on its prose
    SELECT *,
        cheap_rtrim(answer) AS answer_r,
        CASE WHEN contains(answer, '`')
             THEN regexp_replace(answer, '(?s)```.*?```|`[^`\n]*`', '', 'g') ELSE answer END AS prose
    FROM r
),
f AS (
    SELECT *,
        length(cheap_trim(answer)) AS chars,
        -- anything left without white space and invisible format characters (U+200B ...):
        -- a search that stops at the first such character, not a rewrite of the answer
        regexp_matches(answer, '[^\s\p{Cf}]') AS visible,
        length(cheap_trim(coalesce(request, ''))) + wide_chars(request) AS request_len,
        -- (these two only matter for a short answer: weighted_len >= chars, see g)
        CASE WHEN length(cheap_trim(answer)) < $min_answer_length
             THEN contains_any(lower(coalesce(request, '')), $brevity_phrases) ELSE false END AS asks_brevity,
        -- a short acknowledgement, a choice ("b. cost-shifting") or a bracketed game move
        CASE WHEN length(cheap_trim(answer)) < $min_answer_length
             THEN regexp_matches(lower(trim(answer)), $short_reply_pattern) ELSE false END AS fitting_short_reply,
        -- an odd number of ``` fences: the answer stops inside a code block
        -- (counting by replace copies the answer: only where there is something to count)
        contains(answer, '```')
            AND (length(answer) - length(replace(answer, '```', ''))) // 3 % 2 = 1 AS open_fence,
        -- the last line of the answer; the last code block when the answer ends with one
        regexp_extract(answer_r, '[^\n]*$') AS last_line,
        CASE WHEN ends_with(answer_r, '```')
             THEN string_split(answer_r, '```')[-2] END AS last_block,
        wide_chars(prose) AS answer_wide,
        wide_chars(request) AS request_wide,
        lower(ltrim(left(answer, 80))) AS opening,
        CASE WHEN contains(answer, '<think>')
             THEN (length(answer) - length(replace(answer, '<think>', ''))) // 7 ELSE 0 END AS think_open,
        CASE WHEN contains(answer, '</think>')
             THEN (length(answer) - length(replace(answer, '</think>', ''))) // 8 ELSE 0 END AS think_close,
        CASE WHEN contains(answer, '<tool_call>')
             THEN (length(answer) - length(replace(answer, '<tool_call>', ''))) // 11 ELSE 0 END AS tool_open,
        CASE WHEN contains(answer, '</tool_call>')
             THEN (length(answer) - length(replace(answer, '</tool_call>', ''))) // 12 ELSE 0 END AS tool_close,
        -- a loop repeats until the answer stops: its last 24 characters recur
        length(answer) >= 120
            AND (length(answer) - length(replace(answer, right(answer, 24), ''))) // 24 >= 3
            AS may_repeat
    FROM p
),
e AS (
    SELECT *,
        -- a closed last code block whose code stops mid-way: more brackets opened than
        -- closed, or a last line ending on an operator, a comma or an opening bracket, or
        -- a bare keyword (how a cut-off answer looks once a viewer closed the fence)
        last_block IS NOT NULL AND (
            length(last_block) - length(translate(last_block, '([{', ''))
                > length(last_block) - length(translate(last_block, ')]}', ''))
            OR regexp_matches(rtrim(last_block), '([,(\[{=+*/\\&|]|\b(def|class|return|print|if|for|while|function|const|let|var|import|from|and|or|not))$')
        ) AS open_code,
        -- the last line stops on a word that cannot end a sentence, or on a comma
        regexp_matches(lower(last_line), $dangling_pattern) AS dangling_end,
        len(string_split(cheap_trim(last_line), ' ')) AS last_line_words
    FROM f
),
g0 AS (
    SELECT *,
        -- Latin letters only matter where either side has wide characters (language
        -- rule: with none on both sides both Han shares are 0 and it cannot fire)
        CASE WHEN answer_wide + request_wide > 0 THEN ascii_letters(prose) END AS answer_ascii,
        CASE WHEN answer_wide + request_wide > 0 THEN ascii_letters(request) END AS request_ascii
    FROM e
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
    FROM g0
),
h AS (
    SELECT *, list_aggregate(words, 'mode') AS top_word,
        -- (lower-cased once, and only for an answer long enough to be verbose)
        CASE WHEN weighted_len >= $verbose_min_length THEN lower(answer) END AS answer_lower
    FROM g
),
loops AS MATERIALIZED (
    -- what the rules below look at, computed once per answer (the answers themselves
    -- are not carried: every rule reads these columns)
    SELECT item_id, finish_reason, visible, chars, weighted_len, request_len, asks_brevity,
        fitting_short_reply, open_fence, open_code, dangling_end, last_line, last_line_words,
        think_open, think_close, tool_open, tool_close, answer_wide, answer_ascii,
        request_wide, request_ascii, answer_han, request_han, opening, may_repeat,
        top_word, length(answer) AS answer_chars,
        right(answer_r, 40) AS ending, left(answer, 80) AS head,
        NOT coalesce(list_bool_and([json_valid(trim(b)) FOR b IN tool_bodies]), true) AS malformed_tool_call,
        len(sentences) AS n_sentences, len(list_distinct(sentences)) AS distinct_sentences,
        len(words) AS n_words, len([w FOR w IN words IF w = top_word]) AS top_word_count,
        [x FOR x IN $verbose_phrases IF contains(answer_lower, x)] AS padding
    FROM h
),
fired AS (
    -- empty (white space or invisible characters only): always a failure
    SELECT item_id, 'rule:empty_or_short' AS judge, 1.0 AS score,
        json_object('visible_chars', 0) AS evidence
    FROM loops WHERE NOT visible
    UNION ALL
    -- too short for what was asked: weak alone (in real traffic most short answers are
    -- asked for); never for a short request, a request for a short reply, or a fitting
    -- short reply (an acknowledgement, a choice letter, a game move)
    SELECT item_id, 'rule:empty_or_short', 0.4,
        json_object('weighted_length', weighted_len, 'min', $min_answer_length,
                    'request_length', request_len)
    FROM loops
    WHERE visible AND weighted_len < $min_answer_length
      AND request_len >= $short_request_length AND NOT asks_brevity AND NOT fitting_short_reply
    UNION ALL
    -- stops mid-way (finish_reason may still say 'stop': products log what they got):
    -- inside an open code block, inside a code block a viewer closed, on a word that
    -- cannot end a sentence, or on a word after a long answer's long prose line
    SELECT item_id, 'rule:cut_off',
        CASE WHEN open_fence OR open_code THEN 0.9 WHEN dangling_end THEN 0.8 ELSE 0.7 END,
        json_object('open_code_block', open_fence OR open_code, 'ending', ending)
    FROM loops
    WHERE coalesce(finish_reason, '') <> 'length' AND visible AND (
        open_fence OR open_code OR dangling_end
        OR (chars >= $cut_off_min_chars AND last_line_words >= 8
            -- prose, not a list item, table row, heading or quote ...
            AND NOT regexp_matches(ltrim(last_line), '^([-*+•>#|]|\d+[.)]\s)')
            -- ... that stops on a letter or digit, not on an end mark
            AND regexp_matches(last_line, '[\p{L}\p{N}]$')))
    UNION ALL
    SELECT item_id, 'rule:truncated', 1.0, json_object('finish_reason', finish_reason)
    FROM loops WHERE finish_reason = 'length'
    UNION ALL
    SELECT item_id, 'rule:unpaired_tags', 0.9,
        json_object('think', [think_open, think_close], 'tool_call', [tool_open, tool_close],
                    'malformed_tool_call', malformed_tool_call)
    FROM loops
    WHERE think_open <> think_close OR tool_open <> tool_close
       OR malformed_tool_call
    UNION ALL
    SELECT item_id, 'rule:refusal', 0.7, json_object('opening', head)
    FROM loops WHERE opens_with_any(opening, $refusal_prefixes) AND answer_chars < $refusal_max_chars
    UNION ALL
    SELECT item_id, 'rule:wrong_language', 0.9,
        json_object('request_han_share', round(request_han, 2), 'answer_han_share', round(answer_han, 2))
    FROM loops
    WHERE answer_wide + answer_ascii >= 20 AND request_wide + request_ascii >= 4
      AND ((request_han >= 0.3 AND answer_han < 0.05) OR (request_han < 0.05 AND answer_han >= 0.3))
    UNION ALL
    SELECT item_id, 'rule:repetition', 0.9,
        json_object('sentences', n_sentences, 'distinct_sentences', distinct_sentences,
                    'words', n_words, 'top_word', top_word, 'top_word_count', top_word_count)
    FROM loops
    WHERE may_repeat AND (
        (n_sentences >= 4 AND distinct_sentences * 2 <= n_sentences)
        -- one word filling a third of a long answer ("the the the ...")
        OR (n_words >= 40 AND top_word_count >= 15 AND top_word_count * 3 >= n_words))
    UNION ALL
    -- over-long and padded: a long answer full of filler ("great question", "I hope this
    -- helps", "as mentioned above"); its concise repair is a counter-example to length bias
    SELECT item_id, 'rule:verbose', 0.5,
        json_object('weighted_length', weighted_len,
                    'padding', padding)
    FROM loops
    WHERE weighted_len >= $verbose_min_length
      AND len(padding) >= $verbose_min_phrases
)
SELECT item_id, judge, score, evidence FROM fired;
