-- Recompute which pairs a preference set may hold, keeping every left-out pair with
-- its reason. In order: a pair withdrawn by a deletion request stays so (forgotten); a
-- case's pair superseded by a newer repair (superseded) or whose
-- case is no longer a repaired bad case (case_withdrawn); a case held out for the
-- regression eval set (eval_holdout, see eval_split); a prompt overlapping an external
-- eval set (eval_contamination, see pair_contamination); a prompt equal to or
-- >= $near_dup_similarity bigram-Jaccard like a held-out case's (eval_contamination, with
-- duplicate_of naming it); a prompt equal to (duplicate_prompt) or that like
-- (near_duplicate_prompt) a pair that comes first: already published first, then human
-- repairs, then the worse original. Held-out cases come before all, so a near copy of an
-- eval item never trains; the rest of its cluster (other requests, same failure) does.
UPDATE preference_pairs p SET status = d.status, exclusion_reason = d.reason,
    duplicate_of = d.duplicate_of
FROM (
    WITH alive AS (
        SELECT p.*,
            row_number() OVER (PARTITION BY p.case_id ORDER BY p.built_at DESC, p.pair_id DESC) > 1
                AS superseded,
            b.case_id IS NULL OR b.status <> 'repaired' AS withdrawn,
            p.exclusion_reason IS NOT DISTINCT FROM 'forgotten' AS forgotten,
            c.pair_id IS NOT NULL AS contaminated,
            e.case_id IS NOT NULL AS held_out
        FROM preference_pairs p
        LEFT JOIN bad_cases b USING (case_id)
        LEFT JOIN eval_split e ON e.case_id = p.case_id AND e.split = 'eval'
        LEFT JOIN pair_contamination c USING (pair_id)
    ),
    ranked AS (
        SELECT pair_id, norm_text(array_to_string([m.content FOR m IN prompt IF m.role = 'user'], ' ')) AS text,
            held_out,
            row_number() OVER (ORDER BY held_out DESC, first_version NULLS LAST,
                               rewrite_source = 'human' DESC, badness DESC, pair_id) AS precedence
        FROM alive WHERE NOT forgotten AND NOT superseded AND NOT withdrawn AND NOT contaminated
    ),
    grams AS (
        SELECT pair_id, precedence, text, bigram_set(text) AS grams FROM ranked
    ),
    minhash AS (
        SELECT g.pair_id, s.seed, min(hash(gram, s.seed)) AS mh
        FROM (SELECT pair_id, unnest(grams) AS gram FROM grams) g
        CROSS JOIN range(0, $lsh_bands * $lsh_rows) s(seed)
        GROUP BY g.pair_id, s.seed
    ),
    buckets AS (
        SELECT pair_id, hash(seed // $lsh_rows, list(mh ORDER BY seed)) AS bucket
        FROM minhash GROUP BY pair_id, seed // $lsh_rows
    ),
    colliding AS (
        SELECT DISTINCT a.pair_id, b.pair_id AS other
        FROM buckets a JOIN buckets b ON a.bucket = b.bucket AND a.pair_id <> b.pair_id
    ),
    dups AS (
        SELECT g.pair_id,
            arg_min(o.pair_id, o.precedence) AS duplicate_of
        FROM colliding s
        JOIN grams g ON g.pair_id = s.pair_id
        JOIN grams o ON o.pair_id = s.other
        WHERE o.precedence < g.precedence
          AND (o.text = g.text OR set_jaccard(g.grams, o.grams) >= $near_dup_similarity)
        GROUP BY g.pair_id
    ),
    exact AS (
        SELECT g.pair_id, arg_min(o.pair_id, o.precedence) AS duplicate_of
        FROM grams g JOIN grams o ON o.text = g.text AND o.precedence < g.precedence
        GROUP BY g.pair_id
    )
    SELECT a.pair_id,
        CASE WHEN a.forgotten OR a.superseded OR a.withdrawn OR a.held_out OR a.contaminated
                  OR e.pair_id IS NOT NULL
                  OR d.pair_id IS NOT NULL THEN 'excluded' ELSE 'eligible' END AS status,
        CASE WHEN a.forgotten THEN 'forgotten'
             WHEN a.superseded THEN 'superseded'
             WHEN a.withdrawn THEN 'case_withdrawn'
             WHEN a.held_out THEN 'eval_holdout'
             WHEN a.contaminated OR h.held_out THEN 'eval_contamination'
             WHEN e.pair_id IS NOT NULL THEN 'duplicate_prompt'
             WHEN d.pair_id IS NOT NULL THEN 'near_duplicate_prompt' END AS reason,
        CASE WHEN NOT a.held_out THEN coalesce(e.duplicate_of, d.duplicate_of) END
            AS duplicate_of
    FROM alive a
    LEFT JOIN exact e USING (pair_id)
    LEFT JOIN dups d USING (pair_id)
    LEFT JOIN alive h ON h.pair_id = coalesce(e.duplicate_of, d.duplicate_of)
) d
WHERE p.pair_id = d.pair_id;
