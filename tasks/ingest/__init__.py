"""Stage 1, ingest: landed log files into ``interactions`` and ``events``.

``records`` is the landing record format (DESIGN.md "Input"), ``landing`` finds new
files under a local or object-storage root, ``ingest`` loads them incrementally and
idempotently, quarantining each malformed record with its reason.
"""
