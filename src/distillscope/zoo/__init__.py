"""The ground-truth zoo: tiny teachers, and students distilled from them by known amounts."""
