"""Judges: anything that turns a response into a judgment (score or label, reason, raw text)."""

from distillscope.judges.base import Judgment
from distillscope.judges.parsing import parse_json_object
from distillscope.judges.untrusted import delimit

__all__ = ["Judgment", "delimit", "parse_json_object"]
