-- Delete the rows of one table whose key names a forgotten case (forget_cases).
DELETE FROM {{table}} WHERE {{id}} IN (SELECT case_id FROM forget_cases);
