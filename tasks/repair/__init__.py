"""Stages 6-7, repair: route each bad case, rewrite it, verify the repair, take expert work.

``route`` applies the routing policy (``llm_rewrite``, ``human_review``,
``kto_only``, ``drop``); ``rewriter`` is the four-step LLM rewriter (prompt,
builder, parser); ``rewrite`` runs it cluster by cluster and keeps a repair only
when the pairwise judge and the rules prefer it; ``review`` exports the human
queue and imports what people did.
"""
