"""Quantifying distillation: response similarity (RSE), identity consistency (ICE) and beyond."""
