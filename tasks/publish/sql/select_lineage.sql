SELECT
    (SELECT list({'path': path, 'sha256': sha256} ORDER BY path) FROM ingested_files
     WHERE status = 'ingested') AS input_files,
    (SELECT list(DISTINCT {'judge': judge, 'model': model, 'prompt_version': prompt_version})
     FROM judgments WHERE judge LIKE 'llm:%' AND verdict IS NOT NULL) AS judges,
    (SELECT list(DISTINCT {'model': model, 'prompt_version': prompt_version})
     FROM rewrites WHERE source = 'llm' AND verification = 'chosen') AS rewriters,
    (SELECT list(DISTINCT prompt_version) FROM judgments WHERE judge LIKE 'rule:%') AS rule_versions;
