"""Quantifying distillation: response similarity (RSE), identity consistency (ICE) and beyond.

Each method is a package here that registers itself in `audit.method.METHODS`; importing the
package registers the built-in ones, so an audit job can name them.
"""

from distillscope.audit.classifier import method as _classifier_method  # noqa: F401 - registers "classifier"
from distillscope.audit.ice import method as _ice_method  # noqa: F401 - registers "ice"
from distillscope.audit.markers import method as _markers_method  # noqa: F401 - registers "markers"
from distillscope.audit.proximity import method as _proximity_method  # noqa: F401 - registers "proximity"
from distillscope.audit.rse import method as _rse_method  # noqa: F401 - registers "rse"
from distillscope.audit.teachers import method as _teachers_method  # noqa: F401 - registers "teachers"
from distillscope.audit.whitebox import agreement as _agreement_method  # noqa: F401 - registers "agreement"
from distillscope.audit.whitebox import likelihood as _likelihood_method  # noqa: F401 - registers "likelihood"
