-- The versions of a dataset this warehouse has recorded as published.
SELECT version FROM published_versions WHERE dataset = $dataset AND status = 'published';
