DELETE FROM ingested_files WHERE list_contains($paths, path);
