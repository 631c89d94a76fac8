"""Quantifying distillation: response similarity (RSE), identity consistency (ICE) and beyond.

Each method is a package here, listed in `audit.method.METHODS` by where it lives: the package is
imported when an audit first asks for the method, so naming, checking and listing methods (the
CLI's help, a job's validation) loads none of their numerical stacks.
"""

from distillscope.audit.method import METHODS

_BUILT_IN = (  # name, where it lives, what it measures
    ("classifier", "distillscope.audit.classifier.method:CLASSIFIER_METHOD", "idiosyncrasy classifier (no judge)"),
    ("ice", "distillscope.audit.ice.method:ICE_METHOD", "identity claims under fuzzed jailbreaks (the paper's ICE)"),
    ("markers", "distillscope.audit.markers.method:MARKER_METHOD", "the reference's over-used words (no judge)"),
    ("proximity", "distillscope.audit.proximity.method:PROXIMITY_METHOD", "nearest-answer proximity (no judge)"),
    ("rse", "distillscope.audit.rse.method:RSE_METHOD", "response similarity to the reference (the paper's RSE)"),
    ("teachers", "distillscope.audit.teachers.method:TEACHER_METHOD", "teacher classifier for attribution (no judge)"),
    (
        "agreement",
        "distillscope.audit.whitebox.agreement:AGREEMENT_METHOD",
        "white-box KL, top-1 agreement and CKA (hf: reference and targets)",
    ),
    ("likelihood", "distillscope.audit.whitebox.likelihood:LIKELIHOOD_METHOD", "white-box likelihood (hf: targets)"),
)
for _name, _target, _help in _BUILT_IN:
    METHODS.register_lazy(_name, _target, help=_help)
