SELECT status, coalesce(exclusion_reason, ''), count(*) FROM preference_pairs GROUP BY ALL ORDER BY ALL;
