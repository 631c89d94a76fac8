"""Built-in data and the loaders for the user's own."""
