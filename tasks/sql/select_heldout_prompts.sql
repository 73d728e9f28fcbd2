-- The user turns of held-out cases: training pairs must stay clear of them.
SELECT DISTINCT array_to_string([m.content FOR m IN p.prompt IF m.role = 'user'], ' ')
FROM preference_pairs p JOIN eval_split e ON e.case_id = p.case_id AND e.split = 'eval';
