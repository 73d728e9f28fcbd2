SELECT count(*) AS interactions,
    count(*) FILTER (WHERE g.bad) AS truly_bad,
    count(b.interaction_id) AS mined,
    count(b.interaction_id) FILTER (WHERE g.bad) AS hits
FROM ground_truth g LEFT JOIN bad_cases b USING (interaction_id);
