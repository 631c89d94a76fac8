"""How an audit turns evidence into verdicts: error rates, the share that matters, the calibration."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from distillscope.audit.verdict.calibration import ShareCalibration
from distillscope.errors import InputError
from distillscope.fileio.files import read_text


class VerdictSettings(BaseModel):
    """The `verdict:` section of an audit."""

    model_config = ConfigDict(extra="forbid")

    alpha: float = Field(0.05, gt=0, lt=0.5, description="Family-wise error rate of 'distilled' over the targets.")
    min_share: float = Field(
        0.2,
        ge=0,
        le=1,
        description="The smallest share of reference-written data that matters: a target whose share's 95% "
        "interval stays below it is 'not distinguishable from unrelated models', else 'inconclusive'.",
    )
    calibration: ShareCalibration | None = Field(
        None, description="A learned share calibration (a JSON file from `distillscope calibrate`, or inline)."
    )
    sequential: bool = Field(
        False, description="Stop ICE's queries to a target once its verdict is decided (SPRT at alpha and beta)."
    )
    beta: float = Field(0.05, gt=0, lt=0.5, description="Sequential mode: the chance of missing a distilled target.")
    min_rate_gain: float = Field(
        0.1,
        gt=0,
        lt=1,
        description="Sequential mode: the rise of the strict-claim rate over the panel that matters (the paper's "
        "suspects claim a source 22-30% of the time under fuzzing, its clean models 0-1%).",
    )
    methods: list[str] | None = Field(
        None,
        description="Methods whose signals count in the verdict; default: every method the audit runs that votes by "
        "default (all but RSE, whose plain similarity is reported but tracks capability more than lineage).",
    )
    seed: int = Field(0, description="Seed of the bootstrap intervals and randomised p-values.")

    @field_validator("methods", mode="before")
    @classmethod
    def _comma_methods(cls, value: Any) -> Any:
        return [part.strip() for part in value.split(",") if part.strip()] if isinstance(value, str) else value

    @field_validator("calibration", mode="before")
    @classmethod
    def _calibration_file(cls, value: Any) -> Any:
        """A path names a calibration file; it is read here, once, as the job is built."""
        if not isinstance(value, str | Path):
            return value
        path = Path(value)
        text = read_text(path, "a share calibration (JSON, from `distillscope calibrate`)")
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise InputError(f"not JSON: {exc.msg}", path=path, line=exc.lineno) from None
        if not isinstance(data, dict):
            raise InputError(
                f"the top level is a {type(data).__name__}; expected a share calibration (JSON object)", path=path
            )
        try:
            return ShareCalibration.model_validate(data)
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(p) for p in first["loc"])
            raise InputError(
                f"not a share calibration: {where + ': ' if where else ''}{first['msg']}", path=path
            ) from None
