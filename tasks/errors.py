"""Named errors whose messages say what to do. The CLI prints them as one line."""


class BadcaseError(Exception):
    """Base class for errors a user can fix; the CLI shows the message without a traceback."""


class ConfigError(BadcaseError):
    """The configuration file or a flag is invalid."""


class LandingError(BadcaseError):
    """The landing root is missing or not laid out as DESIGN.md says."""


class WarehouseError(BadcaseError):
    """The warehouse cannot be opened or used."""


class WarehouseBusyError(WarehouseError):
    """Another process holds the warehouse's write lock."""
