-- Published versions of a dataset whose badcase.dataset.published event was never sent,
-- oldest first.
SELECT v.version, v.path, v.parent, v.pairs, v.kto_rows, v.added, v.removed,
    v.content_hash, v.run_id
FROM published_versions v
WHERE v.dataset = $dataset AND v.status = 'published'
  AND NOT EXISTS (
      SELECT 1 FROM published_announcements a
      WHERE a.dataset = v.dataset AND a.version = v.version)
ORDER BY v.created_at, v.version;
