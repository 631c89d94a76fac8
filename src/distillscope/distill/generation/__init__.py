"""The teacher writes the data (black-box): generation, expansion, filters, near-duplicates."""
