-- The other keys of what forget_targets reaches (see create_forget_targets.sql).
CREATE OR REPLACE TEMP TABLE forget_conversations AS
SELECT DISTINCT conversation_id FROM forget_targets;
CREATE OR REPLACE TEMP TABLE forget_interactions AS
SELECT DISTINCT interaction_id FROM forget_targets
UNION SELECT interaction_id FROM events
WHERE conversation_id IN (SELECT conversation_id FROM forget_conversations)
UNION SELECT interaction_id FROM bad_cases
WHERE conversation_id IN (SELECT conversation_id FROM forget_conversations);
CREATE OR REPLACE TEMP TABLE forget_cases AS
SELECT case_id FROM bad_cases WHERE interaction_id IN (SELECT interaction_id FROM forget_interactions)
UNION SELECT case_id FROM preference_pairs WHERE interaction_id IN (SELECT interaction_id FROM forget_interactions)
UNION SELECT case_id FROM rewrites WHERE interaction_id IN (SELECT interaction_id FROM forget_interactions);
CREATE OR REPLACE TEMP TABLE forget_records AS
SELECT interaction_id AS record_id FROM forget_interactions
UNION SELECT event_id FROM events WHERE interaction_id IN (SELECT interaction_id FROM forget_interactions);
CREATE OR REPLACE TEMP TABLE forget_pairs AS
SELECT pair_id FROM preference_pairs
WHERE case_id IN (SELECT case_id FROM forget_cases)
   OR interaction_id IN (SELECT interaction_id FROM forget_interactions);
