-- Text helpers for signals, judges and mining. They work for Chinese and English
-- alike: similarity is on character bigrams of lower-cased text without spaces
-- or punctuation, so no word segmentation is needed.
--
-- Macros expand textually: pass them columns computed once (norm_text(x) AS nx),
-- never an expensive expression, or it is re-evaluated inside their list lambdas.

CREATE OR REPLACE TEMP MACRO norm_text(s) AS
    regexp_replace(lower(coalesce(s, '')), '[\s\p{P}\p{S}]+', '', 'g');

-- n: an already normalised text (a column). Its characters are split once and paired
-- with their successors: substr(n, i, 2) for every i would walk the UTF-8 text from its
-- start each time, quadratic in its length (pasted documents are 10,000+ characters).
-- A text shorter than two characters is its own only "bigram".
CREATE OR REPLACE TEMP MACRO bigram_set(n) AS
    list_distinct(CASE WHEN length(n) < 2 THEN [n]
        ELSE [p[1] || p[2] FOR p IN list_zip(string_split(n, ''), string_split(substr(n, 2), ''), true)]
        END);

CREATE OR REPLACE TEMP MACRO set_jaccard(x, y) AS
    CASE WHEN len(x) + len(y) = 0 THEN 1.0
         ELSE len(list_intersect(x, y)) / len(list_distinct(list_concat(x, y))) END;

-- Share of wide (CJK) characters among a text's letters: a CJK character is 3
-- bytes in UTF-8, so (bytes - chars) / 2 counts them without a regex pass.
CREATE OR REPLACE TEMP MACRO wide_chars(s) AS (strlen(coalesce(s, '')) - length(coalesce(s, ''))) // 2;
CREATE OR REPLACE TEMP MACRO ascii_letters(s) AS
    length(coalesce(s, '')) - length(translate(coalesce(s, ''),
        'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ', ''));

-- DuckDB's trim, rtrim and ltrim strip the Unicode space separators (category Zs, these
-- 17 code points) and copy the text even when there is nothing to strip: these check the
-- ends first, so a long answer that ends on a letter is not copied. s: a column.
CREATE OR REPLACE TEMP MACRO zs_chars() AS
    [chr(32), chr(160), chr(5760), chr(8192), chr(8193), chr(8194), chr(8195), chr(8196),
     chr(8197), chr(8198), chr(8199), chr(8200), chr(8201), chr(8202), chr(8239), chr(8287),
     chr(12288)];
CREATE OR REPLACE TEMP MACRO ends_with_zs(s) AS list_bool_or([ends_with(s, z) FOR z IN zs_chars()]);
CREATE OR REPLACE TEMP MACRO cheap_rtrim(s) AS CASE WHEN ends_with_zs(s) THEN rtrim(s) ELSE s END;
CREATE OR REPLACE TEMP MACRO cheap_trim(s) AS
    CASE WHEN ends_with_zs(s) OR list_bool_or([starts_with(s, z) FOR z IN zs_chars()])
         THEN trim(s) ELSE s END;

-- low: an already lower-cased text (a column).
CREATE OR REPLACE TEMP MACRO opens_with_any(low, prefixes) AS
    coalesce(list_bool_or([starts_with(low, p) FOR p IN prefixes]), false);

CREATE OR REPLACE TEMP MACRO contains_any(low, needles) AS
    coalesce(list_bool_or([contains(low, x) FOR x IN needles]), false);

-- Like opens_with_any, but a prefix must end a word: 'more' opens "more please", not
-- "moreover"; 'ty' opens "ty!", not "type". A CJK prefix may be followed by anything.
CREATE OR REPLACE TEMP MACRO opens_with_word(low, prefixes) AS
    coalesce(list_bool_or([starts_with(low, p)
        AND NOT regexp_matches(substr(low, length(p) + 1, 1), '[a-z0-9]') FOR p IN prefixes]), false);

-- The distinct words of a text (letters and digits; CJK runs count as one word),
-- articles left out ("a meta description" / "an OG title" swap two words, not three).
CREATE OR REPLACE TEMP MACRO word_set(s) AS
    list_distinct([w FOR w IN regexp_split_to_array(lower(coalesce(s, '')), '[^\p{L}\p{N}]+')
                   IF w NOT IN ('', 'a', 'an', 'the')]);
