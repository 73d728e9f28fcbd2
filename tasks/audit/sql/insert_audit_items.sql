-- Draw up to $per_stratum interactions from each stratum (deterministic for $seed).
INSERT INTO audit_items
SELECT $audit_id, 'rq-' || left(md5(concat_ws('|', 'audit', $audit_id, interaction_id)), 16),
    interaction_id, stratum, mined, sources
FROM audit_population
QUALIFY row_number() OVER (
    PARTITION BY stratum ORDER BY hash(interaction_id, $seed), interaction_id) <= $per_stratum;
