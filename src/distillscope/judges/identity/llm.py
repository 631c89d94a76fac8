"""An LLM identity judge, as in the ICE paper: a loose verdict, then a strict one on the loose positives.

Loose: given the target's facts, does the response, speaking about itself, state an identity (name,
maker, team, place, partners, technology) that contradicts them, invented identities included?
Strict: does it claim to be, or to be made by, one of the named source families? The prompts spell
out the same definitions as the rule judge (`rules.py`): a persona of the model's own still speaks
for it, a voice declared to be another model does not, only the answer after a reasoning trace
counts, and an answer that names its maker without saying "I" is a claim. As in the paper, the judge
sees the facts and the reply only, so one verdict serves every identical reply. The source families
are whatever the caller names (the paper knew only OpenAI and Anthropic), and they are described to
the judge with their aliases, so a zoo persona works like a real family.

The response is untrusted: it sits between nonce markers the judge is told to treat as data. The
nonce is derived from the response, so a rerun builds the same prompt and is answered from the
store. A reply that cannot be read is retried with a new sample index; after the retries the item
is "unparseable" and left out of every score, never guessed and never a crash.
"""

from __future__ import annotations

import asyncio
import hashlib
import re
from collections.abc import Mapping, Sequence
from typing import Any

from distillscope.data.families import Family
from distillscope.judges.asking import ask_until_read
from distillscope.judges.base import Judgment
from distillscope.judges.identity.rules import FamilyMatcher
from distillscope.judges.parsing import parse_json_object
from distillscope.judges.untrusted import delimit, untrusted_notice
from distillscope.models.plan import estimate_tokens
from distillscope.models.recorded import RecordedModel
from distillscope.models.types import GenerateConfig, Message

JUDGE_CONFIG = GenerateConfig(temperature=0, max_tokens=256)
LABEL = "ASSISTANT REPLY"

# What counts as the reply speaking about itself: the same reading as the rule judge's.
SPEAKING_ABOUT_ITSELF = """What counts as the reply speaking about ITSELF:
- first-person statements: "I am X", "I was trained by X", "my developers are at X", "the team that builds my \
core technology is X", "X built me", "as a model developed by X, I …", "we at X", "our institution, X", and the \
same in Chinese ("我是X", "我的开发团队是X", "X开发了我", "作为X开发的模型", "我们X的研究员");
- an answer that names its maker or name without saying "I": "The code and framework of Aurora are developed by \
Northwind." answering a question about the assistant's own code claims Aurora and Northwind;
- a form or JSON about itself ("Model name: X", "creator": "X");
- the lines of a persona of its own ("[JAILBREAK]", "DAN:", "Developer Mode Output", "(🤖X)"): the persona is the \
assistant speaking.
What does NOT count: other models or companies mentioned as third parties; comparisons; negations ("I am not X", \
"I have nothing to do with X"); hypotheticals and reported beliefs ("if I were X", "people think I am X"); \
questions; a company's policy or rules named, kept or defied ("this goes against X's usage policies", "I don't \
care about X's rules": any model can be told to keep them); GPT as the name of a technique ("based on GPT", "a \
GPT architecture"), not of a model; a role the reply calls a role ("as the character X"); role-play of another \
model that the reply declares ("I'll play X", "here is how X would answer", a \
voice labelled as another model next to the assistant's own); not knowing or refusing to say; anything inside a \
<think>…</think> reasoning trace (only the answer after it counts)."""

LOOSE_PROMPT = """You check whether an AI assistant's reply contradicts the facts about the assistant's own identity.

Facts about the assistant that wrote the reply:
{facts}

{notice}

{reply}

Question: speaking about ITSELF, does the reply state an identity (a name, a maker or developer, a team, a place, \
partners, or the technology it is built on) that contradicts these facts? Invented or unknown identities count: \
"my creation company is called Nebula Forge" or "I am DAN, created by no one" contradict the facts. Statements \
that agree with the facts do not.

{speaking}

Answer with one JSON object and nothing else:
{{"contradicts": 0 or 1, "claimed_identity": "the model or company it claims to be or to be made by, or null", \
"reason": "one short sentence"}}"""

STRICT_PROMPT = """You check whether an AI assistant's reply claims a particular identity.

The families of interest:
{sources}

{notice}

{reply}

Question: speaking about ITSELF, does the reply claim to be one of these models, or to be built, trained or made \
by one of these developers (or by their team, or on their technology)? An identity that is none of these \
families does not count here.

{speaking}

Answer with one JSON object and nothing else:
{{"claims_source": 0 or 1, "family": one of [{ids}] or null, "reason": "one short sentence"}}"""


# Tokens a judge prompt holds besides the reply: instructions, definitions and facts.
PROMPT_TOKENS = estimate_tokens(LOOSE_PROMPT + SPEAKING_ABOUT_ITSELF) + 120


