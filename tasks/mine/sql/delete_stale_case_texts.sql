-- Forget the nodes of bad cases that are gone or ask something else now, or in another
-- scene (a re-mined conversation's cases are inserted again; most ask what they asked).
DELETE FROM case_texts t
WHERE NOT EXISTS (
    SELECT 1 FROM bad_cases b
    WHERE b.case_id = t.case_id AND hash(coalesce(b.scene, ''), b.request) = t.case_hash);
