"""Stages 2-4, mining: signals, rule judges, scores and clusters.

``signals`` derives implicit and explicit user feedback per interaction in SQL,
``rules`` runs the deterministic rule judges, and ``mine`` scores each interaction
(frequency, user cost, deviation), keeps the bad ones as ``bad_cases`` and groups
them into structural clusters.
"""
