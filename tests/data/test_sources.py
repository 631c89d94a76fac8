from __future__ import annotations

import json

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from distillscope.data.sources import FieldMap, PromptSource, load_prompt_items
from distillscope.errors import InputError


def test_jsonl_prompts_messages_and_held_out_reference(tmp_path):
    path = tmp_path / "p.jsonl"
    path.write_text(
        json.dumps({"id": "a", "prompt": "Hi", "category": "chat"})
        + "\n"
        + json.dumps(
            {
                "messages": [
                    {"role": "user", "content": "2+2?"},
                    {"role": "assistant", "content": "4"},
                    {"role": "user", "content": "and 3+3?"},
                    {"role": "assistant", "content": "6"},
                ],
                "answer": 6,
            }
        )
        + "\n"
    )
    first, second = load_prompt_items(path)
    assert (first.id, first.prompt, first.category) == ("a", "Hi", "chat")
    assert [m.role for m in second.messages] == ["user", "assistant", "user"]  # kept whole
    assert (second.reference, second.answer, second.id) == ("6", "6", "2")


def test_sharegpt_roles_and_field_mapping(tmp_path):
    path = tmp_path / "share.json"
    path.write_text(
        json.dumps(
            [
                {
                    "conv": [{"from": "human", "value": "Tell me a joke"}, {"from": "gpt", "value": "..."}],
                    "meta": {"t": "fun"},
                },
            ]
        )
    )
    source = PromptSource(path=str(path), fields=FieldMap(messages="conv", category="meta.t"))
    [item] = load_prompt_items(source)
    assert item.messages[0].content == "Tell me a joke" and item.category == "fun" and item.reference == "..."


def test_csv_and_parquet(tmp_path):
    csv_path = tmp_path / "p.csv"
    csv_path.write_text("question,ans\nWhat is 2+3?,5\nWhat is 1+1?,2\n")
    items = load_prompt_items(PromptSource(path=str(csv_path), fields=FieldMap(prompt="question", answer="ans")))
    assert [(i.prompt, i.answer) for i in items] == [("What is 2+3?", "5"), ("What is 1+1?", "2")]
    pq_path = tmp_path / "p.parquet"
    pq.write_table(pa.table({"prompt": ["a", "b", "c"], "category": ["x", "y", "x"]}), pq_path)
    assert [i.category for i in load_prompt_items(pq_path)] == ["x", "y", "x"]


def test_sampling_is_seeded_and_keeps_order(tmp_path):
    path = tmp_path / "p.jsonl"
    path.write_text("".join(json.dumps({"prompt": f"q{i}"}) + "\n" for i in range(100)))
    one = load_prompt_items(PromptSource(path=str(path), sample=10, seed=3))
    two = load_prompt_items(PromptSource(path=str(path), sample=10, seed=3))
    other = load_prompt_items(PromptSource(path=str(path), sample=10, seed=4))
    assert [i.id for i in one] == [i.id for i in two] != [i.id for i in other]
    assert [int(i.id) for i in one] == sorted(int(i.id) for i in one)


def test_errors_name_file_and_line(tmp_path):
    path = tmp_path / "p.jsonl"
    path.write_text('{"prompt": "ok"}\n{"text": "no prompt here"}\n')
    with pytest.raises(InputError) as info:
        load_prompt_items(path)
    assert info.value.line == 2 and "neither 'prompt' nor 'messages'" in str(info.value)
    with pytest.raises(InputError, match="unknown file type"):
        load_prompt_items(tmp_path / "p.jsonl" if False else _touch(tmp_path / "p.txt"))


def _touch(path):
    path.write_text("x")
    return path
