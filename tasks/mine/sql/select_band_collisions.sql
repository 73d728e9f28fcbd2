-- The requests that share a band key (request_bands): probably similar, so one cluster.
-- Keys no other request shares join nothing and stay in the database.
SELECT list({'scene': scene, 'text': text}) AS members
FROM request_bands
GROUP BY bucket
HAVING count(*) > 1;
