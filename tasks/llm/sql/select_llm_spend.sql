-- Requests and tokens spent on one endpoint since a time (the rolling 24-hour ceiling).
SELECT sum(requests), sum(prompt_tokens + completion_tokens)
FROM llm_spend WHERE endpoint = $endpoint AND recorded_at >= $since;
