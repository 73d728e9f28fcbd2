-- The node (scene, normalised request) of each bad case that has none (new, mined again
-- with another request, or never clustered): the only bad-case requests a night normalises.
INSERT INTO case_texts
SELECT b.case_id, hash(coalesce(b.scene, ''), b.request), coalesce(b.scene, ''), norm_text(b.request)
FROM bad_cases b
ANTI JOIN case_texts t USING (case_id);
