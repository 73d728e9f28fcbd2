UPDATE quarantine SET raw = ? WHERE rowid = ?;
