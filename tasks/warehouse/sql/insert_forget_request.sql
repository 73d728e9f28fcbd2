INSERT INTO forget_requests VALUES (
    $request_id, $user_id, $conversation_id, $requested_at, $rows_deleted::JSON,
    $pairs_withdrawn, $still_in::JSON
);
