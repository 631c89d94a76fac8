"""Identity judges: which model a response claims to be (ICE)."""
