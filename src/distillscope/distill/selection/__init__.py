"""Choosing a pretraining corpus by the teacher (MiniPLM difference sampling)."""
