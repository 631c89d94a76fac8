"""The student learns: training, on-policy batches, evaluation against the teacher."""
