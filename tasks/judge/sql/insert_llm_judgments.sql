-- One judge's results (llm_judgments_arrow): each replaces what the same judge,
-- model and prompt version wrote for the item before (a failed call being retried).
DELETE FROM judgments j
USING llm_judgments_arrow n
WHERE j.interaction_id = n.interaction_id AND j.judge = n.judge
  AND j.model = n.model AND j.prompt_version = n.prompt_version;
INSERT INTO judgments
SELECT interaction_id, judge, verdict, score, evidence::JSON, model, prompt_version, error,
    run_id, judged_at
FROM llm_judgments_arrow;
