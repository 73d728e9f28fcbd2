-- Same bytes, new mtime (touched or copied back): remember the mtime, read nothing.
UPDATE ingested_files SET mtime = $mtime WHERE path = $path;
