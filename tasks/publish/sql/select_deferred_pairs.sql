SELECT exclusion_reason, count(*) FROM preference_pairs WHERE status = 'deferred'
GROUP BY ALL ORDER BY ALL;
