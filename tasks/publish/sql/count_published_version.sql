SELECT count(*) FROM published_versions WHERE dataset = $dataset AND version = $version AND status = 'published';
