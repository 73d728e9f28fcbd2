-- MinHash-LSH band keys of each distinct (scene, request) among the bad cases that has
-- none yet: texts sharing a band key are probably similar (character bigrams, so
-- Chinese and English both work). Keys include the scene: clusters never cross scenes.
-- Computed once per text and kept in request_bands, so a night hashes only new texts;
-- grouped by a number standing for the text, never by the (long) text itself.
INSERT INTO request_bands
WITH texts AS (
    SELECT DISTINCT coalesce(scene, '') AS scene, norm_text(request) AS text
    FROM bad_cases
),
fresh AS MATERIALIZED (
    SELECT row_number() OVER () AS tid, scene, text FROM texts
    ANTI JOIN (SELECT DISTINCT scene, text FROM request_bands) r USING (scene, text)
),
grams AS (
    SELECT tid, unnest(CASE WHEN length(text) < 2 THEN [text] ELSE bigram_set(text) END) AS gram
    FROM fresh
),
minhash AS (
    SELECT tid, seed, min(hash(gram, seed)) AS mh
    FROM grams CROSS JOIN range(0, $bands * $rows) s(seed)
    GROUP BY ALL
),
signature AS (
    SELECT tid, seed // $rows AS band, list(mh ORDER BY seed) AS mhs
    FROM minhash
    GROUP BY tid, seed // $rows
)
SELECT f.scene, f.text, $bands, $rows, s.band, hash(f.scene, s.band, s.mhs)
FROM signature s JOIN fresh f USING (tid);
