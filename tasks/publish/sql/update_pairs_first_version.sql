UPDATE preference_pairs SET first_version = $version
WHERE status = 'eligible' AND first_version IS NULL;
