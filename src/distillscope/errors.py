"""Errors a user can act on, and the exit codes they end a command with.

Every error raised on purpose is a `DistillscopeError`. The CLI prints its message as one line and
exits with its code; anything else is a bug and shows a traceback only under `--debug`. The message
always says what is wrong and what was expected, with the file and line where there is one, and it
never carries a secret: the text is redacted as the error is made.

The exit codes, one policy for every command:

    0    done: every model call the run needed was answered
    1    the run finished, but some of its model calls failed for good (after their retries); the
         outputs hold what was answered and a rerun retries only what failed. Also: a bug.
    2    bad input: a file, a flag, a name, a value; nothing was called
    3    an endpoint cannot be used at all (unreachable, key rejected, no such model), or a tool the
         command needs (Chromium) is missing; the run stopped rather than fail every call
    130  interrupted (Ctrl-C); every finished call is in the run store and a rerun resumes
"""

from __future__ import annotations

from enum import IntEnum
from pathlib import Path

from distillscope.redaction import redact


class ExitCode(IntEnum):
    OK = 0
    CALLS_FAILED = 1
    INPUT = 2
    ENDPOINT = 3
    INTERRUPTED = 130


INTERRUPTED_MESSAGE = "interrupted: rerun the same command to resume"


class DistillscopeError(Exception):
    """An error caused by input or environment, not by a bug."""

    exit_code: int = ExitCode.INPUT

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        self.message = redact(message)
        self.hint = None if hint is None else redact(hint)
        super().__init__(self.message if self.hint is None else f"{self.message}; {self.hint}")


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

    exit_code = ExitCode.ENDPOINT


class RunFailed(DistillscopeError):
    """The run went through, but some of its model calls failed for good: its outputs are partial."""

    exit_code = ExitCode.CALLS_FAILED


def _where(path: Path | str | None, line: int | None) -> str:
    if path is None:
        return ""
    return f"{path}:{line}: " if line is not None else f"{path}: "
