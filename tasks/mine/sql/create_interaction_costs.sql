-- User cost of each interaction whose kept cost (interaction_turns.user_cost) is missing
-- or was computed with other weights ($cost_key), and of every interaction being mined
-- (temp table interaction_costs). Every other interaction keeps its cost: its signals
-- and rule judgments were derived when its conversation was last mined and have not
-- changed since, so answer families are counted from the kept costs, not from every
-- signal again.
--
--   user_cost = sum over user acts of the strongest weighted signal of the act
--               (retry and regenerate are one act), minus the positive acts, >= 0;
--               abandonment counts only beside another negative signal or a rule.
CREATE OR REPLACE TEMP TABLE interaction_costs AS
WITH weights AS (
    SELECT unnest($signal_weights, recursive := true)
),
todo AS (
    SELECT interaction_id FROM interaction_turns
    WHERE cost_key IS DISTINCT FROM $cost_key
       OR (conversation_id IN (SELECT conversation_id FROM mine_scope)
           AND ts >= getvariable('mine_since'))
),
acts AS (
    SELECT sg.interaction_id, sg.polarity,
        CASE sg.signal WHEN 'retry' THEN 'regenerate' ELSE sg.signal END AS act,
        max(sg.strength * w.weight) AS v,
        list(sg.signal) AS sigs
    FROM signals sg JOIN weights w USING (signal)
    SEMI JOIN todo USING (interaction_id)
    -- abandonment counts only beside other trouble: another negative signal or a rule
    WHERE sg.signal <> 'abandonment' OR sg.interaction_id IN (
        SELECT interaction_id FROM signals WHERE polarity = 'negative' AND signal <> 'abandonment'
        UNION ALL
        SELECT interaction_id FROM judgments WHERE verdict = 'bad' AND judge LIKE 'rule:%')
    GROUP BY ALL
),
cost AS (
    SELECT interaction_id,
        -- rounded: parallel sums may add in any order, and re-runs must agree exactly
        round(greatest(sum(CASE WHEN polarity = 'negative' THEN v ELSE 0 END)
                       - sum(CASE WHEN polarity = 'positive' THEN v ELSE 0 END), 0), 6) AS user_cost,
        list_sort(list_distinct(flatten(list(sigs)))) AS signals
    FROM acts GROUP BY interaction_id
)
SELECT t.interaction_id, coalesce(c.user_cost, 0) AS user_cost, coalesce(c.signals, []) AS signals
FROM todo t LEFT JOIN cost c USING (interaction_id);
