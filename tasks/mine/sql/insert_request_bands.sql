-- MinHash-LSH band keys of each distinct (scene, request) among the bad cases that has
-- none yet: texts sharing a band key are probably similar (character bigrams, so
-- Chinese and English both work). Keys include the scene: clusters never cross scenes.
-- Computed once per text and kept in request_bands, so a night hashes only new texts.
INSERT INTO request_bands
WITH texts AS (
    SELECT DISTINCT coalesce(scene, '') AS scene, norm_text(request) AS text
    FROM bad_cases
),
fresh AS (
    SELECT * FROM texts
    ANTI JOIN (SELECT DISTINCT scene, text FROM request_bands) r USING (scene, text)
),
grams AS (
    SELECT scene, text, unnest(CASE WHEN length(text) < 2 THEN [text] ELSE bigram_set(text) END) AS gram
    FROM fresh
),
minhash AS (
    SELECT scene, text, seed, min(hash(gram, seed)) AS mh
    FROM grams CROSS JOIN range(0, $bands * $rows) s(seed)
    GROUP BY ALL
)
SELECT scene, text, $bands, $rows, seed // $rows AS band,
    hash(scene, seed // $rows, list(mh ORDER BY seed)) AS bucket
FROM minhash
GROUP BY scene, text, seed // $rows;
