"""distillscope: distil small language models from large ones, and measure distillation."""

__version__ = "0.1.0"
