"""Great Expectations suites, defined in code (see :mod:`expectations.suites`)."""
