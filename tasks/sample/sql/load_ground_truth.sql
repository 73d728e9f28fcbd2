-- Ground truth of generated logs, for the interactions that were ingested.
CREATE OR REPLACE TEMP TABLE ground_truth AS
SELECT g.* FROM read_json($path, format = 'newline_delimited') g
SEMI JOIN interactions USING (interaction_id);
