SELECT path, size_bytes, mtime, sha256, status FROM ingested_files;
