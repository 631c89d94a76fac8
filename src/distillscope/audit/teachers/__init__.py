"""Which teacher: a classifier of the candidate teachers' own answers, for attribution."""
