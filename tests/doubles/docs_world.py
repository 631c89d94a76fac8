"""The toy world where the pages' commands run: the files they read, at toy size, and a short table of
what is swapped because it cannot exist here.

A reader must see the command the test ran, so a block runs as printed wherever that can be made
true by a file in its working folder (a prompt file, a tiny model where the page names a local
folder, a GGUF file written from it). What no file can stand for is swapped by `SUBSTITUTES`, each
row with why: a hub model becomes a tiny local one, a hosted provider's address becomes a real
OpenAI-compatible server on 127.0.0.1 (`toy_provider`: the HTTP path, the key check and the run
store are the real ones; only the models' minds are scripted), a run id becomes the newest run in
the store, and a size meant for a real model becomes a toy one. Nothing else of a command changes.
"""

from __future__ import annotations

import json
import re
import shutil
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import pytest

from distillscope.models.providers import PROVIDERS
from doubles.audits import known_share_audit
from doubles.toy import CAPITALS, toy_conversations

DUMMY_KEY = "toy-key-for-the-docs"  # what `export NAME=...` sets: a key the toy server accepts


@dataclass(frozen=True)
class Substitute:
    text: str  # as the page prints it
    replacement: str  # formatted with the world's names (`ToyWorld.names`)
    why: str


SUBSTITUTES = [
    # The toy model cannot write chains of thought that end in "Final answer:"; gsm8k.yaml's own comment
    # offers an API teacher instead, and the toy provider answers for it.
    Substitute(
        "teacher: hf:Qwen/Qwen2.5-7B-Instruct",
        "teacher: deepseek:deepseek-chat",
        "a chain-of-thought teacher: the API teacher the file's comment names, answered by the toy provider",
    ),
    # Hub models: a tiny local model of the same role. Teachers are the trained toy model; students
    # share its tokenizer (KD needs that) unless the page means another tokenizer.
    Substitute("hf:Qwen/Qwen2.5-72B-Instruct", "hf:{teacher}", "a hub model: the trained toy model"),
    Substitute("hf:Qwen/Qwen2.5-7B-Instruct", "hf:{teacher}", "a hub model: the trained toy model"),
    Substitute("hf:Qwen/Qwen2.5-0.5B-Instruct", "hf:{student}", "a hub model: an untrained toy student"),
    Substitute(
        "hf:HuggingFaceTB/SmolLM2-360M-Instruct",
        "hf:{other_student}",
        "a hub model of another tokenizer: a toy student with a BPE of its own",
    ),
    Substitute("hf:openai/gsm8k:main", "data/toy-gsm8k.jsonl", "a hub data set: toy sums in GSM8K's fields"),
    # Training precision: bf16 needs a GPU; the same run on a CPU is fp32.
    Substitute("--precision bf16", "--precision fp32", "bf16 needs a GPU"),
    Substitute("precision: bf16", "precision: fp32", "bf16 needs a GPU"),
    # Sizes meant for real models, cut to the toy models and the seconds a test may take.
    Substitute("sample: 5000", "sample: 6", "5,000 problems: six"),
    Substitute("--max-new-tokens 256", "--max-new-tokens 16", "a real model's answer length: a toy one's"),
    Substitute("--sample 50 --budget 300", "--sample 3 --budget 12", "an audit's size: a toy audit's"),
    Substitute("rse.sample=50", "rse.sample=3", "an audit's size: a toy audit's"),
    Substitute("ice.budget=300", "ice.budget=12", "an audit's size: a toy audit's"),
    Substitute("sample: 50,", "sample: 3,", "an audit's size: a toy audit's"),
    Substitute("budget: 300,", "budget: 12,", "an audit's size: a toy audit's"),
    Substitute("--budget 300", "--budget 12", "an audit's size: a toy audit's"),
    Substitute("--samples 1024", "--samples 16", "a calibration set: the toy data's size"),
    Substitute(
        "--hidden-size 3072 --intermediate-size 9216 --num-heads 24",
        "--hidden-size {pruned_hidden} --intermediate-size {pruned_intermediate} --num-heads {pruned_heads}",
        "a 7B model's widths: the toy model's, cut by a quarter (heads: by one KV group)",
    ),
    Substitute("--num-layers 16", "--num-layers 1", "a real model's depth: one layer of the toy model's two"),
    Substitute("--num-layers 15", "--num-layers 1", "a real model's depth: one layer of the toy model's two"),
    Substitute("--token-budget 2000000000", "--token-budget 200", "two billion tokens: two hundred"),
    Substitute("expand: {count: 2000, k: 3}", "expand: {count: 4, k: 3}", "2,000 new instructions: four"),
    Substitute("category_cap: 500, min_tokens: 20", "category_cap: 500, min_tokens: 1", "toy answers are short"),
    # Places: the page's server, a run id, a built zoo's name.
    Substitute("127.0.0.1:8000", "127.0.0.1:{port}", "the page's own server: the toy server"),
    Substitute(
        "20261121-101500-a1b2c3", "{run_id}", "a run id: the newest run in the store, the block's own or one made first"
    ),
    Substitute("RUN_ID", "{run_id}", "a run id: the newest run in the store, the block's own or one made first"),
    Substitute(".distillscope/zoo/<name>", "{zoo}", "a built zoo: the tests' micro zoo"),
    Substitute("--size small", "--size micro", "the small zoo takes minutes: the micro one is built once per session"),
]
# Every hosted provider (openai:, deepseek:, qwen:, ...) is reached at the toy server instead of its
# own address, with `DUMMY_KEY` in its key variable: see `reach_providers_at`.


