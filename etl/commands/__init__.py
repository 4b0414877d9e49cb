"""Click command groups, one module per area; etl.cli assembles them."""
