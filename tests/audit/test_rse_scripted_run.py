"""A whole RSE run with an LLM judge, every model a scripted endpoint behind real HTTP.

The reference writes a recognisable markdown answer, one target copies it closely, another
answers unrelatedly, and the judge rates word overlap on the paper's 1-5 scale but cannot read
one prompt at all. The run must rank the copier above the stranger, exclude and count the
unreadable pairs, measure the judge's order consistency, warn that the judge shares the
reference's family, keep example pairs with the judge's reasons, and rerun from the store.
"""

from __future__ import annotations

import asyncio
import re

import pytest

from distillscope.audit.rse import RSEJob, load_results, plan_rse, run_rse
from distillscope.fileio.jsonl import write_jsonl
from distillscope.store import RunStore
from doubles.scripted import ScriptedServer

BLOCK = re.compile(r"<<<BEGIN ([A-Z ]+) ([0-9a-f]+)>>>\n(.*?)\n<<<END \1 \2>>>", re.DOTALL)
PROMPTS = [
    ("facts", "Describe the planet Mars."),
    ("facts", "Describe the river Nile."),
    ("facts", "Describe the GARBAGE moon."),
    ("howto", "How do I bake bread?"),
    ("howto", "How do I tie a bowline knot?"),
    ("howto", "How do I repot a cactus?"),
]


def reference_writer(messages, payload):
    topic = messages[-1]["content"].rstrip("?.")
    return (
        f"## Overview\n\n- **{topic}**: certainly a classic question.\n- Key points follow in order.\n\n"
        "Hope this helps!"
    )


def copier(messages, payload):
    topic = messages[-1]["content"].rstrip("?.")
    return f"## Overview\n\n- **{topic}**: certainly a classic one.\n- Key points follow.\n\nHope this helps!"


def stranger(messages, payload):
    return "no idea honestly, maybe ask somebody else"


def words(text: str) -> set[str]:
    return set(re.findall(r"[a-z]+", text.lower()))


def overlap_judge(messages, payload):
    fenced = {label: body for label, _, body in BLOCK.findall(messages[-1]["content"])}
    if "GARBAGE" in fenced["CONVERSATION"]:
        return "Let me think about it..."
    a, b = words(fenced["RESPONSE A"]), words(fenced["RESPONSE B"])
    rating = 1 + round(4 * len(a & b) / max(1, len(a | b)))
    ratings = ", ".join(f'"{aspect}": {rating}' for aspect in ("style", "structure", "detail", "overall"))
    return f'```json\n{{{ratings}, "reason": "overlap {rating}"}}\n```'


@pytest.fixture
def servers():
    with (
        ScriptedServer(reference_writer, model="qwen-max") as reference,
        ScriptedServer(copier, model="student-7b") as student,
        ScriptedServer(stranger, model="stranger-7b") as other,
        ScriptedServer(overlap_judge, model="qwen-plus") as judge,
    ):
        yield reference, student, other, judge


def test_llm_judged_run_end_to_end(servers, tmp_path, store_path):
    reference, student, other, judge = servers
    prompts = tmp_path / "prompts.jsonl"
    write_jsonl(prompts, [{"id": str(i), "prompt": p, "category": d} for i, (d, p) in enumerate(PROMPTS)])
    job = RSEJob(
        reference=reference.spec,
        targets=[student.spec],
        floor=other.spec,
        prompts=[str(prompts)],
        judges=[judge.spec, "lexical"],
        judge_retries=1,
        output=tmp_path / "out",
    )
    with RunStore(store_path) as store:
        plan = plan_rse(job, store)
        judge_plan = next(p for p in plan.plans if p.role == "judge")
        assert judge_plan.calls == 6 * 3 * 2 and judge_plan.cached == 0  # prompts x (target, ceiling, floor) x orders
        assert len(judge.requests) == 0 and store.count_calls() == 0

        results = asyncio.run(run_rse(job, store))
        # The reference is deterministic, so its ceiling pair reads the same in both orders: one call, not two.
        # 30 distinct first tries, then one retry per distinct unreadable request (2 target, 2 floor, 1 ceiling).
        assert len(judge.requests) == 30 + 5

        llm = results.table(f"llm:{judge.spec}")
        assert llm.scale.low == 1 and llm.scale.high == 5
        student_row, ceiling_row = llm.row(student.spec), llm.row(reference.spec, "ceiling")
        floor_row = llm.row(other.spec, "floor")
        assert ceiling_row.average == 5.0  # a deterministic reference matches itself
        assert student_row.average > floor_row.average
        assert student_row.average == pytest.approx(
            (student_row.cells["facts"].value + student_row.cells["howto"].value) / 2
        )
        facts = student_row.cells["facts"]
        assert facts.unparseable == 1 and facts.n == 2 and student_row.cells["howto"].unparseable == 0
        assert results.table("lexical").row(student.spec).cells["facts"].n == 3  # offline judges read everything

        assert any("family (alibaba)" in w for w in results.warnings)
        [consistency] = results.order_consistency
        assert consistency.n == 15 and consistency.exact_agreement == 1.0 and consistency.position_bias == 0
        assert [(a.judge_a, a.judge_b) for a in results.agreement] == [(f"llm:{judge.spec}", "lexical")]

        example = next(e for e in results.examples if e.role == "target" and e.domain == "howto")
        assert example.reference_response.startswith("## Overview") and example.target_response
        verdict = next(j for j in example.judgments if j.judge.startswith("llm:"))
        assert verdict.reason.startswith("overlap") and verdict.details["orders_parsed"] == 2

        assert load_results(tmp_path / "out") == results
        scores_csv = (tmp_path / "out" / "rse_scores.csv").read_text()
        assert "unparseable" in scores_csv.splitlines()[0] and scores_csv.count("\n") == 2 * 3 * 3 + 1

        before = [len(s.requests) for s in servers]
        again = asyncio.run(run_rse(job, store))
        assert [len(s.requests) for s in servers] == before  # all from the store
        assert again.table("lexical") == results.table("lexical")
        replanned = plan_rse(job, store)
        assert replanned.calls == replanned.cached
        assert next(p for p in replanned.plans if p.role == "judge").calls == 30
