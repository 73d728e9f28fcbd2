"""Prefect deployments of badcase-loop (``serve.py``, ``prefect.yaml``)."""
