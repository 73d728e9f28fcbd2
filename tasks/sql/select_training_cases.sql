-- Cases whose pair a preference set holds now.
SELECT case_id FROM preference_pairs WHERE status = 'eligible';
