-- Forget band keys of other LSH settings and of texts no bad case asks any more.
DELETE FROM request_bands r
WHERE bands <> $bands OR "rows" <> $rows
   OR NOT EXISTS (
       SELECT 1 FROM bad_cases b
       WHERE coalesce(b.scene, '') = r.scene AND norm_text(b.request) = r.text);
