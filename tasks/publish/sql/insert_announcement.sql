INSERT INTO published_announcements VALUES ($dataset, $version, $event_id, $run_id, $now);
