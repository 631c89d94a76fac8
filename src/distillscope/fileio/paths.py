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
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, RootModel

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


def local_input(source: Path | str | None) -> Path | None:
    """The local file or folder behind an input: a path, or the path inside a model spec that names
    one (`hf:FOLDER`, `replay:FILE#name`); None for what lives elsewhere (an API model, a hub repo)."""
    if source is None:
        return None
    text = str(source)
    for prefix in ("hf:", "replay:"):
        if text.startswith(prefix):
            text = text.removeprefix(prefix).partition("#")[0]
            break
    else:
        if "://" in text or (not isinstance(source, Path) and ":" in text.split("/")[0] and not _exists(Path(text))):
            return None  # a URL, or `provider:model`
    path = Path(text).expanduser()
    return path if _exists(path) or isinstance(source, Path) else None


def _exists(path: Path) -> bool:
    """`path.exists()`, False for a name no file system could hold (too long, a NUL in it)."""
    try:
        return path.exists()
    except (OSError, ValueError):
        return False


def _overlap(output: Path, source: Path) -> str | None:
    """How writing `output` would touch `source`, resolved through links; None when it cannot."""
    out, src = output.resolve(), source.resolve()
    with contextlib.suppress(OSError, ValueError):
        if output.exists() and source.exists() and os.path.samefile(output, source):
            return "is"
    if out == src:
        return "is"
    if src.is_relative_to(out):
        return "contains"
    if out.is_relative_to(src) and source.is_dir():
        return "lies inside"
    return None


def job_inputs(job: Any, *, outputs: Iterable[str] = ("output", "workdir", "root")) -> list[Path | str]:
    """Every path a job reads, found in the job itself: each `Path` value and each model spec that
    names a local file or folder, at any depth, except the fields that name its outputs. Read from
    the job rather than listed by each command, so a new input field is guarded without a change."""
    found: list[Path | str] = []
    skip = set(outputs)

    def walk(value: Any) -> None:
        if isinstance(value, RootModel):
            walk(value.root)
        elif isinstance(value, BaseModel):
            for name in type(value).model_fields:
                if name not in skip:
                    walk(getattr(value, name, None))
            walk(value.model_extra or {})
            walk(value.__pydantic_private__ or {})  # settings a job keeps aside (an audit's method sections)
        elif isinstance(value, dict):
            for item in value.values():
                walk(item)
        elif isinstance(value, list | tuple | set | frozenset):
            for item in value:
                walk(item)
        elif isinstance(value, Path) or (isinstance(value, str) and _names_a_local_path(value)):
            found.append(value)

    walk(job)
    return found


_DATA_SUFFIXES = {".jsonl", ".json", ".csv", ".parquet", ".yaml", ".yml", ".txt", ".sqlite", ".html"}


def _names_a_local_path(text: str) -> bool:
    """A text field that names a local file or folder: a local model spec, or an existing path written
    as one (with a folder separator or a data file's suffix), never a bare word such as a split name."""
    if text.startswith(("hf:", "replay:")):
        return local_input(text) is not None
    if "://" in text or "\n" in text or len(text) > 4096:
        return False
    looks_like_path = "/" in text or Path(text).suffix.lower() in _DATA_SUFFIXES
    return looks_like_path and _exists(Path(text).expanduser())


def refuse_inputs(output: Path, inputs: Iterable[Path | str | None]) -> None:
    """The one output guard: an output may never be, contain, or lie inside one of the command's
    inputs (files and folders, links resolved), since writing it could destroy what it reads."""
    for source in inputs:
        path = local_input(source)
        if path is None:
            continue
        how = _overlap(Path(output), path)
        if how == "is":
            raise InputError(
                "is both an input and the output of this command; writing would destroy the input",
                path=output,
                hint="choose another output path",
            )
        if how is not None:
            raise InputError(
                f"{how} the input {path}; writing the output could overwrite it",
                path=output,
                hint="choose an output path outside every input",
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
