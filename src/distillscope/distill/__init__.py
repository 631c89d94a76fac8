"""Making students: the teacher writes data (black-box), the student learns its logits (white-box)."""
