"""Paths a command will write: names that stay inside their folder, and outputs checked up front.

Anything that becomes part of a path (a persona id, a model's folder name) is a `SafeName`: it
cannot climb out of its folder (`../`), hide (`.name`), or exceed what a file system accepts. The
output of a long command is checked before the work starts, not when it ends: a folder where a file
is expected, an unwritable place, or an output that is also one of the command's inputs (which
the output would overwrite) is one clear error, before hours of work are spent. The checks make
nothing: a command refused later for another reason leaves no empty folder behind.
"""

from __future__ import annotations

import contextlib
import errno
import os
import re
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import Annotated

from pydantic import AfterValidator

from distillscope.errors import InputError
from distillscope.fileio.files import cannot_write

MAX_NAME_LENGTH = 64
_NAME = re.compile(rf"[A-Za-z0-9][A-Za-z0-9._-]{{0,{MAX_NAME_LENGTH - 1}}}")


def check_name(value: str) -> str:
    """`value` if it can name a file or folder as it is; a ValueError (pydantic's way) if not."""
    if not _NAME.fullmatch(value):
        raise ValueError(
            f"cannot name a file or folder: expected 1 to {MAX_NAME_LENGTH} letters, digits, '.', '_' or '-', "
            "starting with a letter or digit"
        )
    return value


SafeName = Annotated[str, AfterValidator(check_name)]


def inside(folder: Path, *parts: str) -> Path:
    """`folder / parts...`, refused if the result would lie outside `folder`."""
    joined = folder.joinpath(*parts)
    if not joined.resolve().is_relative_to(folder.resolve()):
        raise InputError(f"{'/'.join(parts)!r} would be written outside {folder}", hint="expected a plain name")
    return joined


def _same_file(a: Path, b: Path) -> bool:
    with contextlib.suppress(OSError):
        if a.exists() and b.exists():
            return os.path.samefile(a, b)
    return a.resolve() == b.resolve()


def refuse_inputs(output: Path, inputs: Iterable[Path | str | None]) -> None:
    for source in inputs:
        if source is None or str(source).startswith("hf:"):
            continue
        if _same_file(output, Path(source)):
            raise InputError(
                "is both an input and the output of this command; writing would destroy the input",
                path=output,
                hint="choose another output path",
            )


def check_output_file(path: Path, *, inputs: Iterable[Path | str | None] = ()) -> None:
    """Fail now if `path` cannot be written as a file, or is one of `inputs`. Leaves nothing behind."""
    path = Path(path)
    refuse_inputs(path, inputs)
    try:
        if path.is_dir():
            raise InputError("is a folder; expected a file path to write", path=path)
        if path.exists():
            if not os.access(path, os.W_OK):
                raise PermissionError(errno.EACCES, os.strerror(errno.EACCES))
            _probe(path.parent)
        elif path.parent.is_dir():
            with path.open("x", encoding="utf-8"):  # the exact name: its length and characters too
                pass
            path.unlink()
        else:
            _check_missing(path)
    except OSError as exc:
        raise cannot_write(path, exc) from None


def check_output_folder(folder: Path, *, inputs: Iterable[Path | str | None] = ()) -> None:
    """Fail now if results cannot be written into `folder`, or if it is an input. Makes nothing."""
    folder = Path(folder)
    refuse_inputs(folder, inputs)
    try:
        if folder.exists() and not folder.is_dir():
            raise InputError("is a file; expected a folder for the results", path=folder)
        if folder.is_dir():
            _probe(folder)
        else:
            _check_missing(folder)
    except OSError as exc:
        raise cannot_write(folder, exc) from None


def _check_missing(path: Path) -> None:
    """A path whose folders do not exist yet: the nearest existing one must be a writable folder,
    and every name still to be made must fit the file system."""
    existing = next((p for p in path.parents if p.exists()), Path.cwd())
    if not existing.is_dir():
        raise NotADirectoryError(errno.ENOTDIR, f"{existing} is a file, not a folder")
    _probe(existing)
    limit = os.pathconf(existing, "PC_NAME_MAX")
    for part in path.relative_to(existing).parts:
        if len(os.fsencode(part)) > limit:
            raise OSError(errno.ENAMETOOLONG, os.strerror(errno.ENAMETOOLONG))


def _probe(folder: Path) -> None:
    handle, name = tempfile.mkstemp(dir=folder, prefix=".distillscope-probe-")
    os.close(handle)
    os.unlink(name)
