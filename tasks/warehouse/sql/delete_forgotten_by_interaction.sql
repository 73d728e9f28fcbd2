-- Delete the rows of one table whose key names a forgotten interaction (forget_interactions).
DELETE FROM {{table}} WHERE {{id}} IN (SELECT interaction_id FROM forget_interactions);
