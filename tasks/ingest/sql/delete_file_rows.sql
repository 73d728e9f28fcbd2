-- Forget what earlier reads of these files left in a table (a changed file is re-read whole).
DELETE FROM {{table}} WHERE list_contains($files, source_file);
