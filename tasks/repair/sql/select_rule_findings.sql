SELECT item_id, list_sort(list(judge)) FROM rule_findings GROUP BY item_id;
