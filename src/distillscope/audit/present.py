"""What a method shows: its summary columns, its terminal tables and its section of the report.

Kept apart from the method protocol (`audit/method.py`), which knows no results nor report types:
presentation reads finished results, the protocol makes them. A method's class usually inherits
both (`class RSEMethod(AuditMethod[RSESettings], MethodPresenter)`); whoever shows a method asks
`presenter_of(name)`, which falls back to the plain presenter (each measure with its interval).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar

from distillscope.audit.evidence import Evidence, Measure
from distillscope.audit.method import METHODS
from distillscope.audit.tables import Cell, ExampleGroup, Table, interval, num

if TYPE_CHECKING:
    from distillscope.audit.report.plotting import FigureSpec
    from distillscope.audit.results import AuditResults


@dataclass
class ReportSection:
    """What a method adds to the report page; every part optional."""

    tables: list[Table] = field(default_factory=list)
    figures: list[tuple[int, FigureSpec]] = field(default_factory=list)  # (tier, figure): tier 0 leads
    examples: list[ExampleGroup] = field(default_factory=list)
    examples_title: str = ""
    examples_note: str = ""
    facts: list[tuple[str, str]] = field(default_factory=list)
    model_rows: list[tuple[str, str, str]] = field(default_factory=list)  # role, name, spec: judges and such
    notes: list[str] = field(default_factory=list)


class MethodPresenter:
    """The plain presentation: each measure with its interval in the summary, no tables, no section."""

    short: ClassVar[str]

    def summary_cells(self, evidence: Evidence | None, all_evidence: list[Evidence]) -> list[tuple[str, Cell]]:
        """One target's columns in the audit's summary table: each measure, with its interval."""
        names = list(dict.fromkeys(m.name for e in all_evidence for m in e.measures))
        found = {m.name: m for m in evidence.measures} if evidence is not None else {}
        return [(f"{self.short} {name}", _measure_cell(found.get(name))) for name in names]

    def cli_tables(self, raw: Any, labels: dict[str, str]) -> list[Table]:
        """The method's detailed tables for the terminal (the summary comes after them)."""
        return []

    def report_section(self, results: AuditResults, labels: dict[str, str]) -> ReportSection:
        return ReportSection()


def presenter_of(name: str) -> MethodPresenter:
    """The registered method's presenter (the method itself, usually), else the plain one."""
    method = METHODS.get(name)
    if isinstance(method, MethodPresenter):
        return method
    plain = MethodPresenter()
    plain.short = method.short  # type: ignore[misc]
    return plain


def _measure_cell(measure: Measure | None) -> Cell:
    if measure is None:
        return Cell("n/a")
    return Cell(num(measure.value), interval(measure.low, measure.high), f"n={measure.n}" if measure.n else "")
