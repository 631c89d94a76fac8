"""Puts `tests/` on the path, so that a bench can import the test doubles (`doubles`) that are not in the wheel.

Import it before `doubles`: `import doubles_on_path  # noqa: F401`.
"""

import sys
from pathlib import Path

TESTS = str(Path(__file__).resolve().parents[1] / "tests")
if TESTS not in sys.path:
    sys.path.insert(0, TESTS)
