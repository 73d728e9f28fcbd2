-- rewrites-data
-- Mining reads evidence both ways (issue 16): continuation, thanks and refinement
-- signals, rephrases only for the same ask, abandonment only beside other trouble, rules
-- that see the request, the cut_off rule. Forget what was mined so the next run derives
-- signals, rule verdicts and bad cases of every conversation again with the new rules.
-- LLM judgments and rewrites are kept and reused (keyed by interaction, model and prompt
-- version): the rebuild costs no LLM calls.
DELETE FROM mined_conversations;
