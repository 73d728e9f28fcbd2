SELECT pair_id FROM pair_contamination;
