"""The reporting warehouse: schema and migrations, raw landing tables, loads, scores, marts."""
