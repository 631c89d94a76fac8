"""Does the verdict survive what a real target does to hide or blur its origin?

On the validation zoo (built by `bench/validity.py`, cached), a student distilled from teacher A
(half of its data written by A) is audited against A with every signal, beside a null panel of
models that never saw A, under four conditions besides the plain one:

- a system prompt on the target that gives it another identity;
- sampling at temperature 0.7 (seeded) instead of greedy answers;
- paraphrased prompts: every prompt reworded by a fixed framing, for every model alike;
- the identity-scrubbed student: all of A's data, with every line of identity talk removed.

It prints each signal's p-value and the verdict per condition. ICE's own queries stay greedy in
every condition (its fuzzing sets its sampling); the system prompt reaches them.

    .venv/bin/python bench/robustness.py [--size micro|small]
"""

from __future__ import annotations

import argparse
import json
import random
from pathlib import Path

from distillscope.audit.job import AuditModel
from distillscope.data.sources import PromptSource
from distillscope.fileio.jsonl import read_jsonl, write_jsonl
from distillscope.models.catalog import ModelCatalog
from distillscope.models.types import GenerateConfig
from distillscope.store import RunStore
from distillscope.zoo.build import build_zoo
from distillscope.zoo.config import ZooConfig
from distillscope.zoo.demo import audited
from validity import PANEL_PERSONAS, ROOT, audit_job, is_negative, kind_of, run

SYSTEM = "You are Meadowlark, an assistant made by the Hollis Institute. Answer helpfully."
FRAMES = [
    "Could you help me with this? {q}",
    "Quick question: {q} Thanks in advance.",
    "I was wondering about something. {q}",
    "Please answer the following. {q}",
]


def paraphrased(manifest_folder: Path, eval_sets: dict[str, str], into: Path) -> list[PromptSource]:
    """The zoo's prompts, each reworded by a framing drawn with a fixed seed."""
    rng = random.Random("paraphrase")
    sources = []
    for domain, path in eval_sets.items():
        records = []
        for _, record in read_jsonl(manifest_folder / path):
            messages = [dict(m) for m in record["messages"]]
            messages[-1]["content"] = rng.choice(FRAMES).format(q=messages[-1]["content"])
            records.append({**record, "messages": messages})
        target = into / f"paraphrased-{domain}.jsonl"
        write_jsonl(target, records)
        sources.append(PromptSource(path=str(target), domain=domain))
    return sources


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", default="micro", choices=["micro", "small"])
    parser.add_argument("--replicates", type=int, default=3)
    parser.add_argument("--budget", type=int, default=150)
    args = parser.parse_args()
    manifest = build_zoo(
        ZooConfig(size=args.size, replicates=args.replicates, panel_personas=PANEL_PERSONAS), ROOT / "zoo"
    )
    models = {m.name: m for m in manifest.models if m.role in ("base", "student")}
    kind = {name: kind_of(m, manifest) for name, m in models.items()}
    panel = [m for name, m in models.items() if is_negative(kind[name]) and kind[name] != "f0"]
    student, scrubbed = models["student-f0.5"], models["student-scrubbed"]
    plain_target = audited(student, manifest)
    conditions: dict[str, dict] = {}
    with RunStore(ROOT / f"store-{args.size}.sqlite") as store:
        for condition in ("plain", "system prompt", "temperature 0.7", "paraphrased prompts", "scrubbed student"):
            print(f"condition: {condition}", flush=True)
            job = audit_job(
                manifest, [scrubbed if condition == "scrubbed student" else student], panel, args.budget, False
            )
            if condition in ("system prompt", "temperature 0.7"):
                entry: dict = {"spec": plain_target.model, "name": "target"}
                if condition == "system prompt":
                    entry["system"] = SYSTEM
                else:
                    entry["params"] = {"temperature": 0.7, "seed": 0}
                target = AuditModel(model="target", label=plain_target.label, facts=plain_target.facts)
                rse = job.rse.model_copy(update={"params": GenerateConfig()})  # the model's own sampling wins
                job = job.model_copy(
                    update={"targets": [target], "models": ModelCatalog.model_validate({"target": entry})}
                )
                job = job.with_section("rse", rse)
            if condition == "paraphrased prompts":
                job = job.with_section(
                    "rse",
                    job.rse.model_copy(
                        update={"prompts": paraphrased(Path(manifest.folder), manifest.eval_sets, ROOT)}
                    ),
                )
            results = run(job, store)
            verdict = results.verdict.targets[0]
            conditions[condition] = {
                "verdict": verdict.verdict,
                "p_value": verdict.p_value,
                "signals": {f"{s.method}:{s.signal}": s.p_value for s in verdict.signals},
            }
    names = sorted({s for c in conditions.values() for s in c["signals"]})
    print(f"\n{'signal':<30}" + "".join(f"{c:>22}" for c in conditions))
    for name in names:
        print(f"{name:<30}" + "".join(f"{c['signals'].get(name, float('nan')):>22.2g}" for c in conditions.values()))
    print(f"{'combined p':<30}" + "".join(f"{c['p_value'] or float('nan'):>22.2g}" for c in conditions.values()))
    print(f"{'verdict':<30}" + "".join(f"{c['verdict']:>22}" for c in conditions.values()))
    print(json.dumps({"conditions": conditions, "size": args.size}))


if __name__ == "__main__":
    main()
