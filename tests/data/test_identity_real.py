"""The real labelled identity sets (tests/data/identity_real): what their scripts make, and honest bookkeeping."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest

REAL = Path(__file__).resolve().parent / "identity_real"
SETS = ("negatives.jsonl", "self_statements.jsonl", "smollm2.jsonl")


def _read(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


@pytest.fixture(scope="module")
def items() -> list[dict]:
    return [item for name in SETS for item in _read(REAL / name)]


def test_the_smollm2_set_is_what_its_build_script_joins():
    spec = importlib.util.spec_from_file_location("build_smollm2", REAL / "build_smollm2.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert module.build_items() == _read(REAL / "smollm2.jsonl")


def test_every_item_says_where_it_comes_from_and_what_it_was_labelled_before(items):
    assert len(items) >= 700 and len({i["id"] for i in items}) == len(items)
    for item in items:
        assert item["source"] in ("alpaca_eval", "smollm2") and item["batch"] and item["labelled_before"]
        assert item["target"] not in item["sources"] and (item["loose"] or not item["strict"])
    assert sum(i["strict"] for i in items) >= 10 and sum(i["loose"] and not i["strict"] for i in items) >= 50


def test_every_batch_has_one_first_look_taken_with_the_rules_it_was_labelled_before(items):
    looks = json.loads((REAL / "first_look.json").read_text())
    batches = {i["batch"]: i for i in items}
    assert set(looks) == set(batches)
    for batch, look in looks.items():
        labelled_before = batches[batch]["labelled_before"].split(" @ ")[0]
        assert look["judge"].startswith(labelled_before)
        assert look["figures"]["n"] == sum(i["batch"] == batch for i in items)