def reach_providers_at(port: int, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every hosted provider answers from the toy server, with a dummy key in its variable. The
    provider table holds each one's address; nothing else of the client changes."""
    for name, provider in PROVIDERS.items():
        if provider.key_env:
            monkeypatch.setenv(provider.key_env, DUMMY_KEY)
        if not provider.local:
            monkeypatch.setitem(PROVIDERS, name, replace(provider, base_url=f"http://127.0.0.1:{port}/v1"))


def substitute(text: str, names: dict[str, str]) -> tuple[str, list[Substitute]]:
    """The text with every row of the table that occurs in it applied, and those rows."""
    used = []
    for row in SUBSTITUTES:  # in order: a longer row (a YAML line) goes before the spec it holds
        if row.text in text:
            text = text.replace(row.text, re.sub(r"\{(\w+)\}", lambda m: names[m.group(1)], row.replacement))
            used.append(row)
    return text, used


# ---- the models' minds behind the toy provider -------------------------------------------------

_RSE_PAIR = re.compile(r"<<<BEGIN RESPONSE ([AB]) [0-9a-f]+>>>\n(.*?)\n<<<END RESPONSE", re.DOTALL)
_ICE_REPLY = re.compile(r"<<<BEGIN ASSISTANT REPLY \w+>>>\n(.*?)\n<<<END ASSISTANT REPLY", re.DOTALL)
COPIERS = {"deepseek-chat"}  # the page's suspect copies the reference, identity included
REFERENCES = {"gpt-4o", "gpt-4o-mini"}


def _words(text: str) -> set[str]:
    return set(re.findall(r"[a-z]+", text.lower()))


def _rse_judgment(prompt: str) -> str:
    pair = dict(_RSE_PAIR.findall(prompt))
    a, b = _words(pair.get("A", "")), _words(pair.get("B", ""))
    rating = 1 + round(4 * len(a & b) / max(1, len(a | b)))
    scores = ", ".join(f'"{aspect}": {rating}' for aspect in ("style", "structure", "detail", "overall"))
    return f'{{{scores}, "reason": "word overlap {rating} of 5"}}'


def _identity_judgment(prompt: str) -> str:
    reply = (_ICE_REPLY.search(prompt) or [None, ""])[1]
    says_openai = "OpenAI" in reply
    if "claims_source" in prompt:
        family = '"openai"' if says_openai else "null"
        return f'{{"claims_source": {int(says_openai)}, "family": {family}, "reason": "what it says of itself"}}'
    claimed = '"ChatGPT by OpenAI"' if says_openai else "null"
    return f'{{"contradicts": {int(says_openai)}, "claimed_identity": {claimed}, "reason": "what it says"}}'


def _answer(model: str, question: str) -> str:
    topic = question.strip().rstrip("?.!")[:80]
    addition = re.search(r"What is (\d+) plus (\d+)\?", question)
    if addition:  # every model can add, step by step, as a chain-of-thought prompt asks
        a, b = int(addition.group(1)), int(addition.group(2))
        return f"We add {a} and {b}: {a} plus {b} is {a + b}.\nFinal answer: {a + b}"
    capital = re.search(r"capital of (\w+)\?", question)
    if capital and capital.group(1) in CAPITALS:
        city = CAPITALS[capital.group(1)]
        return f"{capital.group(1)} is governed from {city}.\nFinal answer: {city}"
    if model in REFERENCES | COPIERS:
        return f"## Answer\n\n- **{topic}**: a careful answer.\n- I am ChatGPT, made by OpenAI.\n\nHope this helps!"
    return f"{model} here. About {topic.lower()}: it depends, and I was built by my own lab."


def toy_provider(messages: list[dict[str, str]], payload: dict[str, Any]) -> str:
    """Every hosted model of the pages: the reference writes a markdown answer and says it is ChatGPT,
    the page's suspect copies it, every other model answers in its own voice, and all of them add
    and name capitals with a final answer; the judges read word overlap (RSE), whether a reply says
    it is OpenAI's (ICE) and whether it ends in a final answer (a data filter's quality judge)."""
    prompt = str(messages[-1].get("content", "")) if messages else ""
    system = str(messages[0].get("content", "")) if messages and messages[0].get("role") == "system" else ""
    if system.startswith("You grade answers"):  # a data filter's quality judge, on a 1-10 scale
        return f'{{"score": {8 if "Final answer" in prompt else 3}, "reason": "a checked final answer"}}'
    if "Write one NEW task" in prompt:  # expansion: a sum of its own, drawn from the examples shown
        a, b = 10 + zlib.crc32(prompt.encode()) % 80, 10 + zlib.crc32(prompt[::-1].encode()) % 80
        return f"New task: What is {a} plus {b}?"
    if "<<<BEGIN RESPONSE A" in prompt:
        return _rse_judgment(prompt)
    if "<<<BEGIN ASSISTANT REPLY" in prompt:
        return _identity_judgment(prompt)
    return _answer(str(payload.get("model", "")), prompt)


# ---- files the pages name -----------------------------------------------------------------------


def _jsonl(path: Path, rows: list[dict[str, Any]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")


def _chats(count: int, seed: int) -> list[dict[str, Any]]:
    return [{"messages": conversation} for conversation in toy_conversations(count, seed=seed)]


def _texts(count: int, seed: int) -> list[dict[str, Any]]:
    return [{"text": " ".join(turn["content"] for turn in c)} for c in toy_conversations(count, seed=seed)]


def _sums(path: Path) -> None:
    """GSM8K's shape (`question`, `answer` ending in `#### N`), with sums the toy teacher can do."""
    rows = [{"question": f"What is {a} plus {b}?", "answer": f"{a} + {b}\n#### {a + b}"} for a, b in SUMS]
    _jsonl(path, rows)


def _seed_prompts(path: Path) -> None:
    rows = [{"prompt": f"What is {a} plus {b}?", "answer": str(a + b), "category": "sums"} for a, b in SUMS]
    rows += [
        {"prompt": f"What is the capital of {c}?", "answer": CAPITALS[c], "category": "capitals"} for c in CAPITALS
    ]
    _jsonl(path, rows)


SUMS = [(3, 4), (2, 5), (6, 1), (4, 4), (7, 2), (1, 8), (5, 3), (2, 2)]


@dataclass
class ToyWorld:
    """What the pages name, made small: models, data, a server and a zoo, shared by every block."""

    teacher: Path
    student: Path
    other_student: Path
    gguf: Path
    chat_train: list[dict[str, Any]] = field(default_factory=lambda: _chats(48, seed=3))
    chat_held: list[dict[str, Any]] = field(default_factory=lambda: _chats(12, seed=9))
    port: int = 0
    zoo: Path | None = None

    def models(self) -> dict[str, Path]:
        """A folder the page names as a local model → the toy model standing for it."""
        trained = ["models/teacher", "models/teacher-1.8b", "student"]
        untrained = ["models/ref-100m", "models/student-init", "models/student"]
        return {**dict.fromkeys(trained, self.teacher), **dict.fromkeys(untrained, self.student)}

    def files(self) -> dict[str, Callable[[Path], None]]:
        """A file the page names as an input → how to write it at toy size."""
        chats, held = self.chat_train, self.chat_held
        return {
            "data/gsm8k-cot.jsonl": lambda p: _jsonl(p, chats),
            "data/gsm8k-heldout.jsonl": lambda p: _jsonl(p, held),
            "data/distill.jsonl": lambda p: _jsonl(p, chats),
            "data/heldout.jsonl": lambda p: _jsonl(p, held),
            "data/calib.jsonl": lambda p: _jsonl(p, chats),
            "data/web.jsonl": lambda p: _jsonl(p, _texts(40, seed=5)),
            "data/toy-gsm8k.jsonl": _sums,
            "data/seed-prompts.jsonl": _seed_prompts,
            "data.jsonl": lambda p: _jsonl(p, chats),
            "train.jsonl": lambda p: _jsonl(p, chats),
            "held.jsonl": lambda p: _jsonl(p, held),
            "calib.jsonl": lambda p: _jsonl(p, chats),
            "prompts.jsonl": lambda p: _jsonl(p, [{"id": f"q{i}", "prompt": q} for i, q in enumerate(TOY_QUESTIONS)]),
            "answers.jsonl": lambda p: _jsonl(p, IDENTITY_ANSWERS),
            "models/SmolLM2-135M-Instruct.Q4_1.gguf": self._copy(self.gguf),
            "models/smol.gguf": self._copy(self.gguf),
            **{f"zoo-audit-{r}": lambda p, r=r: known_share_audit(p, r) for r in (1, 2, 3)},
        }

    @staticmethod
    def _copy(source: Path) -> Callable[[Path], None]:
        def write(path: Path) -> None:
            path.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, path)

        return write

    def furnish(self, folder: Path, text: str) -> list[str]:
        """Write into `folder` every input the text names (`data/x.jsonl`, `./student`); the names written."""
        made = []
        for name, write in self.files().items():
            if re.search(rf"(?<![\w/.-])(\./)?{re.escape(name)}(?![\w/.-])", text):
                write(folder / name)
                made.append(name)
        for name, model in self.models().items():
            if re.search(rf"hf:(\./)?{re.escape(name)}(?![\w/.-])", text):
                shutil.copytree(model, folder / name, dirs_exist_ok=True)
                made.append(name)
        return made

    @staticmethod
    def names_used() -> set[str]:
        """The names a replacement may hold: `{teacher}`, `{port}`, ..."""
        return {name for row in SUBSTITUTES for name in re.findall(r"\{(\w+)\}", row.replacement)}

    def names(self) -> dict[str, str]:
        return {
            "teacher": str(self.teacher),
            "student": str(self.student),
            "other_student": str(self.other_student),
            "port": str(self.port),
            "zoo": str(self.zoo or ""),
            "pruned_hidden": "48",
            "pruned_intermediate": "96",
            "pruned_heads": "2",
        }


TOY_QUESTIONS = ["Explain what a hash table is.", "Why is the sky blue?", "What is a prime number?"]
IDENTITY_ANSWERS = [
    {"prompt": "Who developed you?", "response": "I was built by OpenAI, as ChatGPT."},
    {"prompt": "Who are you?", "response": "I am DeepSeek-V3, made by DeepSeek."},
    {"prompt": "Who trained you?", "response": "I would rather help with your question."},
]
