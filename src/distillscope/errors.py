"""Errors a user can act on.

Every error raised on purpose is a `DistillscopeError`. The CLI prints its message as one line and
exits with its code; anything else is a bug and shows a traceback only under `--debug`. The message
always says what is wrong and what was expected, with the file and line where there is one.
"""

from __future__ import annotations

from pathlib import Path


class DistillscopeError(Exception):
    """An error caused by input or environment, not by a bug."""

    exit_code = 2

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        self.message = message
        self.hint = hint
        super().__init__(message if hint is None else f"{message}; {hint}")


class InputError(DistillscopeError):
    """A file the user gave is missing or malformed."""

    def __init__(
        self, message: str, *, path: Path | str | None = None, line: int | None = None, hint: str | None = None
    ) -> None:
        self.path = Path(path) if path is not None else None
        self.line = line
        super().__init__(f"{_where(path, line)}{message}", hint=hint)


class ModelSpecError(DistillscopeError):
    """A model spec or model config names something that does not exist."""


class MissingKeyError(DistillscopeError):
    """The environment variable holding an API key is not set."""


class ModelFolderError(DistillscopeError):
    """A local model folder (or hub repo) cannot be loaded."""


class EndpointError(DistillscopeError):
    """An endpoint cannot be reached, or refuses every request: going on would only fail again."""

    exit_code = 3


def _where(path: Path | str | None, line: int | None) -> str:
    if path is None:
        return ""
    return f"{path}:{line}: " if line is not None else f"{path}: "
