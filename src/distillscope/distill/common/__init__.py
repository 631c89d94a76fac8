"""What the other distillation wings share: loading models and tokenizers, the tokenizer check, examples, processes."""
