SELECT count(*) FROM mine_scope;
