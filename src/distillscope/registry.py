"""Named extension points: model backends, similarity judges, KD losses, audit methods.

Each extension point is one typed `Registry`. Adding a judge, a loss, a backend or a method is one
module plus one `register` call; everything that lists or validates names reads the registry, so
the CLI help, the config's validation and the "did you mean" of a typo never drift from what is
actually registered.

    LOSSES = Registry[LossEntry]("KD loss")
    LOSSES.register("tv", LossEntry(...), help="total variation")
    LOSSES.get("tvv")  # UnknownNameError: unknown KD loss 'tvv'; did you mean 'tv'? known: ...

A name is registered once (a plug-in cannot silently replace a built-in); `temporary` adds an
entry for the length of a `with` block (a test's toy method, say).

`register_lazy` names an entry by where it lives ("package.module:ATTR") and imports it on first
`get`: listing names, checking them and printing help then cost nothing, so a command's `--help`
does not load every method's numerical stack (the CLI starts in well under a second).
"""

from __future__ import annotations

import difflib
import importlib
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Generic, TypeVar

from distillscope.errors import InputError

T = TypeVar("T")


class UnknownNameError(InputError):
    """A name that no entry of a registry carries."""


@dataclass(frozen=True)
class Entry(Generic[T]):
    name: str
    value: T
    help: str


class Registry(Generic[T]):
    def __init__(self, kind: str) -> None:
        self.kind = kind
        self._entries: dict[str, Entry[T]] = {}
        self._lazy: dict[str, str] = {}  # name → "module:attr", not imported yet
        self._lock = threading.RLock()

    def register(self, name: str, value: T, *, help: str = "", replace: bool = False) -> T:
        with self._lock:
            if name in self._entries and not replace:
                raise ValueError(f"{self.kind} {name!r} is already registered")
            self._entries[name] = Entry(name, value, help)
        return value

    def register_lazy(self, name: str, target: str, *, help: str = "") -> None:
        """An entry imported from `target` ("package.module:ATTR") when it is first asked for."""
        with self._lock:
            if name in self._entries:
                raise ValueError(f"{self.kind} {name!r} is already registered")
            self._entries[name] = Entry(name, None, help)  # type: ignore[arg-type] - filled on first use
            self._lazy[name] = target

    def _loaded(self, entry: Entry[T]) -> Entry[T]:
        target = self._lazy.get(entry.name)
        if target is None:
            return entry
        module, _, attr = target.partition(":")
        value = getattr(importlib.import_module(module), attr)
        with self._lock:
            loaded = Entry(entry.name, value, entry.help)
            if self._lazy.pop(entry.name, None) is not None:
                self._entries[entry.name] = loaded
            return self._entries[entry.name]

    def add(self, name: str, *, help: str = "") -> Callable[[T], T]:
        """Decorator form of `register`."""

        def decorate(value: T) -> T:
            return self.register(name, value, help=help)

        return decorate

    def unregister(self, name: str) -> None:
        with self._lock:
            self._entries.pop(name, None)
            self._lazy.pop(name, None)

    @contextmanager
    def temporary(self, name: str, value: T, *, help: str = "") -> Iterator[T]:
        self.register(name, value, help=help)
        try:
            yield value
        finally:
            self.unregister(name)

    def get(self, name: str) -> T:
        entry = self._entries.get(name)
        if entry is None:
            raise UnknownNameError(f"unknown {self.kind} {name!r}", hint=self.suggestion(name))
        return self._loaded(entry).value

    def suggestion(self, name: str) -> str:
        close = difflib.get_close_matches(name, list(self._entries), n=2, cutoff=0.6)
        near = f"did you mean {' or '.join(repr(c) for c in close)}? " if close else ""
        return f"{near}known: {self.describe()}"

    def check(self, name: str) -> str:
        """The name, if registered; for pydantic validators (the error reads like `get`'s)."""
        if name not in self._entries:
            raise ValueError(f"unknown {self.kind} {name!r}; {self.suggestion(name)}")
        return name

    def names(self) -> list[str]:
        return list(self._entries)

    def items(self) -> list[Entry[T]]:
        return [self._loaded(entry) for entry in list(self._entries.values())]

    def describe(self) -> str:
        return ", ".join(self._entries) or "(none)"

    def help_text(self) -> str:
        """'a (what a is), b (what b is)': what a flag's help lists."""
        return ", ".join(f"{e.name} ({e.help})" if e.help else e.name for e in self._entries.values())

    def __contains__(self, name: object) -> bool:
        return name in self._entries

    def __len__(self) -> int:
        return len(self._entries)
