INSERT INTO schema_migrations VALUES ($version, $name, $checksum, $how, now(), $code_version);
