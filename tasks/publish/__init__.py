"""Stages 8-9, build and publish the versioned sets.

``build`` turns verified repairs into preference pairs (deduplicated,
decontaminated, eval hold-out); ``compose`` chooses which eligible pairs a
version holds (scene, cluster, difficulty and length balance); ``cues`` measures
shallow cues such as "the longer answer is chosen"; ``redact`` strips PII from everything published;
``publish`` validates the preference set and writes it as ``datasets/<name>/vNNNN``;
``sets`` and ``evalset`` publish the regression eval sets (and RL prompt sets)
the same way.
"""
