SET threads = $value;
