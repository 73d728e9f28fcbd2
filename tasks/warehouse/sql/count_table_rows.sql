SELECT count(*) FROM {{table}};
