"""The audit-method protocol: what a detection signal provides, and the registry that lists them.

An audit asks one question of many signals: is each target more like the reference than unrelated
models are? A signal is an `AuditMethod`, one package under `audit/` with a registered name. It
declares its settings (the job's section of that name: `rse:`, `ice:`), plans its calls for
`--dry-run`, runs for every model the audit names, and returns per-model `Evidence` with the
per-item values. What it shows (tables, report section, summary columns) is its presenter's
(`audit/present.py`), so this protocol knows no results nor report types. The runner, the results
model, the report shell and the CLI summary know methods only through `METHODS`, so a new signal is
one package plus one line in `audit/__init__.py`'s table (or `METHODS.register(...)` for a plug-in).

    class MyMethod(AuditMethod[MySettings], MethodPresenter):   # MySettings is its `settings_type`
        name, title, short = "mine", "My signal", "MINE"
        ...
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar, Generic, TypeVar, get_args

from pydantic import BaseModel, TypeAdapter

from distillscope.audit.evidence import Evidence
from distillscope.fileio.files import write_atomic
from distillscope.models.plan import CallPlan
from distillscope.models.usage import ModelUsage
from distillscope.registry import Registry
from distillscope.store import RunStore

SettingsT = TypeVar("SettingsT", bound=BaseModel)
# What a method is given: a `ResolvedAudit` (audit/resolve.py). Not imported here, since the audit's job
# lists the registered methods: the protocol would reach back up through it.
Audit = Any


@dataclass
class Hooks:
    """A long run's progress callbacks, every one optional: what the CLI's progress bars listen to."""

    on_stage: Callable[[str], None] | None = None
    on_start: Callable[[int], None] | None = None
    on_result: Callable[[Any], None] | None = None

    def stage(self, name: str) -> None:
        if self.on_stage is not None:
            self.on_stage(name)

    @contextmanager
    def steps(self, name: str, total: int) -> Iterator[Callable[..., None]]:
        """A stage of `total` steps with its own bar: the yielded callable marks one step (or `count`) done."""
        self.stage(name)
        if self.on_start is not None:
            self.on_start(total)
        on_result = self.on_result

        def step(*_: object, count: int = 1) -> None:
            if on_result is not None:
                for _ in range(count):
                    on_result(None)

        yield step

    def prefixed(self, prefix: str) -> Hooks:
        """The same hooks, with stage names prefixed (`rse responses`)."""
        stage = self.on_stage
        return Hooks(None if stage is None else lambda name: stage(f"{prefix}{name}"), self.on_start, self.on_result)


@dataclass
class MethodPlan:
    """A method's dry run: its planned calls, and what to say about them."""

    calls: list[CallPlan]
    lines: list[str] = field(default_factory=list)  # above the table: what will be asked
    notes: list[str] = field(default_factory=list)  # below it: how the numbers were estimated
    warnings: list[str] = field(default_factory=list)


@dataclass
class MethodRun:
    """A method's finished run inside an audit."""

    evidence: list[Evidence]
    run_id: str | None
    results_file: str  # relative to the method's own folder
    usage: list[ModelUsage]
    warnings: list[str] = field(default_factory=list)
    raw: Any = None  # the method's own results object, as `load` would read it back


@dataclass
class ReferenceRun:
    """A method's work against one reference (the audit's, or a candidate teacher)."""

    evidence: list[Evidence]
    usage: list[ModelUsage]
    run_id: str | None
    raw: BaseModel | None = None  # the method's own results: built for the first reference only


def finish_reference_runs(
    runs: list[ReferenceRun], folder: Path | None, results_file: str, warnings: list[str] | None = None
) -> MethodRun:
    """Every reference's evidence and usage; the first reference's own results are the method's file
    and its report section, since the report speaks of the audit's reference (candidates add evidence)."""
    first = runs[0] if runs else None
    raw = first.raw if first is not None else None
    if folder is not None and raw is not None:
        write_atomic(folder / results_file, raw.model_dump_json(indent=1))
    return MethodRun(
        evidence=[e for r in runs for e in r.evidence],
        run_id=first.run_id if first is not None else None,
        results_file=results_file if raw is not None else "",  # nothing measured (a skipped method): no file
        usage=[u for r in runs for u in r.usage],
        warnings=list(warnings or []),
        raw=raw,
    )


