"""The loop's work, one folder per stage, in loop order.

Each stage is a plain typed function taking an open DuckDB connection (and, where it
needs one, an LLM client) plus a thin Prefect ``@task`` wrapper; its SQL lives in
``<stage>/sql/`` and its prompt templates in ``<stage>/prompts/``.

1. ``ingest``     landed logs into ``interactions`` / ``events`` (``quarantine``)
2. ``mine``       signals, rule judges, scores and clusters (``signals``, ``judgments``,
                  ``bad_cases``)
3. ``judge``      LLM rubric judge and its calibration against people (``judgments``,
                  ``review_queue``, ``judge_agreement``)
4. ``repair``     routing, the LLM rewriter and its verification, the expert queue
                  (``routes``, ``rewrites``, ``review_queue``)
5. ``publish``    preference pairs, PII redaction, validation, versioned sets
                  (``preference_pairs``, ``published_versions``)
6. ``monitor``    trends per night, scene and cluster

Shared by the stages: ``warehouse`` (connection, SQL loader, runs, schema migrations),
``llm`` (client, prompting), ``errors``, ``files``. Beside the loop: ``audit`` (a blind
stratified sample people label; precision / recall estimates the loop acts on). After
training: ``evaluate`` (candidate models, RL prompt sets). Outside the loop: ``sample``
(the log generator for demo, tests and benchmarks).
"""
