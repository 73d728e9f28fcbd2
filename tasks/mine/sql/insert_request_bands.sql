-- MinHash-LSH band keys of each bad-case node (case_texts: scene, normalised request) that
-- has none yet: texts sharing a band key are probably similar (character bigrams, so
-- Chinese and English both work). Keys include the scene: clusters never cross scenes.
-- Computed once per text and kept in request_bands, so a night hashes only new texts;
-- one list of least hashes per text, never a grouping by the (long) text itself.
INSERT INTO request_bands
WITH fresh AS (
    SELECT DISTINCT scene, text FROM case_texts
    -- (every node with keys has one for band 0: a twentieth of the rows to compare)
    ANTI JOIN (SELECT scene, text FROM request_bands WHERE band = 0) r USING (scene, text)
),
grams AS MATERIALIZED (
    SELECT scene, text, CASE WHEN length(text) < 2 THEN [text] ELSE bigram_set(text) END AS grams
    FROM fresh
),
signature AS (
    -- MinHash: for each seed, the least hash of the text's bigrams
    SELECT scene, text,
        [list_min([hash(g, seed) FOR g IN grams]) FOR seed IN range(0, $bands * $rows)] AS mhs
    FROM grams
)
SELECT scene, text, $bands, $rows, band,
    hash(scene, band, mhs[band * $rows + 1:(band + 1) * $rows])
FROM signature, range(0, $bands) b(band);
