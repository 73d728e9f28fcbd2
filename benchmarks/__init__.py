"""Benchmarks run by `make bench`; figures are written to BENCHMARKS.md."""
