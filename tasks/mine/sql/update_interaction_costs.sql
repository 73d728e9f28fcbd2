-- Keep the costs just computed (interaction_costs), with the weights they were computed with.
UPDATE interaction_turns t SET user_cost = c.user_cost, cost_key = $cost_key
FROM interaction_costs c
WHERE t.interaction_id = c.interaction_id
  AND (t.user_cost IS DISTINCT FROM c.user_cost OR t.cost_key IS DISTINCT FROM $cost_key);
