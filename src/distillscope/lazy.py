"""Re-exports that import on first use, so that a package's public face costs nothing to import.

A package `__init__` that imports its whole public face makes every user of one small module pay
for all of them (numpy, scipy, the run store). With PEP 562, the package names where each public
name lives and the module is imported when the name is first read:

    __getattr__ = lazy_exports(__name__, {"job": ("ICEJob",), "runner": ("run_ice", "plan_ice")})
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable, Mapping, Sequence
from typing import Any


def lazy_exports(package: str, homes: Mapping[str, Sequence[str]]) -> Callable[[str], Any]:
    """A module `__getattr__` that finds each name in its home module (relative to `package`)."""
    home_of = {name: module for module, names in homes.items() for name in names}

    def __getattr__(name: str) -> Any:
        module = home_of.get(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(f"{package}.{module}"), name)
        setattr(sys.modules[package], name, value)
        return value

    return __getattr__
