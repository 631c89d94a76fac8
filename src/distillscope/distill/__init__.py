"""Making students: the teacher writes data (black-box), the student learns its logits (white-box).

The package is in wings, each a sub-package whose `__init__` is its public face (the names other
code should use; they import on first use, so a face costs nothing to import):

- `generation/`  the teacher writes the training data: prompts expanded, answers generated and
                 judged, filters, near-duplicates, and the dry run's plan.
- `selection/`   a pretraining corpus chosen by the teacher (MiniPLM difference sampling) and its
                 report.
- `common/`      what the model-side wings share: loading models and tokenizers, the tokenizer
                 check, chat records made training examples, the rules of several processes.
- `signal/`      the teacher's signal and the student's objective: KD losses and their registry,
                 chunked and fused projections, the top-k teacher cache, cross-tokenizer alignment.
- `training/`    the student learns: the training job, the trainer, on-policy batches, evaluation.
- `pruning/`     Minitron pruning: importance from activations, then a smaller model sliced out.
- `recipe.py`    the one module above the wings: the DistilQwen2.5 recipe chains generation, the
                 teacher cache, training and evaluation.

Dependencies run one way, so a wing can be read (and tested) without the ones above it:

    generation, common        import no other wing
    selection, signal         import common
    training, pruning         import signal and common
    recipe                    imports any wing

`tests/test_structure.py` holds the wings to this direction.
"""
