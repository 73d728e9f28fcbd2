SELECT g.category, avg((b.interaction_id IS NOT NULL)::INTEGER) AS recall
FROM ground_truth g LEFT JOIN bad_cases b USING (interaction_id)
WHERE g.bad
GROUP BY g.category ORDER BY g.category;
