"""Great Expectations suites, defined in code.

The preference-set suites arrive with the publishing stage; nothing is
validated by this package yet.
"""
