SELECT reason, cached, count(*) FROM llm_todo GROUP BY ALL ORDER BY ALL;
