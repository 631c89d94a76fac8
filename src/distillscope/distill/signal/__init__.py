"""The teacher's signal and the student's objective: the top-k teacher cache, the KD losses."""
