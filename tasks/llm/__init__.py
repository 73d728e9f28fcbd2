"""The LLM plumbing every model-calling stage shares.

``client`` talks to any OpenAI-compatible server through the ``openai`` package
(bounded concurrency, retries, request budget, PII redaction of what is sent);
``prompting`` loads prompt templates, delimits logged text as data and reads
replies strictly, with one repair request.
"""
