"""Quantifying distillation: response similarity (RSE), identity consistency (ICE) and beyond.

Each method is a package here that registers itself in `audit.method.METHODS`; importing the
package registers the built-in ones, so an audit job can name them.
"""

from distillscope.audit.ice import method as _ice_method  # noqa: F401 - registers "ice"
from distillscope.audit.rse import method as _rse_method  # noqa: F401 - registers "rse"
