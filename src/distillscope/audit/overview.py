"""The audit at a glance, as plain data: the verdict per target, then every method's columns side by side.

The terminal and the report open with the same two tables. Each method says
which columns it adds (`MethodPresenter.summary_cells`), so a new method shows up here with no change.
"""

from __future__ import annotations

from distillscope.audit.method import METHODS
from distillscope.audit.present import presenter_of
from distillscope.audit.results import AuditResults
from distillscope.audit.tables import Cell, Table, interval, num, short_spec, truth_text


def labels_of(results: AuditResults) -> dict[str, str]:
    """Model string → display label, for every model the audit named."""
    named = [results.reference, *results.candidates, *results.targets, *results.panel]
    return {model.model: model.label for model in named}


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
            cells = presenter_of(name).summary_cells(
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


def verdict_table(results: AuditResults) -> Table | None:
    """The answer first: one row per target, its verdict, p-value, estimated share and closest teacher."""
    report = results.verdict
    if report is None:
        return None
    sequential = report.sequential or any(t.queries is not None for t in report.targets)
    columns = ["target", "verdict", "p-value (Holm)", "share of reference data", "closest teacher"]
    columns += ["queries"] if sequential else []
    rows = []
    for t in report.targets:
        per_method = " · ".join(f"{name} {p:.3g}" for name, p in t.methods.items())
        share = t.share
        row = [
            Cell(t.label),
            Cell(t.text),
            Cell(_p(t.p_adjusted), f"raw {_p(t.p_value)}", per_method),
            Cell(num(share.value, 2), interval(share.low, share.high), f"z={share.z:.2f}")
            if share is not None
            else Cell("n/a"),
            Cell(
                t.closest or "–", f"confidence {t.closest_confidence:.0%}" if t.closest_confidence is not None else ""
            ),
        ]
        if sequential:
            row.append(Cell(str(t.queries) if t.queries is not None else "–"))
        rows.append(row)
    panel = ", ".join(report.panel)
    caption = (
        f"Against a null panel of {len(report.panel)} models known not to be distilled from {report.reference} "
        f"({panel}): each signal is tested one-sided against the panel, the signals are combined within and across "
        f"methods (Simes), and the p-values are Holm-adjusted over the targets at α = {report.alpha:g}. "
        f"'Not distinguishable' needs a share on a calibration of known error whose 95% interval (the panel's "
        f"spread and the calibration's error) lies below {report.min_share:g}; otherwise a target that is not "
        f"distilled is 'inconclusive'. Share calibration: {report.calibration.describe()}."
    )
    if report.candidates:
        caption += f" Candidate teachers for attribution: {report.reference}, {', '.join(report.candidates)}."
    if report.notes:
        caption += " Note: " + "; ".join(report.notes) + "."
    return Table("Verdict", columns, rows, caption=caption, numeric_from=2)


def share_check_table(results: AuditResults) -> Table | None:
    """The share estimate's error where the truth is known (models of known making)."""
    check = results.verdict.share_check if results.verdict is not None else None
    if check is None:
        return None
    rows = [
        [Cell(r.label), Cell(num(r.truth, 2)), Cell(num(r.estimate, 2)), Cell(num(r.learned, 2))] for r in check.rows
    ]
    learned = (
        f"; learned on the other targets, left out: {check.mae_learned:.3f}" if check.mae_learned is not None else ""
    )
    return Table(
        "How much: the share estimate against the known share",
        ["target", "true share", "estimated", "learned curve (left out)"],
        rows,
        caption=f"Mean absolute error of the estimate: {check.mae:.3f} over {len(check.rows)} targets{learned}.",
    )


def _p(value: float | None) -> str:
    if value is None:
        return "n/a"
    return f"{value:.2e}" if value < 1e-3 else f"{value:.3f}"
