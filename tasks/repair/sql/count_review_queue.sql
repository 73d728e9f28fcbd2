SELECT kind, status, count(*) FROM review_queue GROUP BY ALL ORDER BY ALL;
