-- Rewrites record which reply format produced them (issue 19: structured outputs where
-- the server offers them): json_schema or text; NULL for people's repairs and for rows
-- written before this release.
ALTER TABLE rewrites ADD COLUMN reply_format VARCHAR;
