-- A run's scope replaces the one kept before it (mining_scopes: only the latest run's).
DELETE FROM mining_scopes;
