"""What methods found, as plain numbers (`values`), and the null panel they are read against (`panel`).

The verdict reads this package and nothing else of the audit: evidence in, statistics out.
"""

from distillscope.audit.evidence.panel import CEILING_ROLE, PANEL_ROLE, TARGET_ROLE, Panel, panel_evidence
from distillscope.audit.evidence.values import Evidence, ItemValues, Measure, Role

__all__ = [
    "CEILING_ROLE",
    "PANEL_ROLE",
    "TARGET_ROLE",
    "Evidence",
    "ItemValues",
    "Measure",
    "Panel",
    "Role",
    "panel_evidence",
]
