SET preserve_insertion_order = $value;
