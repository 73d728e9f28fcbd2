-- Rule inputs from a registered Arrow table (rule_inputs_arrow): rewrites being verified.
CREATE OR REPLACE TEMP VIEW rule_inputs AS
SELECT item_id, answer, finish_reason, request FROM rule_inputs_arrow;