class AuditMethod(ABC, Generic[SettingsT]):
    name: ClassVar[str]
    title: ClassVar[str]  # "Response similarity (RSE)"
    short: ClassVar[str]  # "RSE": prefixes the method's measures in tables and checks
    settings_type: ClassVar[type[BaseModel]]
    summary_type: ClassVar[Any] = None  # what `Evidence.summary` holds, for reading results back
    sampling_field: ClassVar[str | None] = None  # the settings' GenerateConfig that audit-wide sampling sets
    set_by_audit: ClassVar[tuple[str, ...]] = ()  # keys of the method's own job that an audit sets itself
    runs_by_default: ClassVar[bool] = True  # whether an audit that names no methods runs this one
    votes_by_default: ClassVar[bool] = True  # whether its signals count in the verdict unless `verdict.methods` says
    rank: ClassVar[int] = 100  # where it runs and shows among the default methods: lower first
    needs_panel: ClassVar[bool] = False  # learns from the null panel: runs by default only when there is one
    needs_candidates: ClassVar[bool] = False  # about candidate teachers: runs by default only when there are some
    results_type: ClassVar[type[BaseModel] | None] = None  # the own results that `load` reads by default
    results_file: ClassVar[str] = ""  # ... from this file of the method's folder (`<name>.json` by default)

    def __init_subclass__(cls, **kwargs: Any) -> None:
        """Said once: `class Mine(AuditMethod[MySettings])` is the `settings_type`, the name gives the results file."""
        super().__init_subclass__(**kwargs)
        if "settings_type" not in cls.__dict__:
            named = [a for b in getattr(cls, "__orig_bases__", ()) for a in get_args(b) if _is_settings(a)]
            if named:
                cls.settings_type = named[0]
        if cls.results_type is not None and not cls.results_file and "name" in cls.__dict__:
            cls.results_file = f"{cls.name}.json"

    # ------------------------------------------------------------------------------ running
    @abstractmethod
    def plan(self, audit: Audit, settings: SettingsT, store: RunStore) -> MethodPlan:
        """The calls a run would make and how many the store holds; calls nothing."""

    @abstractmethod
    async def run(
        self, audit: Audit, settings: SettingsT, store: RunStore, folder: Path | None, hooks: Hooks
    ) -> MethodRun:
        """Measure every model of the audit; write the method's own files under `folder`."""

    def load(self, folder: Path) -> Any:
        """The method's own results, read back from its folder (what `MethodRun.raw` was)."""
        if self.results_type is None:
            raise NotImplementedError(f"{self.name}: no results_type to read back")
        return self.results_type.model_validate_json((folder / self.results_file).read_text(encoding="utf-8"))

    def verdict_signals(self, evidence: Evidence) -> list[str]:
        """The measures a verdict tests against the null panel: every one, unless the method says less."""
        return [m.name for m in evidence.measures]

    # ------------------------------------------------------------------------------ exporting
    def csv_summary(self, evidence: Evidence) -> dict[str, Any]:
        """One target's columns in summary.csv."""
        line: dict[str, Any] = {}
        for m in evidence.measures:
            line.update({f"{self.name}_{m.name}": m.value, f"{self.name}_{m.name}_low": m.low})
            line[f"{self.name}_{m.name}_high"] = m.high
        return line

    def csv_scores(self, evidence: Evidence, settings: dict[str, Any]) -> list[dict[str, Any]]:
        """One target's lines in scores.csv: method, judge, score, scale, value, low, high, n."""
        return [
            {"method": self.name, "judge": "", "score": m.name, "scale": m.scale}
            | {"value": m.value, "low": m.low, "high": m.high, "n": m.n}
            for m in evidence.measures
        ]

    def read_summary(self, value: Any) -> Any:
        """`Evidence.summary` from JSON, as the method's own type."""
        if self.summary_type is None or value is None:
            return value
        return TypeAdapter(self.summary_type).validate_python(value)


def _is_settings(argument: object) -> bool:
    return isinstance(argument, type) and issubclass(argument, BaseModel)


METHODS: Registry[AuditMethod[Any]] = Registry("audit method")


def verdict_signals(method: str, sample: Evidence) -> list[str]:
    """The measures of a method that its verdict tests: the choice the runner hands the verdict."""
    if method in METHODS:
        return METHODS.get(method).verdict_signals(sample)
    return [m.name for m in sample.measures]


def voting_methods(run: list[str], chosen: list[str] | None) -> list[str]:
    """The methods whose signals the verdict reads: those chosen (`verdict.methods`), else those of the run
    that vote by default."""
    if chosen is not None:
        return [name for name in run if name in chosen]
    return [name for name in run if name not in METHODS or METHODS.get(name).votes_by_default]
