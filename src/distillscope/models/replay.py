"""Recorded responses as a model: `replay:answers.jsonl#gpt-4o` answers from a file, calling nothing.

Audits often start from responses collected elsewhere: a vendor's logs, a red-team sheet, a
benchmark's published answers. A replayed model lets every command (`rse`, `ice`, `ice judge`,
`audit`) run on them unchanged. Each line of the file is one recorded answer:

    {"model": "gpt-4o", "prompt": "Who are you?", "response": "I am ChatGPT ..."}
    {"model": "gpt-4o", "messages": [{"role": "user", "content": "..."}], "response": "..."}

A request is answered by the recording of the same conversation; a system prompt the recording
did not carry is ignored, since collected logs seldom keep one. Several recordings of one
conversation are successive samples: sample 0 is the first line, sample 1 the second. A request
with no recording is not a failed call but a wrong input, so it stops the run with one line naming
the model, the start of the prompt and the file.

Sampling parameters cannot change a recording, so they are not part of what the model is; the
file's content is (its hash), so an edited file is a new model to the run store.
"""

from __future__ import annotations

import hashlib
import json
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from distillscope.errors import InputError
from distillscope.models.base import ChatModel
from distillscope.models.config import ModelConfig
from distillscope.models.parsed_spec import ParsedSpec
from distillscope.models.types import ChatOutput, Choice, GenerateConfig, Message, Usage, as_messages

Conversation = tuple[tuple[str, str], ...]
FORMAT_HINT = 'expected JSONL lines like {"model": "NAME", "prompt" or "messages": ..., "response": "..."}'


@dataclass(frozen=True)
class Recordings:
    path: Path
    digest: str
    by_model: dict[str, dict[Conversation, list[str]]]


def conversation_key(messages: list[Message]) -> Conversation:
    """What a recording is looked up by: the turns after any system prompt."""
    return tuple((m.role, m.content.strip()) for m in messages if m.role != "system")


def read_recordings(path: Path) -> Recordings:
    """The file's recordings, parsed once per process for as long as the file is unchanged: an audit of
    recorded answers names one file once per model, and a published benchmark's file is tens of MB."""
    try:
        stat = path.stat()
    except FileNotFoundError:
        raise InputError("file not found; expected recorded responses (JSONL)", path=path) from None
    key = (str(path.resolve()), stat.st_size, stat.st_mtime_ns)
    with _parsed_lock:
        if key not in _parsed:
            _parsed.clear()  # one file at a time is what audits use; never hold stale copies
            _parsed[key] = _read(path)
        return _parsed[key]


_parsed: dict[tuple[str, int, int], Recordings] = {}
_parsed_lock = threading.Lock()


def _read(path: Path) -> Recordings:
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise InputError("file not found; expected recorded responses (JSONL)", path=path) from None
    except IsADirectoryError:
        raise InputError("is a folder; expected recorded responses (JSONL)", path=path) from None
    by_model: dict[str, dict[Conversation, list[str]]] = {}
    for number, line in enumerate(raw.decode("utf-8", errors="replace").splitlines(), start=1):
        if not line.strip():
            continue
        model, conversation, response = _record(line, path, number)
        by_model.setdefault(model, {}).setdefault(conversation, []).append(response)
    return Recordings(path, hashlib.sha256(raw).hexdigest()[:16], by_model)


def _record(line: str, path: Path, number: int) -> tuple[str, Conversation, str]:
    try:
        record = json.loads(line)
    except json.JSONDecodeError as exc:
        raise InputError(f"not JSON: {exc.msg}", path=path, line=number, hint=FORMAT_HINT) from None
    if not isinstance(record, dict):
        raise InputError("not a JSON object", path=path, line=number, hint=FORMAT_HINT)
    model, response = record.get("model"), record.get("response")
    if not isinstance(model, str) or not model:
        raise InputError("no `model` name", path=path, line=number, hint=FORMAT_HINT)
    if not isinstance(response, str):
        raise InputError("no `response` text", path=path, line=number, hint=FORMAT_HINT)
    return model, _conversation(record, path, number), response


def _conversation(record: dict[str, Any], path: Path, number: int) -> Conversation:
    if isinstance(record.get("messages"), list):
        try:
            return conversation_key(as_messages(record["messages"]))
        except ValueError:
            raise InputError("`messages` is not a list of {role, content}", path=path, line=number) from None
    if isinstance(record.get("prompt"), str):
        return (("user", record["prompt"].strip()),)
    raise InputError("neither `prompt` nor `messages`", path=path, line=number, hint=FORMAT_HINT)


class ReplayModel(ChatModel):
    def __init__(self, config: ModelConfig, parsed: ParsedSpec) -> None:
        super().__init__(config)
        self.recorded_name = parsed.model
        self.recordings = read_recordings(Path(parsed.location or "").expanduser())
        if self.recorded_name not in self.recordings.by_model:
            known = ", ".join(sorted(self.recordings.by_model)) or "none"
            raise InputError(
                f"no responses of model {self.recorded_name!r}",
                path=self.recordings.path,
                hint=f"models recorded there: {known}",
            )
        self.answers = self.recordings.by_model[self.recorded_name]
        # Worked out once: every replayed call's store key holds it, and resolving the path took
        # 2.4 s of a 400-prompt rerun's 27,200 lookups.
        self._identity = {
            "backend": "replay",
            "file": str(self.recordings.path.resolve()),
            "content": self.recordings.digest,
            "model": self.recorded_name,
        }

    @property
    def identity(self) -> dict[str, Any]:
        return dict(self._identity)

    def prepare(self, messages: Any, config: GenerateConfig | None = None) -> tuple[list[Message], GenerateConfig]:
        """A recording does not depend on sampling, so no parameter reaches the key or the lookup."""
        msgs, _ = super().prepare(messages, config)
        return msgs, GenerateConfig()

    async def generate_prepared(
        self, messages: list[Message], config: GenerateConfig, sample_index: int = 0
    ) -> ChatOutput:
        found = self.answers.get(conversation_key(messages), [])
        if sample_index >= len(found):
            raise self._missing(messages, sample_index, len(found))
        return ChatOutput(
            choices=[Choice(text=found[sample_index], finish_reason="stop")], usage=Usage(), model=self.name
        )

    def _missing(self, messages: list[Message], sample_index: int, recorded: int) -> InputError:
        last = next((m.content for m in reversed(messages) if m.role == "user"), "")
        start = " ".join(last.split())[:60]
        what = f"sample {sample_index + 1} of" if recorded else "recording of"
        hint = (
            f"{recorded} recorded; record more samples, or ask for fewer (--samples 1, --no-ceiling)"
            if recorded
            else "record this prompt's response in the file, or leave the prompt out"
        )
        return InputError(
            f"{self.recorded_name!r} has no {what} the prompt {start!r}", path=self.recordings.path, hint=hint
        )