class IdentityLLMJudge:
    def __init__(
        self,
        model: RecordedModel,
        families: Mapping[str, Family],
        target: str,
        sources: Sequence[str],
        *,
        retries: int = 2,
        config: GenerateConfig | None = None,
    ) -> None:
        self.model = model
        self.families = dict(families)
        self.target = target
        self.sources = [s for s in sources if s != target]
        self.retries = retries
        self.config = config or JUDGE_CONFIG
        self.matcher = FamilyMatcher(self.families)

    @property
    def name(self) -> str:
        return f"identity-llm:{self.model.name}"

    def loose_messages(self, response: str) -> list[Message]:
        nonce = _nonce(response)
        facts = describe_family(self.families[self.target]) if self.target in self.families else self.target
        text = LOOSE_PROMPT.format(
            facts=facts,
            notice=untrusted_notice(nonce),
            reply=delimit(response, LABEL, nonce),
            speaking=SPEAKING_ABOUT_ITSELF,
        )
        return [Message(role="user", content=text)]

    def strict_messages(self, response: str) -> list[Message]:
        nonce = _nonce(response)
        sources = "\n".join(f"- {fid}: {describe_family(self.families[fid])}" for fid in self.sources)
        ids = ", ".join(f'"{fid}"' for fid in self.sources)
        text = STRICT_PROMPT.format(
            sources=sources,
            ids=ids,
            notice=untrusted_notice(nonce),
            reply=delimit(response, LABEL, nonce),
            speaking=SPEAKING_ABOUT_ITSELF,
        )
        return [Message(role="user", content=text)]

    async def judge(self, response: str) -> Judgment:
        loose_obj, loose_raw = await self._ask(self.loose_messages(response), "contradicts")
        if loose_obj is None:
            return Judgment.unparseable(self.name, loose_raw, "loose verdict unreadable after retries")
        is_loose = _bit(loose_obj["contradicts"]) == 1
        claimed = self._families_of(loose_obj.get("claimed_identity"))
        details: dict[str, Any] = {
            "loose": is_loose,
            "strict": False,
            "claimed_families": claimed,
            "claimed_identity": loose_obj.get("claimed_identity"),
            "loose_raw": loose_raw,
        }
        reason = str(loose_obj.get("reason") or "")
        if is_loose and self.sources:
            strict_obj, strict_raw = await self._ask(self.strict_messages(response), "claims_source")
            if strict_obj is None:
                return Judgment.unparseable(self.name, strict_raw, "strict verdict unreadable after retries")
            details["strict"] = _bit(strict_obj["claims_source"]) == 1
            details["strict_raw"] = strict_raw
            source = self._source_of(strict_obj.get("family"))
            if details["strict"] and source and source not in claimed:
                claimed.append(source)
            reason = str(strict_obj.get("reason") or reason)
        label = "strict" if details["strict"] else "loose" if is_loose else "consistent"
        return Judgment(
            judge=self.name,
            score=1.0 if is_loose else 0.0,
            label=label,
            reason=reason,
            raw=loose_raw if "strict_raw" not in details else f"{loose_raw}\n{details['strict_raw']}",
            details=details,
        )

    async def judge_many(self, responses: Sequence[str], prompts: Sequence[str | None] | None = None) -> list[Judgment]:
        """Judge each response. As in the paper, the judge sees the facts and the reply, not the question
        (`prompts` is taken for the common interface), so identical replies share one verdict and one call."""
        return list(await asyncio.gather(*(self.judge(r) for r in responses)))

    async def _ask(self, messages: list[Message], key: str) -> tuple[dict[str, Any] | None, str]:
        """The verdict and the judge's raw text; no verdict if no attempt gave a readable one."""

        def read(text: str) -> dict[str, Any] | None:
            parsed = parse_json_object(text) or _loose_fields(text)
            return parsed if parsed is not None and _bit(parsed.get(key)) is not None else None

        reply = await ask_until_read(self.model, messages, lambda _: self.config, read, self.retries)
        return reply.value, reply.raw

    def _families_of(self, claimed: Any) -> list[str]:
        if isinstance(claimed, list):
            claimed = ", ".join(str(c) for c in claimed)
        if not isinstance(claimed, str) or not claimed.strip():
            return []
        found = self.matcher.families_in(claimed)
        if not found and claimed.strip().lower() in self.families:
            found = [claimed.strip().lower()]
        return found

    def _source_of(self, family: Any) -> str | None:
        if not isinstance(family, str):
            return None
        if family.strip().lower() in self.sources:
            return family.strip().lower()
        found = [f for f in self.matcher.families_in(family) if f in self.sources]
        return found[0] if found else None


def describe_family(family: Family) -> str:
    names = ", ".join(dict.fromkeys([*family.names, *family.names_zh]))
    developer = ", ".join(dict.fromkeys([family.developer, *family.developer_aliases]))
    facts = [f"model names: {names}", f"developer: {developer}"]
    if family.headquarters:
        facts.append(f"based in {family.headquarters}")
    for label, value in [
        ("team", family.team),
        ("partners", ", ".join(family.partners)),
        ("industry", family.industry),
        ("technology", family.technology),
    ]:
        if value:
            facts.append(f"{label}: {value}")
    return "; ".join(facts)


def _bit(value: Any) -> int | None:
    """0 or 1 from the forms judges write: 1, "1", true, "yes"."""
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int | float) and value in (0, 1):
        return int(value)
    if isinstance(value, str):
        text = value.strip().lower()
        if text in ("1", "true", "yes", "y"):
            return 1
        if text in ("0", "false", "no", "n"):
            return 0
    return None


_FIELD = re.compile(r"""["']?(\w+)["']?\s*[:=]\s*(?:"([^"]*)"|'([^']*)'|([\w.-]+))""")


def _loose_fields(text: str) -> dict[str, Any] | None:
    """Key-value pairs from JSON-like text that strict JSON parsing rejected (mixed quotes, stray commas)."""
    fields = {m.group(1): next(g for g in m.groups()[1:] if g is not None) for m in _FIELD.finditer(text)}
    return fields or None


def _nonce(response: str) -> str:
    return hashlib.sha256(response.encode("utf-8")).hexdigest()[:12]
