SELECT (SELECT list(pair_id ORDER BY pair_id) FROM forget_pairs) AS pair_ids,
       (SELECT list(case_id ORDER BY case_id) FROM forget_cases) AS case_ids;
