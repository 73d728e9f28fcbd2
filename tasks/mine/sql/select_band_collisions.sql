-- The requests to cluster again that share a band key (request_bands): probably similar,
-- so one cluster. Keys no other request shares join nothing and stay in the database.
SELECT list(s.node) AS members
FROM request_bands b JOIN cluster_scope s USING (scene, text)
GROUP BY b.bucket
HAVING count(*) > 1;
