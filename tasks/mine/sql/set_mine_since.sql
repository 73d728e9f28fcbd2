-- The earliest interaction of the conversations to mine: the stages read interactions and
-- interaction_turns from there on (ts >= getvariable('mine_since')), so DuckDB skips the
-- older parts of those tables instead of reading every row to find the conversations'.
SET VARIABLE mine_since = (SELECT min(first_ts) FROM mine_scope);
