-- Forget band keys of other LSH settings and of texts no bad case asks any more.
DELETE FROM request_bands r
WHERE bands <> $bands OR "rows" <> $rows
   OR NOT EXISTS (SELECT 1 FROM case_texts t WHERE t.scene = r.scene AND t.text = r.text);
