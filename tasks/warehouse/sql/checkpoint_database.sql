-- Write everything in the write-ahead log into the database file.
CHECKPOINT;
