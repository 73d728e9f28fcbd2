UPDATE review_queue q SET
    status = 'done', label = u.label, rewrite = u.rewrite, reviewer = u.reviewer,
    reviewed_at = u.reviewed_at, notes = u.notes, import_file = $import_file
FROM review_import_arrow u
WHERE q.item_id = u.item_id;
