"""A sweep of bad input across every command: each case ends with its exit code, exactly one line
that names what is wrong (with the file and line where there is one), and no traceback.

Every case fails before a model is loaded or called, so the whole table runs in seconds in this
process. `{d}` in a case stands for a folder of bad (and a few good) files made once for the module;
`S` is an endpoint that is never reached, because each case is refused before any call.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from distillscope.errors import ExitCode
from distillscope.store import RunStore

S = "http://127.0.0.1:9/v1#m"  # port 9 (discard): never called, every case fails before
T = "http://127.0.0.1:9/v1#t"  # another model on the same never-called endpoint
INPUT, FAILED, ENDPOINT = ExitCode.INPUT, ExitCode.CALLS_FAILED, ExitCode.ENDPOINT

BOMB = """a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]
b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]
e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]
f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]
g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]
h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]
i: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h]
"""

FILES: dict[str, str | bytes] = {
    "good.jsonl": '{"prompt": "hi"}\n',
    "malformed.jsonl": '{"prompt": "hi"}\n{"prompt": "oops",\n',
    "latin1.jsonl": b'{"prompt": "hi"}\n{"prompt": "caf\xe9"}\n',
    "messages-text.jsonl": '{"messages": "hello there"}\n',
    "messages-empty.jsonl": '{"messages": []}\n',
    "bad-role.jsonl": '{"messages": [{"role": "wizard", "content": "x"}]}\n',
    "no-prompt.jsonl": '{"question": "hi"}\n',
    "array-line.jsonl": '["hi"]\n',
    "empty.jsonl": "\n\n",
    "bad-turn.jsonl": '{"messages": [{"role": "wizard", "content": "x"}]}\n',
    "latin1.csv": b"prompt,category\nhello,a\ncaf\xe9,b\n",
    "malformed.json": '[{"prompt": "hi"},\n',
    "object.json": '{"prompt": "hi"}\n',
    "prompts.txt": "hi\n",
    "bomb.yaml": BOMB,
    "cyclic.yaml": "models: &a\n  x: *a\n",
    "deep.yaml": "models: " + "[" * 1500 + "]" * 1500 + "\n",
    "latin1.yaml": b"models:\n  teacher: openai:gpt-4o\n  caf\xe9: openai:gpt-4o\n",
    "malformed.yaml": "models:\n  teacher:\n    spec: openai:gpt-4o\n    params: {temperature: 0.2\n",
    "unknown-key.yaml": "models:\n  teacher:\n    spec: openai:gpt-4o\n    temprature: 0\n",
    "bad-type.yaml": "models:\n  teacher:\n    spec: openai:gpt-4o\n    params:\n      temperature: hot\n",
    "no-connections.yaml": "models:\n  teacher:\n    spec: openai:gpt-4o\n    max_connections: 0\n",
    "good-models.yaml": f"models:\n  teacher: {S}\n",
    "chat-config.yaml": f"model: {S}\nprompt: hi\nmodle: x\n",
    "questions-latin1.csv": b"id,category,language,question\nq1,identity,en,Who?\nq2,identity,en,Qui \xeates-vous?\n",
    "questions-columns.csv": "id,question\nq1,Who are you?\n",
    "responses-no-response.jsonl": '{"prompt": "who are you?"}\n',
    "responses-latin1.jsonl": b'{"response": "I am me."}\n{"response": "Je suis \xe9"}\n',
    "responses.jsonl": '{"response": "I am me."}\n',
    "personas-traversal.yaml": "personas:\n  ../escape:\n    kind: neutral\n",
    "personas-long.yaml": "personas:\n  " + "p" * 300 + ":\n    kind: neutral\n",
    "zoo-traversal.yaml": "personas: [{d}/personas-traversal.yaml]\n",
    "zoo-long.yaml": "personas: [{d}/personas-long.yaml]\n",
    "zoo-overrides-key.yaml": "size: micro\noverrides:\n  teacher_itmes: {general: 3}\n",
    "zoo-overrides-type.yaml": "overrides:\n  model:\n    hidden: wide\n",
    "zoo-size.yaml": "size: huge\n",
    "zoo-teacher.yaml": "teacher_a: nobody\n",
    "zoo-fractions.yaml": "fractions: [0.5, 1.5]\n",
    "results.json": "{not json\n",
    "a-file": "this is a file, not a folder\n",
    "badcfg/config.json": '{"model_type": "llama", "hidden_size": "wide", "num_hidden_layers": 2}\n',
    # hardening, round two
    "list.yaml": "- model: x\n- prompt: hi\n",
    "scalar.yaml": "just some text\n",
    "dup-chat.yaml": f"model: {S}\nprompt: hi\nprompt: again\n",
    "dup-models.yaml": f"models:\n  teacher: {S}\n  judge: {S}\n  teacher: {S}\n",
    "dup-nested.yaml": f"reference: {S}\ntargets: [{S}]\nrse:\n  samples: 1\n  samples: 2\n",
    "dup-zoo.yaml": "size: micro\nseed: 1\nseed: 2\n",
    "dup-generate.yaml": f"teacher: {S}\nsource: {{d}}/good.jsonl\noutput: {{d}}/o.jsonl\nmode: respond\nmode: cot\n",
    "dup-rse.yaml": f"reference: {S}\nreference: {S}\ntargets: [{S}]\n",
    "dup-ice.yaml": f"targets: [{S}]\nbudget: 2\nbudget: 3\n",
    "dup-prune.yaml": "model: hf:{d}/m\ncalibration: {d}/good.jsonl\noutput: {d}/p\nnum_layers: 1\nnum_layers: 2\n",
    "dup-select.yaml": "teacher: hf:{d}/m\nreference: hf:{d}/m2\ncorpus: {d}/good.jsonl\nshare: 0.5\nshare: 0.2\n",
    "dup-families.yaml": "families:\n  acme:\n    name: Acme\n  acme:\n    name: Acme again\n",
    "list-families.yaml": "- acme\n- other\n",
    "rse-same.yaml": f"reference: {S}\ntargets: [{S}]\n",
    "rse-floor.yaml": f"reference: {S}\ntargets: ['{S.replace('#m', '#t')}']\nfloor: {S}\n",
    "audit-floor.yaml": f"reference: {S}\ntargets: ['{S.replace('#m', '#t')}']\nrse:\n  floor: {S}\n",
    "audit-candidate.yaml": f"reference: {S}\ntargets: ['{S.replace('#m', '#t')}']\ncandidates: [{S}]\n",
    "select-both.yaml": "teacher: hf:{d}/m\nreference: hf:{d}/m2\ncorpus: {d}/good.jsonl\n"
    "share: 0.5\ntoken_budget: 100\n",
    "generate-tokens.yaml": f"teacher: {S}\nsource: {{d}}/good.jsonl\noutput: {{d}}/o.jsonl\n"
    "filters:\n  min_tokens: 50\n  max_tokens: 5\n",
    "generate-language.yaml": f"teacher: {S}\nsource: {{d}}/good.jsonl\noutput: {{d}}/o.jsonl\n"
    "filters:\n  languages: [en, klingon]\n",
    "models-timeout.yaml": f"models:\n  teacher:\n    spec: {S}\n    timeout: 0\n",
    "models-reply-cap.yaml": f"models:\n  teacher:\n    spec: {S}\n    max_reply_bytes: 10\n",
    "recipe-api.yaml": "teacher: openai:gpt-4o\nstudent: hf:{d}/m\nsource: {d}/good.jsonl\noutput: {d}/r\n",
    "zoo-panel.yaml": "panel_personas: [nobody]\n",
    "m/config.json": '{"model_type": "llama"}\n',
    "m2/config.json": '{"model_type": "llama"}\n',
    "aux/prompts.jsonl": '{"prompt": "hi"}\n',
    "rsy/responses.jsonl": '{"model": "ref", "prompt": "hi", "response": "hello"}\n',
    "qs/questions.csv": "id,category,language,question\nq1,identity,en,Who are you?\n",
    "calibration-list.json": "[0.1, 0.2]\n",
    "calibration-shape.json": '{"curve": [0, 1]}\n',
    "calibration-knots.json": '{"kind": "learned", "xs": [0, 1, 2], "ys": [0, 1], "points": 5}\n',
    "calibration-unsorted.json": '{"kind": "learned", "xs": [1, 0, 2], "ys": [0, 0.5, 1], "points": 5}\n',
    "calibration-shares.json": '{"kind": "learned", "xs": [0, 1], "ys": [0, 1.5], "points": 5}\n',
    "calibration-empty.json": '{"kind": "learned", "xs": [], "ys": [], "points": 0}\n',
    "calibration-malformed.json": '{"kind": "learned",\n',
    "dup-ids.jsonl": '{"id": "a", "prompt": "hi"}\n{"id": "b", "prompt": "ho"}\n{"id": "a", "prompt": "hu"}\n',
    "prunable/config.json": '{"model_type": "llama", "hidden_size": 32, "intermediate_size": 48, '
    '"num_attention_heads": 4, "num_key_value_heads": 2, "num_hidden_layers": 2, "vocab_size": 64}\n',
    "future/results.json": '{"kind": "audit", "schema_version": 999}\n',
}


@pytest.fixture(scope="module")
def d(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("bad")
    for name, content in FILES.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content.replace("{d}", str(folder)), encoding="utf-8")
    (folder / "a-folder").mkdir()
    (folder / "empty-model").mkdir()
    with sqlite3.connect(folder / "other-schema.sqlite") as db:
        db.execute("CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT)")
        db.execute("INSERT INTO users (name) VALUES ('ada')")
    (folder / "not-sqlite.sqlite").write_text("just text\n")
    RunStore(folder / "store.sqlite").close()
    return folder


@dataclass(frozen=True)
class Case:
    id: str
    args: tuple[str, ...]
    says: tuple[str, ...]
    code: int = INPUT
    store: str | None = None  # a store of the folder, instead of a fresh one
    unset: tuple[str, ...] = field(default=())  # environment variables to remove
    env: tuple[tuple[str, str], ...] = field(default=())  # environment variables to set


def case(id: str, args: str | tuple[str, ...], *says: str, **extra: object) -> Case:
    return Case(id, tuple(args.split()) if isinstance(args, str) else args, says, **extra)  # type: ignore[arg-type]


CASES = [
    # ------------------------------------------------------------------ chat: specs and flags
    case("chat unknown provider", "chat opnai:gpt-4o hi", "unknown provider 'opnai'", "did you mean 'openai'"),
    case("chat url without model", "chat http://127.0.0.1:9/v1 hi", "names no model", "#MODEL_NAME"),
    case("chat spec unreadable", "chat : hi", "cannot read model spec"),
    case("chat n zero", f"chat {S} hi -n 0", "command line: n:", "greater than or equal to 1", "(got 0)"),
    case("chat max tokens negative", f"chat {S} hi --max-tokens -5", "max_tokens:", "greater than or equal to 1"),
    case("chat temperature 5", f"chat {S} hi --temperature 5", "temperature:", "less than or equal to 2"),
    case("chat temperature negative", f"chat {S} hi --temperature -1", "temperature:", "greater than or equal to 0"),
    case("chat top p zero", f"chat {S} hi --top-p 0", "top_p:", "greater than 0"),
    case("chat top p above one", f"chat {S} hi --top-p 1.5", "top_p:", "less than or equal to 1"),
    case("chat unknown flag", f"chat {S} hi --temprature 1", "No such option: --temprature", "--temperature"),
    case("chat temperature not a number", f"chat {S} hi --temperature hot", "'--temperature'", "valid number"),
    case("chat seed not an integer", f"chat {S} hi --seed 1.5", "'--seed'", "integer"),
    case("chat neither prompt nor file", f"chat {S}", "give either a prompt or a prompts file"),
    case("chat prompt and file", f"chat {S} hi --prompts {{d}}/good.jsonl", "give either a prompt or a prompts file"),
    case("chat no spec at all", "chat", "model: Field required"),
    case("chat argument not utf-8", ("chat", S, "caf\udce9"), "argument", "(caf\\xe9)", "not valid UTF-8"),
    # ------------------------------------------------------------------ chat: prompts files
    case("chat prompts missing", f"chat {S} --prompts {{d}}/nope.jsonl", "{d}/nope.jsonl", "file not found"),
    case("chat prompts is a folder", f"chat {S} --prompts {{d}}/a-folder", "{d}/a-folder", "is a folder"),
    case("chat prompts malformed", f"chat {S} --prompts {{d}}/malformed.jsonl", "malformed.jsonl:2:", "malformed JSON"),
    case("chat prompts not utf-8", f"chat {S} --prompts {{d}}/latin1.jsonl", "latin1.jsonl:2:", "not UTF-8", "0xe9"),
    case("chat messages text", f"chat {S} --prompts {{d}}/messages-text.jsonl", "text.jsonl:1:", "messages is text"),
    case("chat messages empty", f"chat {S} --prompts {{d}}/messages-empty.jsonl", ":1:", "an empty list"),
    case("chat messages bad role", f"chat {S} --prompts {{d}}/bad-role.jsonl", "bad-role.jsonl:1:", "role"),
    case("chat prompts without prompt", f"chat {S} --prompts {{d}}/no-prompt.jsonl", ":1:", "no prompt"),
    case("chat prompts line not object", f"chat {S} --prompts {{d}}/array-line.jsonl", ":1:", "expected a JSON object"),
    case("chat prompts empty", f"chat {S} --prompts {{d}}/empty.jsonl", "empty.jsonl", "no prompts in file"),
    case(
        "chat output is the input",
        f"chat {S} --prompts {{d}}/good.jsonl -o {{d}}/good.jsonl",
        "good.jsonl",
        "both an input and the output",
    ),
    case(
        "chat output is a folder", f"chat {S} --prompts {{d}}/good.jsonl -o {{d}}/a-folder", "a-folder", "is a folder"
    ),
    case(
        "chat output under a file",
        f"chat {S} --prompts {{d}}/good.jsonl -o {{d}}/a-file/out.jsonl",
        "a-file/out.jsonl",
        "cannot write here",
    ),
    # ------------------------------------------------------------------ chat: models and config YAML
    case("models file missing", "chat teacher hi --models {d}/nope.yaml", "nope.yaml", "file not found"),
    case("models file alias bomb", "chat teacher hi --models {d}/bomb.yaml", "bomb.yaml:", "YAML aliases expand"),
    case("models file cyclic alias", "chat teacher hi --models {d}/cyclic.yaml", "cyclic.yaml:2:", "contains it"),
    case("models file nested deep", "chat teacher hi --models {d}/deep.yaml", "deep.yaml", "nested too deeply"),
    case("models file not utf-8", "chat teacher hi --models {d}/latin1.yaml", "latin1.yaml:3:", "not UTF-8"),
    case("models file malformed", "chat teacher hi --models {d}/malformed.yaml", "malformed.yaml:", "malformed YAML"),
    case(
        "models file unknown key", "chat teacher hi --models {d}/unknown-key.yaml", "unknown-key.yaml:4:", "temprature"
    ),
    case(
        "models file wrong type",
        "chat teacher hi --models {d}/bad-type.yaml",
        "bad-type.yaml:5:",
        "models.teacher.params.temperature",
    ),
    case(
        "models file out of range",
        "chat teacher hi --models {d}/no-connections.yaml",
        "no-connections.yaml:4:",
        "max_connections",
        "greater than or equal to 1",
    ),
    case("catalog name unknown", "chat nobody hi --models {d}/good-models.yaml", "no model named 'nobody'", "teacher"),
    case("chat config unknown key", "chat --config {d}/chat-config.yaml", "chat-config.yaml:3:", "modle"),
    case("chat config alias bomb", "chat --config {d}/bomb.yaml", "bomb.yaml:", "YAML aliases expand"),
    case(
        "chat missing api key",
        "chat mistral:mistral-small-latest hi",
        "MISTRAL_API_KEY is not set",
        unset=("MISTRAL_API_KEY",),
    ),
    case("chat hf folder missing", "chat hf:{d}/no-such-model hi", "no model folder"),
    case("chat hf folder without config", "chat hf:{d}/empty-model hi", "has no config.json"),
    case("chat hf config wrong type", "chat hf:{d}/badcfg hi", "badcfg", "hidden_size", "expected int"),
    # ------------------------------------------------------------------ models
    case("models check unknown provider", "models check opnai:gpt-4o", "unknown provider 'opnai'"),
    case(
        "models check missing key",
        "models check mistral:mistral-small-latest",
        "MISTRAL_API_KEY is not set",
        unset=("MISTRAL_API_KEY",),
    ),
    case("models check models missing", "models check teacher --models {d}/nope.yaml", "nope.yaml", "file not found"),
    case("models check no spec", "models check", "Missing argument 'spec'"),
    case("models unknown command", "models chekc", "No such command 'chekc'"),
    # ------------------------------------------------------------------ runs and the store
    case("runs list no store there", "runs list", "nope.sqlite", "no run store here", store="nope.sqlite"),
    case("runs list other schema", "runs list", "other-schema.sqlite", "another schema", store="other-schema.sqlite"),
    case("runs list not sqlite", "runs list", "not-sqlite.sqlite", "not a database", store="not-sqlite.sqlite"),
    case("runs list store is a folder", "runs list", "a-folder", "is a folder", store="a-folder"),
    case("runs list limit negative", "runs list --limit -1", "'--limit'", "greater than or equal to 1"),
    case("runs list limit zero", "runs list --limit 0", "'--limit'", "greater than or equal to 1"),
    case("runs export unknown run", "runs export nope", "no run 'nope'", store="store.sqlite"),
    case(
        "runs export into a folder", "runs export nope -o {d}/a-folder", "a-folder", "is a folder", store="store.sqlite"
    ),
    case("chat other schema store", f"chat {S} hi", "another schema", "left untouched", store="other-schema.sqlite"),
    case("chat not sqlite store", f"chat {S} hi", "not a database", store="not-sqlite.sqlite"),
    # ------------------------------------------------------------------ generate
    case("generate without source", f"generate {S} -o {{d}}/out.jsonl", "source: Field required"),
    case("generate source missing", f"generate {S} -s {{d}}/nope.jsonl -o {{d}}/o.jsonl", "nope.jsonl", "not found"),
    case("generate source txt", f"generate {S} -s {{d}}/prompts.txt -o {{d}}/o.jsonl", "unknown file type '.txt'"),
    case("generate csv not utf-8", f"generate {S} -s {{d}}/latin1.csv -o {{d}}/o.jsonl", "latin1.csv:3:", "not UTF-8"),
    case("generate jsonl not utf-8", f"generate {S} -s {{d}}/latin1.jsonl -o {{d}}/o.jsonl", "latin1.jsonl:2:"),
    case("generate json malformed", f"generate {S} -s {{d}}/malformed.json -o {{d}}/o.jsonl", "malformed JSON"),
    case("generate json not a list", f"generate {S} -s {{d}}/object.json -o {{d}}/o.jsonl", "expected a JSON list"),
    case(
        "generate bad turn", f"generate {S} -s {{d}}/bad-turn.jsonl -o {{d}}/o.jsonl", "bad-turn.jsonl:1:", "bad turn"
    ),
    case("generate mode unknown", f"generate {S} -s {{d}}/good.jsonl -o {{d}}/o.jsonl --mode wild", "mode:", "wild"),
    case("generate n zero", f"generate {S} -s {{d}}/good.jsonl -o {{d}}/o.jsonl -n 0", "n:", "greater than or equal"),
    case("generate sample zero", f"generate {S} -s {{d}}/good.jsonl -o {{d}}/o.jsonl --sample 0", "source.sample"),
    case(
        "generate judge unparseable unknown",
        f"generate {S} -s {{d}}/good.jsonl -o {{d}}/o.jsonl --judge {S} --judge-unparseable maybe",
        "judge.on_unparseable",
    ),
    case(
        "generate output is the source",
        f"generate {S} -s {{d}}/good.jsonl -o {{d}}/good.jsonl",
        "good.jsonl",
        "both an input and the output",
    ),
    case("generate output is a folder", f"generate {S} -s {{d}}/good.jsonl -o {{d}}/a-folder", "is a folder"),
    case("generate config alias bomb", "generate --config {d}/bomb.yaml", "bomb.yaml:", "YAML aliases expand"),
    # ------------------------------------------------------------------ train, teacher-cache, eval
    case("train mode unknown", "train --mode wild --student hf:x --data {d}/good.jsonl -o {d}/t", "mode:", "wild"),
    case("train without data", "train --student hf:x -o {d}/t", "data: Field required"),
    case("train output is a file", "train --student hf:x --data {d}/good.jsonl -o {d}/a-file", "a-file", "is a file"),
    case("train data not utf-8", "train --student hf:x --data {d}/latin1.jsonl -o {d}/t2", "latin1.jsonl:2:"),
    case("train learning rate zero", "train --student hf:x --data {d}/good.jsonl -o {d}/t --lr 0", "learning_rate"),
    case("teacher cache k zero", "teacher-cache --teacher hf:x --data {d}/good.jsonl -o {d}/c -k 0", "k:"),
    case(
        "teacher cache output a file", "teacher-cache --teacher hf:x --data {d}/good.jsonl -o {d}/a-file", "is a file"
    ),
    case("teacher cache data not utf-8", "teacher-cache --teacher hf:x --data {d}/latin1.jsonl -o {d}/c", "not UTF-8"),
    case("eval without student", "eval --data {d}/good.jsonl", "student: Field required"),
    case("eval output is a folder", "eval --student hf:x --data {d}/good.jsonl -o {d}/a-folder", "is a folder"),
    case("eval output is the data", "eval --student hf:x --data {d}/good.jsonl -o {d}/good.jsonl", "both an input"),
    case("eval data missing", "eval --student hf:x --data {d}/nope.jsonl", "nope.jsonl", "file not found"),
    case("eval data not utf-8", "eval --student hf:x --data {d}/latin1.jsonl", "latin1.jsonl:2:", "not UTF-8"),
    # ------------------------------------------------------------------ rse
    case("rse without reference", f"rse --targets {S}", "reference"),
    case("rse prompts missing", f"rse --reference {S} --targets {T} --prompts {{d}}/nope.jsonl", "file not found"),
    case("rse set unknown", f"rse --reference {S} --targets {S} --sets poetry", "sets", "poetry"),
    case("rse samples zero", f"rse --reference {S} --targets {S} --samples 0", "samples:", "greater than or equal"),
    case("rse output is a file", f"rse --reference {S} --targets {T} -o {{d}}/a-file", "a-file", "is a file"),
    case("rse judge unknown", f"rse --reference {S} --targets {T} --judge lexicl", "lexicl"),
    case("rse max tokens zero", f"rse --reference {S} --targets {S} --max-tokens 0", "max_tokens:"),
    # ------------------------------------------------------------------ ice and ice judge
    case("ice facts unknown", f"ice --target {S} --facts nope", "unknown model family 'nope'"),
    case("ice budget zero", f"ice --target {S} --facts openai --budget 0", "budget:", "greater than or equal"),
    case("ice policy unknown", f"ice --target {S} --facts openai --policy greedy", "policy", "greedy"),
    case(
        "ice questions not utf-8",
        f"ice --target {S} --facts openai --questions {{d}}/questions-latin1.csv",
        "questions-latin1.csv:3:",
        "not UTF-8",
    ),
    case(
        "ice questions columns",
        f"ice --target {S} --facts openai --questions {{d}}/questions-columns.csv",
        "questions-columns.csv:1:",
        "missing column",
    ),
    case("ice templates missing", f"ice --target {S} --facts openai --templates {{d}}/nope.yaml", "file not found"),
    case("ice families bomb", f"ice --target {S} --facts openai --families {{d}}/bomb.yaml", "YAML aliases expand"),
    case("ice output is a file", f"ice --target {S} --facts openai -o {{d}}/a-file", "a-file", "is a file"),
    case("ice judge input missing", "ice judge --input {d}/nope.jsonl --target-family openai", "file not found"),
    case(
        "ice judge no response",
        "ice judge --input {d}/responses-no-response.jsonl --target-family openai",
        "responses-no-response.jsonl:1:",
        "no response",
    ),
    case(
        "ice judge not utf-8",
        "ice judge --input {d}/responses-latin1.jsonl --target-family openai",
        "responses-latin1.jsonl:2:",
        "not UTF-8",
    ),
    case(
        "ice judge output is the input",
        "ice judge --input {d}/responses.jsonl --target-family openai -o {d}/responses.jsonl",
        "both an input and the output",
    ),
    case("ice judge family unknown", "ice judge --input {d}/responses.jsonl --target-family nope", "'nope'"),
    case("ice judge without family", "ice judge --input {d}/responses.jsonl", "Missing option '--target-family'"),
    # ------------------------------------------------------------------ audit and report
    case("audit without targets", f"audit --reference {S}", "targets"),
    case("audit method unknown", f"audit --reference {S} --targets {S} --methods rse,magic", "magic"),
    case(
        "audit output is a file", f"audit --reference {S} --targets {T} --sources openai -o {{d}}/a-file", "is a file"
    ),
    case("audit config bomb", "audit --config {d}/bomb.yaml", "bomb.yaml:", "YAML aliases expand"),
    case("audit budget zero", f"audit --reference {S} --targets {S} --budget 0", "budget:"),
    case("report input missing", "report --input {d}/no-audit", "results.json", "file not found"),
    case("report results malformed", "report --input {d}/results.json", "results.json", "not "),
    case("report width zero", "report --input {d} --width 0", "'--width'", "320"),
    case("report height too small", "report --input {d} --height 10", "'--height'", "320"),
    # ------------------------------------------------------------------ zoo and demo
    case("zoo persona id traversal", "zoo build --config {d}/zoo-traversal.yaml --root {d}/zoo", "cannot name a file"),
    case("zoo persona id too long", "zoo build --config {d}/zoo-long.yaml --root {d}/zoo", "1 to 64"),
    case("zoo overrides unknown key", "zoo build --config {d}/zoo-overrides-key.yaml", ":2:", "teacher_itmes"),
    case("zoo overrides wrong type", "zoo build --config {d}/zoo-overrides-type.yaml", ":1:", "model.hidden"),
    case("zoo size unknown", "zoo build --config {d}/zoo-size.yaml", "zoo-size.yaml:1:", "size", "'huge'"),
    case("zoo size flag unknown", "zoo build --size huge", "command line: size", "'micro' or 'small'"),
    case("zoo teacher unknown", "zoo build --config {d}/zoo-teacher.yaml --root {d}/zoo", "no persona 'nobody'"),
    case("zoo fractions out of range", "zoo build --config {d}/zoo-fractions.yaml", "fractions must lie between"),
    case("zoo show missing", "zoo show {d}/no-zoo", "no-zoo", "no zoo here"),
    case("demo size unknown", "demo --size huge --workdir {d}/demo", "command line: size", "'huge'"),
    case("demo workdir is a file", "demo --size micro --workdir {d}/a-file", "a-file", "is a file"),
    # ------------------------------------------------------------------ hardening, round two: YAML tops and keys
    *[
        case(
            f"{command} config is a list", f"{command} --config {{d}}/list.yaml", "list.yaml:1:", "top level is a list"
        )
        for command in (
            "chat",
            "generate",
            "train",
            "teacher-cache",
            "eval",
            "select",
            "prune",
            "recipe",
            "rse",
            "ice",
            "audit",
            "zoo build",
        )
    ],
    *[
        case(
            f"{command} config is text", f"{command} --config {{d}}/scalar.yaml", "scalar.yaml:1:", "top level is a str"
        )
        for command in ("chat", "generate", "rse", "audit", "zoo build")
    ],
    case("models file is a list", "chat teacher hi --models {d}/list.yaml", "list.yaml", "list"),
    case("families file is a list", f"ice --target {S} --facts openai --families {{d}}/list-families.yaml", "list"),
    case("chat config duplicate key", "chat --config {d}/dup-chat.yaml", "dup-chat.yaml:3:", "'prompt' is given twice"),
    case("models duplicate key", "chat teacher hi --models {d}/dup-models.yaml", ":4:", "'teacher' is given twice"),
    case("audit nested duplicate key", "audit --config {d}/dup-nested.yaml", ":5:", "'samples' is given twice"),
    case("zoo duplicate key", "zoo build --config {d}/dup-zoo.yaml", "dup-zoo.yaml:3:", "'seed' is given twice"),
    case("generate duplicate key", "generate --config {d}/dup-generate.yaml", ":5:", "'mode' is given twice"),
    case("rse duplicate key", "rse --config {d}/dup-rse.yaml", "dup-rse.yaml:2:", "'reference' is given twice"),
    case("ice duplicate key", "ice --config {d}/dup-ice.yaml", "dup-ice.yaml:3:", "'budget' is given twice"),
    case("prune duplicate key", "prune --config {d}/dup-prune.yaml", ":5:", "'num_layers' is given twice"),
    case("select duplicate key", "select --config {d}/dup-select.yaml", ":5:", "'share' is given twice"),
    case(
        "families duplicate key",
        f"ice --target {S} --facts openai --families {{d}}/dup-families.yaml",
        ":4:",
        "'acme' is given twice",
    ),
    # ------------------------------------------------------------------ keys that cannot be sent
    case(
        "chat key not ascii",
        "chat mistral:mistral-small-latest hi",
        "MISTRAL_API_KEY",
        "outside ASCII",
        env=(("MISTRAL_API_KEY", "clé-secrète-0123456789"),),
    ),
    case(
        "chat key with a line break",
        "chat mistral:mistral-small-latest hi",
        "MISTRAL_API_KEY",
        "line break",
        env=(("MISTRAL_API_KEY", "abcdefgh12345678\r\nX-Injected: 1"),),
    ),
    case(
        "chat key with a trailing newline",
        "chat mistral:mistral-small-latest hi",
        "MISTRAL_API_KEY",
        "line break",
        env=(("MISTRAL_API_KEY", "abcdefgh12345678\n"),),
    ),
    case(
        "models check key not ascii",
        "models check mistral:mistral-small-latest",
        "outside ASCII",
        env=(("MISTRAL_API_KEY", "ключ-0123456789abcdef"),),
    ),
    case(
        "rse key with a line break",
        f"rse --reference mistral:mistral-small-latest --targets {S}",
        "line break",
        env=(("MISTRAL_API_KEY", "abcdefgh12345678\rX"),),
    ),
    # ------------------------------------------------------------------ nothing measured against itself
    case("rse target is the reference", f"rse --reference {S} --targets {S}", "is the reference itself"),
    case(
        "rse target is the reference by name",
        f"rse --reference teacher --targets {S} --models {{d}}/good-models.yaml",
        "is the reference itself",
    ),
    case("rse floor is the reference", f"rse --reference {S} --targets {T} --floor {S}", "is the reference itself"),
    case("rse config target is the reference", "rse --config {d}/rse-same.yaml", "is the reference itself"),
    case("rse config floor is the reference", "rse --config {d}/rse-floor.yaml", "is the reference itself"),
    case("audit target is the reference", f"audit --reference {S} --targets {S}", "is the reference itself"),
    case(
        "audit target is the reference by name",
        f"audit --reference {S} --targets teacher --models {{d}}/good-models.yaml",
        "is the reference itself",
    ),
    case(
        "audit candidate is the reference",
        f"audit --reference {S} --targets {T} --candidates {S}",
        "candidate",
        "is the reference itself",
    ),
    case("audit config candidate is the reference", "audit --config {d}/audit-candidate.yaml", "is the reference"),
    case("audit config floor is the reference", "audit --config {d}/audit-floor.yaml", "rse.floor", "is the reference"),
    # ------------------------------------------------------------------ contradictory or impossible settings
    case(
        "select teacher is the reference",
        "select --teacher hf:{d}/m --reference hf:{d}/m --corpus {d}/good.jsonl -o {d}/sel",
        "the teacher and the reference are the same model",
    ),
    case(
        "select share and budget",
        "select --teacher hf:{d}/m --reference hf:{d}/m2 --corpus {d}/good.jsonl --share 0.3 --token-budget 100 "
        "-o {d}/sel",
        "either share or token_budget",
    ),
    case("select config share and budget", "select --config {d}/select-both.yaml -o {d}/sel", "either share or"),
    case(
        "select output is the corpus",
        "select --teacher hf:{d}/m --reference hf:{d}/m2 --corpus {d}/good.jsonl -o {d}/good.jsonl",
        "both an input and the output",
    ),
    case(
        "generate min above max chars",
        f"generate {S} -s {{d}}/good.jsonl -o {{d}}/o.jsonl --min-chars 100 --max-chars 10",
        "min_chars (100) is above max_chars (10)",
    ),
    case("generate min above max tokens", "generate --config {d}/generate-tokens.yaml", "min_tokens (50)"),
    case(
        "generate language unknown",
        f"generate {S} -s {{d}}/good.jsonl -o {{d}}/o.jsonl --language xx",
        "unknown language 'xx'",
        "same_as_prompt",
    ),
    case("generate config language unknown", "generate --config {d}/generate-language.yaml", "'klingon'"),
    case(
        "prune without a target size",
        "prune --model hf:{d}/m --calibration {d}/good.jsonl -o {d}/p",
        "no target size",
    ),
    case(
        "recipe with an api teacher",
        "recipe --config {d}/recipe-api.yaml",
        "is not a local model",
        "writer",
    ),
    case(
        "recipe flag api teacher",
        "recipe --teacher mistral:mistral-small-latest --student hf:{d}/m --source {d}/good.jsonl -o {d}/r",
        "is not a local model",
    ),
    case("models timeout zero", "chat teacher hi --models {d}/models-timeout.yaml", ":4:", "timeout"),
    case("models reply cap tiny", "chat teacher hi --models {d}/models-reply-cap.yaml", ":4:", "max_reply_bytes"),
    case(
        "zoo panel persona unknown",
        "zoo build --config {d}/zoo-panel.yaml --root {d}/zoo",
        "panel_personas",
        "'nobody'",
    ),
    # ------------------------------------------------------------------ calibration files
    case(
        "calibration is a folder",
        f"audit --reference {S} --targets {T} --calibration {{d}}/a-folder",
        "a-folder",
        "is a folder",
    ),
    case(
        "calibration missing",
        f"audit --reference {S} --targets {T} --calibration {{d}}/nope.json",
        "nope.json",
        "file not found",
    ),
    case(
        "calibration malformed",
        f"audit --reference {S} --targets {T} --calibration {{d}}/calibration-malformed.json",
        "not JSON",
    ),
    case(
        "calibration is a list",
        f"audit --reference {S} --targets {T} --calibration {{d}}/calibration-list.json",
        "top level is a list",
    ),
    case(
        "calibration of another shape",
        f"audit --reference {S} --targets {T} --calibration {{d}}/calibration-shape.json",
        "not a share calibration",
        "curve",
    ),
    case(
        "calibration knots mismatched",
        f"audit --reference {S} --targets {T} --calibration {{d}}/calibration-knots.json",
        "xs has 3 knots but ys has 2",
    ),
    case(
        "calibration knots unsorted",
        f"audit --reference {S} --targets {T} --calibration {{d}}/calibration-unsorted.json",
        "not in increasing order",
    ),
    case(
        "calibration shares outside",
        f"audit --reference {S} --targets {T} --calibration {{d}}/calibration-shares.json",
        "[0, 1]",
    ),
    case(
        "calibration empty curve",
        f"audit --reference {S} --targets {T} --calibration {{d}}/calibration-empty.json",
        "at least 2 knots",
    ),
    # ------------------------------------------------------------------ names, versions, outputs over inputs
    case("ice facts near miss", f"ice --target {S} --facts opnai", "unknown model family 'opnai'", "did you mean"),
    case(
        "ice judge family near miss",
        "ice judge --input {d}/responses.jsonl --target-family antropic",
        "did you mean 'anthropic'",
    ),
    case("report schema from the future", "report --input {d}/future", "schema version 999"),
    case("train output is the student", "train --student hf:{d}/m --data {d}/good.jsonl -o {d}/m", "both an input"),
    case("train output inside the student", "train --student hf:{d}/m --data {d}/good.jsonl -o {d}/m/t", "lies inside"),
    case(
        "prune output is the model",
        "prune --model hf:{d}/m --calibration {d}/good.jsonl --num-layers 1 -o {d}/m",
        "both an input",
    ),
    case(
        "teacher cache inside the teacher",
        "teacher-cache --teacher hf:{d}/m --data {d}/good.jsonl -o {d}/m/c",
        "lies inside the input",
    ),
    case("eval report inside the student", "eval --student hf:{d}/m --data {d}/good.jsonl -o {d}/m/e.json", "inside"),
    case(
        "audit output holds the prompts",
        f"audit --reference {S} --targets {T} --prompts {{d}}/aux/prompts.jsonl -o {{d}}/aux",
        "contains the input",
    ),
    case(
        "rse output holds the replayed reference",
        f"rse --reference replay:{{d}}/rsy/responses.jsonl#ref --targets {S} -o {{d}}/rsy",
        "contains the input",
    ),
    case(
        "ice output holds the questions",
        f"ice --target {S} --facts openai --questions {{d}}/qs/questions.csv -o {{d}}/qs",
        "contains the input",
    ),
    case(
        "recipe output holds the source",
        "recipe --teacher hf:{d}/m --student hf:{d}/m2 --source {d}/aux/prompts.jsonl -o {d}/aux",
        "contains the input",
    ),
    case(
        "select output is the teacher",
        "select --teacher hf:{d}/m --reference hf:{d}/m2 --corpus {d}/good.jsonl -o {d}/m",
        "both an input",
    ),
    case("calibrate output in an input", "calibrate {d}/aux -o {d}/aux/calibration.json", "lies inside the input"),
    case("runs export over the store", "runs export nope -o {d}/store.sqlite", "both an input", store="store.sqlite"),
    case(
        "chat duplicate prompt ids", f"chat {S} --prompts {{d}}/dup-ids.jsonl", "dup-ids.jsonl:3:", "id 'a'", "line 1"
    ),
    case(
        "generate duplicate prompt ids",
        f"generate {S} -s {{d}}/dup-ids.jsonl -o {{d}}/o.jsonl",
        "dup-ids.jsonl:3:",
        "used again",
    ),
    case("rse duplicate prompt ids", f"rse --reference {S} --targets {T} --prompts {{d}}/dup-ids.jsonl", "used again"),
    case(
        "prune hidden size not divisible by the heads",
        "prune --model hf:{d}/prunable --calibration {d}/good.jsonl --hidden-size 30 -o {d}/p",
        "hidden_size 30 is not divisible by the 4 attention heads",
    ),
    case("unknown command", "chta", "No such command 'chta'"),
]


@pytest.mark.parametrize("bad", CASES, ids=[c.id for c in CASES])
def test_bad_input_gets_one_clear_line(
    bad: Case, d: Path, cli, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.chdir(tmp_path)  # default output folders (rse-results, ...) land here
    for name in bad.unset:
        monkeypatch.delenv(name, raising=False)
    for name, value in bad.env:
        monkeypatch.setenv(name, value)
    args = [arg.replace("{d}", str(d)) for arg in bad.args]
    result = cli(*args, store=d / bad.store if bad.store else None)
    assert "Traceback" not in result.stderr + result.stdout
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error:"), lines[0]
    for fragment in bad.says:
        assert fragment.replace("{d}", str(d)) in lines[0], lines[0]
    assert result.exit_code == bad.code, result.stderr
    left = [p.name for p in tmp_path.iterdir() if not p.name.startswith("store.sqlite")]  # the cli fixture's store
    assert not left, f"a refused command left files behind: {left}"


def test_the_sweep_covers_every_command() -> None:
    covered = {c.args[0] for c in CASES}
    assert {"chat", "models", "runs", "generate", "train", "teacher-cache", "eval", "rse", "ice", "audit"} <= covered
    assert {"report", "zoo", "demo"} <= covered and any(c.args[:2] == ("ice", "judge") for c in CASES)
    assert len(CASES) >= 200


def test_a_store_of_another_schema_is_left_untouched(d: Path, cli) -> None:
    other = d / "other-schema.sqlite"
    before = other.read_bytes()
    result = cli("chat", S, "hi", store=other)
    assert result.exit_code == INPUT and other.read_bytes() == before
    with sqlite3.connect(other) as db:
        assert [row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")] == ["users"]


def test_listing_runs_never_makes_a_store(d: Path, cli) -> None:
    missing = d / "typo" / "stroe.sqlite"
    assert cli("runs", "list", store=missing).exit_code == INPUT
    assert not missing.exists() and not missing.parent.exists()


def test_a_persona_id_cannot_write_outside_the_root(d: Path, cli) -> None:
    root = d / "zoo-root"
    cli("zoo", "build", "--config", str(d / "zoo-traversal.yaml"), "--root", str(root))
    assert not (d / "escape").exists() and not any(d.glob("teacher-*")) and not root.exists()


def test_an_unreachable_hub_is_one_line_without_retries(cli, monkeypatch: pytest.MonkeyPatch):
    """No network (here: a hub endpoint where nothing listens) and no HF_HUB_OFFLINE: one probe, then
    the local cache alone, then one line; not a retry warning per file for half a minute."""
    from huggingface_hub import constants

    from distillscope import hub
    from doubles.server import free_port

    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    monkeypatch.setattr(constants, "HF_HUB_OFFLINE", False)
    monkeypatch.setattr(constants, "ENDPOINT", f"http://127.0.0.1:{free_port()}")
    hub.hub_reachable.cache_clear()
    try:
        result = cli("chat", "hf:nobody-org/no-such-model", "hi")
        assert constants.HF_HUB_OFFLINE is True  # switched to the cache after one failed probe
    finally:
        hub.hub_reachable.cache_clear()
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert result.exit_code == INPUT and len(lines) == 1, result.stderr
    assert "nobody-org/no-such-model" in lines[0] and "Traceback" not in result.stderr


@pytest.mark.parametrize(
    "args",
    [
        "rse --reference mistral:mistral-small-latest --targets openai:gpt-4o-mini --sets general --sample 2",
        "ice --target mistral:mistral-small-latest --facts mistral --budget 2",
        "generate mistral:mistral-small-latest -s {d}/good.jsonl -o {d}/never.jsonl",
    ],
    ids=["rse", "ice", "generate"],
)
def test_a_dry_run_needs_no_api_key_and_the_run_still_does(d: Path, cli, monkeypatch, tmp_path, args) -> None:
    monkeypatch.chdir(tmp_path)
    for name in ("MISTRAL_API_KEY", "OPENAI_API_KEY"):
        monkeypatch.delenv(name, raising=False)
    argv = args.replace("{d}", str(d)).split()
    planned = cli(*argv, "--dry-run")
    assert planned.exit_code == 0, planned.stderr
    assert "Planned calls" in planned.stdout or "planned" in planned.stdout.lower()
    refused = cli(*argv)
    assert refused.exit_code == INPUT and "is not set" in refused.stderr, refused.stderr
    assert not (d / "never.jsonl").exists()


def test_a_cache_k_above_the_teachers_vocabulary_is_one_line_and_writes_nothing(
    cli, toy_model_dir: Path, toy_chat_data: tuple[Path, Path], tmp_path: Path
) -> None:
    """Only the loaded teacher knows its vocabulary (the toy one is under 1,024, the most -k takes), so this case
    needs a real (toy) model."""
    out = tmp_path / "cache"
    result = cli(
        "teacher-cache", "--teacher", f"hf:{toy_model_dir}", "--data", str(toy_chat_data[1]), "-k", "1024",
        "-o", str(out),
    )  # fmt: skip
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert result.exit_code == INPUT and len(lines) == 1, result.stderr
    assert "more than the teacher's vocabulary" in lines[0] and "Traceback" not in result.stderr
    assert not out.exists()
