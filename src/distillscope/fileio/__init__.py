"""Reading and writing files: atomic result files, JSONL, and YAML configs with line numbers."""
