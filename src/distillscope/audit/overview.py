"""The audit at a glance, as plain data: one row per target, every method's columns side by side.

The terminal's "Audit summary" and the report's first table are this one table. Each method says
which columns it adds (`AuditMethod.summary_cells`), so a new method shows up here with no change.
"""

from __future__ import annotations

from distillscope.audit.method import METHODS
from distillscope.audit.results import AuditResults
from distillscope.audit.tables import Cell, Table, short_spec, truth_text


def labels_of(results: AuditResults) -> dict[str, str]:
    """Model string → display label, for every model the audit named."""
    labels = {results.reference.model: results.reference.label}
    labels.update({t.model: t.label for t in results.targets})
    return labels


# ------------------------------------------------------------------------------------------ tables
def summary_table(results: AuditResults) -> Table:
    truth_keys = [k for k in dict.fromkeys(k for t in results.targets for k in (t.ground_truth or {})) if k != "series"]
    columns = ["target", *(f"truth: {k}" for k in truth_keys)]
    rows = []
    for index, target in enumerate(results.targets):
        truth = target.ground_truth or {}
        row = [Cell(target.label, short_spec(target.model) if target.model != target.label else "")]
        row += [Cell(truth_text(truth.get(k))) for k in truth_keys]
        for name in results.methods:
            if name not in METHODS:
                continue
            cells = METHODS.get(name).summary_cells(
                results.evidence_of(name, target.model), results.method_evidence(name)
            )
            if index == 0:
                columns += [header for header, _ in cells]
            row += [cell for _, cell in cells]
        rows.append(row)
    return Table(
        "Scores per target",
        columns,
        rows,
        caption="Each method's scores of each target against the reference, with 95% intervals and what they "
        "were computed over; every method's own section below explains its numbers.",
        numeric_from=1 + len(truth_keys),
    )
