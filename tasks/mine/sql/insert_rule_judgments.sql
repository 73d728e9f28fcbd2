-- The rule findings of the interactions being mined, as judgments (verdict 'bad').
INSERT INTO judgments
SELECT item_id, judge, 'bad', score, evidence, 'rules', $rules_version, NULL, $run_id, now()
FROM rule_findings;
