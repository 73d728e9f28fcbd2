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


class WarehouseSchemaError(WarehouseError):
    """The warehouse's schema does not fit this code (tasks/warehouse/schema.py)."""


class WarehouseTooNewError(WarehouseSchemaError):
    """A newer release migrated the warehouse: this code must not write to it."""


class MigrationPendingError(WarehouseSchemaError):
    """The warehouse needs migrations this code ships before it can be used."""


class MigrationFailedError(WarehouseSchemaError):
    """A migration failed and was rolled back: the warehouse is as it was."""
