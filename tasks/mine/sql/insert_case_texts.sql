-- The node (scene, normalised request) of each bad case that has none yet: the only
-- bad-case requests a night normalises.
INSERT INTO case_texts
SELECT b.case_id, hash(coalesce(b.scene, ''), b.request), coalesce(b.scene, ''), norm_text(b.request)
FROM bad_cases b
ANTI JOIN case_texts t
    ON t.case_id = b.case_id AND t.case_hash = hash(coalesce(b.scene, ''), b.request);
