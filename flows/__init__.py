"""Prefect flows (orchestration only), the loop's config model, and the CLI."""
