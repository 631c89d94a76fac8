"""Response-similarity judges: how much a response resembles the reference's (RSE)."""
