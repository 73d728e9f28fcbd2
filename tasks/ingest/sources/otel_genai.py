"""``otel-genai``: OTLP/JSON trace files (placeholder)."""

SUFFIXES = (".json", ".jsonl", ".json.gz", ".jsonl.gz")


def read_otlp_json(lines, source, index):
    raise NotImplementedError
