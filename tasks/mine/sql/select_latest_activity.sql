-- The newest timestamp in the warehouse: "now" for deciding that a conversation has gone quiet.
SELECT greatest((SELECT max(ts) FROM interactions), (SELECT max(ts) FROM events));
