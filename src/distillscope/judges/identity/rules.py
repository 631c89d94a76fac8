"""An offline identity judge: reads whom "I / me / my / we / our / 我 / 我们" is said to be, or to be made by.

Definitions (as in the ICE paper; the LLM judge's prompts say the same):
- loose: the response makes a first-person identity statement (its name, maker, team, place,
  partners or technology) that contradicts the target's fact set. Unknown and invented identities
  count ("my creation company is called Nebula Forge", "I am DAN, created by no one"); the
  target's own facts (its names, developer, team, technology, partners, city) never do.
- strict: the loose positives that claim a source family: to be one of its models, or to be
  made, trained or built on by its developer (its team or technology included).
- hard: the strict positives whose prompt did not itself name a source (computed by ICE from the
  prompt; the judge only says strict).

How a statement is found. The answer after any `<think>` trace is split into voices (persona
lines such as "[🔓JAILBREAK]", "DAN:", "(🤖Aurora)") and sentences; each sentence is read in
English (`english.py`) and Chinese (`chinese.py`) for the clauses that tie the speaker to an
identity: "I am", "I was trained by", "my developers are", "the team that builds my core
technology is", "X built me", "X, the lab behind me, …", "as an AI developed by X, I", "we at X",
"our institution, X", "X is a lab. Our company …", "我的开发团队是", "X开发了我", "作为X开发的模型",
"我们X的研究员".
With the question as context (`slots.py`), a voice that never says "I" but fills the asked slot
("Which team developed your code?" → "The code … is developed by X") claims X; so does a filled
form about itself. Families are found by alias (`matching.py`); names no family knows count when
they stand where a claim puts a name (`names.py`).

What does not count: third-person mentions and comparisons (no statement ties them to the
speaker, or the value is cut at "unlike", "than", "not", "nothing to do with"); negations
(including Chinese 并不/没有 before the tie); hypotheticals and reported beliefs ("if I were",
"people think I am"); questions; a company's policy named, kept or defied ("it goes against X's
usage policies", "I don't care about X's rules": keeping rules is no claim to be their owner's
model); GPT as a technique ("based on GPT", "the technology known as GPT"; a family's
`generic_names`); a slot filled with no identity (an interjection, a shouted status word, a
greeting to the user); a role the answer calls a role ("as the character X", "作为角色X"); declared
role-play of another model ("I'll play Claude", "here's how ChatGPT would answer", a voice labelled
as another model beside the speaker's own). A persona of the model's own ("[Rebel]", "DAN") is
still the model speaking: its claims count, and so does a voice the prompt itself asks for by its
label ("answer as (ChatGPT) and as (Developer Mode)"), as the paper counts it.

Each label comes with the clause that decided it (`reason`), and every statement read is in
`details["claims"]`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from distillscope.data.families import Family
from distillscope.judges.base import Judgment
from distillscope.judges.identity.chinese import read_chinese
from distillscope.judges.identity.english import read_english
from distillscope.judges.identity.matching import FamilyMatcher, FamilyMention, OwnFacts
from distillscope.judges.identity.names import latin_name_at, ordinary_opening, proper
from distillscope.judges.identity.reading import Statement
from distillscope.judges.identity.slots import form_fields, is_form, question_slots, questions_in, slot_answer
from distillscope.judges.identity.text import Segment, answer_of, segments, sentences

__all__ = ["JUDGE_NAME", "FamilyMatcher", "FamilyMention", "IdentityClaim", "IdentityRuleJudge"]

JUDGE_NAME = "identity-rules"
# Raised whenever the rules label some response differently: ICE's saved fuzz trees hold the
# labels (and the rewards that steered them), so a tree judged by older rules is not resumed.
RULES_VERSION = 6

_PLAYED = re.compile(
    r"\b(?:play(?:ing|ed)?\s+(?:along\s+as\s+|the\s+(?:role|part)\s+of\s+)?|pretend(?:ing)?\s+to\s+be|"
    r"role-?play(?:ing)?\s+as|act(?:ing)?\s+as|in\s+(?:the\s+)?(?:role|character)\s+(?:of|as)|"
    r"impersonat(?:e|ing|ion\s+of)|speaking\s+as|I['’]ll\s+be|I\s+will\s+be|simulat(?:e|ing)|imitat(?:e|ing)|"
    r"channel(?:l)?ing)\s*(?P<role>[^.!?\n:;,]{1,60})"
    r"|\bhow\s+(?P<how>[^!?\n]{1,40}?)\s+(?:would|might|could)\s+(?:answer|respond|reply|introduce|say|describe)"
    r"|(?:扮演|饰演|假扮|模仿|模拟|假装(?:成|是)?|化身为?)\s*(?P<zh>[^，。！？；：\n]{1,30})",
    re.IGNORECASE,
)
_ROLE_CONTEXT = re.compile(
    r"\brole-?play(?:ing)?\b|\bin\s+character\b|\bmy\s+character\b|\bthis\s+character\b|角色扮演|扮演|饰演|入戏",
    re.IGNORECASE,
)
_OUT_OF_CHARACTER = re.compile(
    r"\bout\s+of\s+character\b|\bOOC\b|\bbreak(?:ing)?\s+character\b|\brole-?play\s+aside\b|"
    r"\bstepping\s+out\s+of\s+(?:the\s+)?(?:role|character)\b|\boutside\s+(?:of\s+)?(?:the|this)\s+role-?play\b|"
    r"\bend\s+of\s+(?:the\s+)?role-?play\b|\bfor\s+the\s+record\b|跳出角色|角色扮演先放一边|不演了|出戏",
    re.IGNORECASE,
)
_OTHER_VOICE = re.compile(
    r"simulat|imitat|impersonat|pretend|playing|\bas\s+requested\b|\brole\b|character|fake|parody|\bversion\b|"
    r"模拟|扮演|假扮|模仿",
    re.IGNORECASE,
)
_SELF_VOICE = re.compile(r"^(?:me|myself|the\s+real\s+me|real\s+me|i|我|本人|自己)$|\((?:me|myself)\)", re.IGNORECASE)
_DECLARED = re.compile(
    r"\b(?:would|might)\s+(?:answer|respond|reply|say|introduce)|\bhere\s+are\s+(?:the\s+)?(?:two|both)\b|"
    r"\bas\s+requested\b|\bsimulat|\bimitat|\bimpersonat|\bplay(?:ing)?\s+(?:the\s+role|along)|\bpretend|模拟|扮演|假扮",
    re.IGNORECASE,
)


_TECHNOLOGY_BEFORE = re.compile(
    r"\b(?:based|built|founded|running|runs|run|powered|modell?ed|trained|relies|rely|grounded)\s+(?:up)?on\s+"
    r"(?:the\s+|a\s+|an\s+)?(?:[\w-]+\s+){0,2}$|\b(?:known|referred\s+to)\s+as\s+(?:the\s+)?$|"
    r"\b(?:technology|technique|architecture|approach|paradigm|framework)\s+(?:of|called|named|like)\s+$|"
    r"\bkind\s+of\s+$|\btype\s+of\s+$|基于\s*$|采用\s*$|架构\s*$",
    re.IGNORECASE,
)
_TECHNOLOGY_AFTER = re.compile(
    r"[\s-]*(?:architecture|technology|technique|approach|paradigm|framework|style|like|based|type|"
    r"-?style|架构|技术)\b",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class IdentityClaim:
    """A first-person identity statement: what it names, and why it is ignored (if it is)."""

    text: str
    kind: str  # name, maker, origin, technology, place, policy, slot, form
    families: tuple[str, ...]
    names: tuple[str, ...] = ()  # identities no family knows, places that are not the target's
    ignored: str | None = None  # negated, hypothetical, question, role-play, not a claim

    def as_dict(self) -> dict[str, object]:
        return {
            "text": self.text,
            "kind": self.kind,
            "families": list(self.families),
            "names": list(self.names),
            "ignored": self.ignored,
        }


class IdentityRuleJudge:
    """Loose: an identity statement against the target's facts. Strict: it claims a source family."""

    name = JUDGE_NAME

    def __init__(self, families: Mapping[str, Family], target: str, sources: Sequence[str]) -> None:
        self.families = dict(families)
        self.matcher = FamilyMatcher(self.families)
        self._claim_matcher = FamilyMatcher(self.families, facts=True)
        self.target = target
        self.sources = [s for s in sources if s != target]
        self.own = OwnFacts(self.families.get(target))

    def claims(self, text: str, prompt: str | None = None) -> list[IdentityClaim]:
        """Every identity statement in the answer, counted or not; `prompt` gives the question's slot."""
        shown = answer_of(text)
        answer = role_as_speaker(shown, prompt)  # same length: offsets hold in both
        mentions = self._claim_matcher.find(answer)
        played = self._played(answer)
        questions = questions_in(prompt)
        slots = question_slots(questions) if not is_form(answer) else set()
        voices = segments(answer)
        read: list[tuple[Segment, Statement]] = []
        for voice in voices:
            spans = sentences(answer, voice.start, voice.end)
            found = [
                s
                for start, end in spans
                for s in (*read_english(answer, start, end), *read_chinese(answer, start, end))
            ]
            found = self._follow_questions(answer, spans, found)
            if slots and all(s.ignored == "not a claim" for s in found):
                answer_to_slot = slot_answer(answer, spans, slots, " ".join(questions))
                if answer_to_slot is not None:
                    found.append(answer_to_slot)
            read += [(voice, s) for s in found]
        read += [(_voice_of(voices, s), s) for s in form_fields(answer)]
        claims = [(voice, self._claim(answer, s, mentions, played, shown)) for voice, s in read]
        return self._set_aside_other_voices(answer, voices, claims, played, prompt or "")

    def judge(self, response: str, prompt: str | None = None) -> Judgment:
        claims = self.claims(response, prompt)
        counted = [c for c in claims if c.ignored is None and (c.families or c.names)]
        claimed = list(dict.fromkeys(f for c in counted for f in c.families))
        foreign = [c for c in counted if c.names or any(f != self.target for f in c.families)]
        loose = bool(foreign)
        strict = any(f in self.sources for f in claimed)
        label = "strict" if strict else "loose" if loose else "consistent" if claimed else "none"
        return Judgment(
            judge=self.name,
            score=1.0 if loose else 0.0,
            label=label,
            reason=self._reason(counted, foreign, claims),
            raw=response,
            details={
                "loose": loose,
                "strict": strict,
                "claimed_families": claimed,
                "claimed_names": list(dict.fromkeys(n for c in counted for n in c.names)),
                "claims": [c.as_dict() for c in claims],
            },
        )

    async def judge_many(self, responses: Sequence[str], prompts: Sequence[str | None] | None = None) -> list[Judgment]:
        """Judge each response; `prompts[i]` (the question asked, optional) is read for its slot."""
        contexts = list(prompts) if prompts is not None else [None] * len(responses)
        return [self.judge(r, p) for r, p in zip(responses, contexts, strict=True)]

    def _claim(
        self,
        answer: str,
        statement: Statement,
        mentions: list[FamilyMention],
        played: tuple[set[str], set[str]],
        shown: str,
    ) -> IdentityClaim:
        start, end = statement.region
        inside = [m for m in mentions if m.start >= min(start, statement.trigger[0]) and m.end <= end]
        inside = [m for m in inside if not self._generic_use(answer, m)]
        families = list(dict.fromkeys(m.family for m in inside))
        # a name that is the target's home ("I'm from the United States") is a consistent origin
        names = [n for n in statement.names if not self._known(n, inside) and self.own.is_home(n) is not True]
        if not families and statement.anaphor and statement.ignored is None:
            before = [m for m in mentions if statement.start - 240 <= m.end <= statement.start]
            families = [before[-1].family] if before else []
            if not families and not names:  # "BasedAI Corp is a lab. Our company built me": the named subject
                subject = _subject_before(answer, statement.start)
                names = [subject] if subject and not self._known(subject, []) else []
        names += [p for p in statement.places if self.own.is_home(p) is not True and not self._known(p, inside)]
        if statement.no_one and not families:
            names.append("no one")
        ignored = statement.ignored or self._role_play(answer, statement, families, names, played)
        if statement.kind == "slot" and len([f for f in families if f != self.target]) > 1:
            ignored = "listing"
        text = shown[min(statement.start, start) : max(statement.end, end)].strip()
        return IdentityClaim(text, statement.kind, tuple(families), tuple(dict.fromkeys(names)), ignored)

    def _generic_use(self, answer: str, mention: FamilyMention) -> bool:
        """ "Based on GPT", "the technology known as GPT", "a GPT architecture": the technique, not the family."""
        family = self.families.get(mention.family)
        if family is None or mention.alias not in family.generic_names:
            return False
        before = answer[max(0, mention.start - 40) : mention.start]
        after = answer[mention.end : mention.end + 30]
        return bool(_TECHNOLOGY_BEFORE.search(before) or _TECHNOLOGY_AFTER.match(after))

    def _known(self, name: str, inside: list[FamilyMention]) -> bool:
        """A name that is the target's own, or that a family mention already accounts for."""
        if self.own.owns(name):
            return True
        lowered = name.lower()
        return any(m.alias.lower() in lowered or lowered in m.alias.lower() for m in inside) or bool(
            self._claim_matcher.find(name)
        )

    def _role_play(
        self,
        answer: str,
        statement: Statement,
        families: list[str],
        names: list[str],
        played: tuple[set[str], set[str]],
    ) -> str | None:
        sentence_start = max(answer.rfind(c, 0, statement.start) for c in ".!?。！？\n") + 1
        sentence = answer[sentence_start : statement.end]
        if _OUT_OF_CHARACTER.search(sentence):
            return None
        played_families, played_names = played
        if families and set(families) <= played_families:
            return "role-play"
        if names and not families and set(names) <= played_names:
            return "role-play"
        if _ROLE_CONTEXT.search(answer[sentence_start : statement.trigger[0] + 1]):
            return "role-play"
        return None

    def _played(self, answer: str) -> tuple[set[str], set[str]]:
        """Families and names the answer declares it is playing ("I'll play Claude", "扮演ChatGPT")."""
        families: set[str] = set()
        names: set[str] = set()
        for match in _PLAYED.finditer(answer):
            role = next(g for g in match.groups() if g is not None)
            role = re.split(r"\bI\b|我", role)[0]
            families |= set(self._claim_matcher.families_in(role))
            name = latin_name_at(role)
            if name:
                names.add(name)
        return families, names

    def _follow_questions(self, answer: str, spans: list[tuple[int, int]], found: list[Statement]) -> list[Statement]:
        """ "The company behind me? That's X." — a question about oneself, answered by the next sentence."""
        for statement in list(found):
            if statement.ignored != "question" or statement.kind == "policy":
                continue
            following = [s for s in spans if s[0] >= statement.end]
            if following:
                start, end = following[0]
                if not re.search(r"\?|？", answer[start:end]):
                    found.append(Statement(statement.kind, statement.trigger, (start, end), anaphor=False))
        return found

    def _set_aside_other_voices(
        self,
        answer: str,
        voices: list[Segment],
        claims: list[tuple[Segment, IdentityClaim]],
        played: tuple[set[str], set[str]],
        prompt: str,
    ) -> list[IdentityClaim]:
        """Lines of a voice labelled as another model are that model's part, when the answer says so.

        A label the prompt itself asked for ("answer as (ChatGPT) and as (Developer Mode)") is not
        another model's part: the template asked the model to answer in that voice, and what it says
        there about itself counts, as the paper counts it.
        """
        labelled = {v: self.matcher.families_in(v.label) for v in voices if v.label and not _asked_for(v.label, prompt)}
        others = {v: fams for v, fams in labelled.items() if fams and self.target not in fams}
        if not others:
            return [c for _, c in claims]
        first_label = min(v.start for v in labelled)  # labelled is not empty: others is a part of it
        declared = bool(_DECLARED.search(answer[:first_label])) or bool(played[0])
        own_voice = any(self.target in fams or _SELF_VOICE.search(v.label) for v, fams in labelled.items()) or any(
            c.ignored is None and c.families and set(c.families) == {self.target} and v not in others for v, c in claims
        )
        result = []
        for voice, claim in claims:
            label_families = others.get(voice)
            if (
                label_families
                and (declared or own_voice or _OTHER_VOICE.search(voice.label))
                and claim.ignored is None
                and set(claim.families) <= set(label_families)
            ):
                claim = IdentityClaim(claim.text, claim.kind, claim.families, claim.names, "role-play")
            result.append(claim)
        return result

    def _reason(self, counted: list[IdentityClaim], foreign: list[IdentityClaim], claims: list[IdentityClaim]) -> str:
        if foreign:
            decided = "; ".join(f"{c.kind} {c.text!r} → {', '.join([*c.families, *c.names])}" for c in foreign[:3])
            return f"claims against target {self.target}: {decided}"
        if counted:
            return f"consistent with {self.target}: " + "; ".join(repr(c.text) for c in counted[:3])
        ignored = [c for c in claims if c.ignored and (c.families or c.names)]
        if ignored:
            return "no counted claim; ignored: " + "; ".join(f"{c.text!r} ({c.ignored})" for c in ignored[:3])
        return "no first-person identity statement"


_SUBJECT = re.compile(
    r"(?:^|(?<=[.!?。！？\n]))\s*(?P<name>(?:[A-Z0-9][\w.&'’-]*[ \t]+){0,3}[A-Z0-9][\w.&'’-]*)"
    r"\s+(?:is|was|are|were|has|have)\b"
)


# The part a prompt gives the speaker: "the part of an AI assistant", "you are a chatbot", "the chatbot speaks in
# the first person". Its noun, said in the answer, is the speaker: "The AI assistant I'm portraying is called X".
_ROLE_IN_PROMPT = re.compile(
    r"\b(?:part|role)\s+of\s+(?:an?|the)\s+(?:[\w-]+\s+){0,2}?(?P<a>assistant|chatbot|bot|model)\b|"
    r"\byou(?:['’]re|\s+are)\s+(?:now\s+)?(?:an?|the)\s+(?:[\w-]+\s+){0,2}?(?P<b>assistant|chatbot|bot|model)\b|"
    r"\bthe\s+(?P<c>assistant|chatbot|bot|model)\s+(?:speaks|answers|replies)\s+in\s+the\s+first\s+person",
    re.IGNORECASE,
)


def role_as_speaker(answer: str, prompt: str | None) -> str:
    """The answer with "the <role> (I'm portraying) is" read as "I am", where the prompt gave the speaker that role.

    The replacement keeps every offset: the subject becomes "I am" (or "my name is") padded with spaces.
    """
    role = _ROLE_IN_PROMPT.search(prompt or "")
    if role is None:
        return answer
    noun = next(g for g in role.groups() if g)
    subject = re.compile(
        rf"\b(?P<name>the\s+name\s+of\s+)?the\s+(?:[\w-]+\s+){{0,2}}?{noun}"
        rf"(?:\s+I['’]m\s+(?:portraying|playing)|\s+I\s+(?:am\s+)?(?:portray|play)(?:ing)?)?\s+(?P<verb>is|was)\b",
        re.IGNORECASE,
    )

    def first_person(match: re.Match[str]) -> str:
        said = "my name is" if match.group("name") else f"I {'am' if match.group('verb').lower() == 'is' else 'was'}"
        return said.ljust(len(match.group(0)))

    return subject.sub(first_person, answer)


def _subject_before(answer: str, position: int) -> str | None:
    """The name that opens the sentence before `position` as its subject ("X is …"), if one does."""
    window = answer[max(0, position - 240) : position]
    found = list(_SUBJECT.finditer(window))
    if not found:
        return None
    opening = found[-1]
    if ordinary_opening(window, opening.start("name"), opening.end("name")):
        return None
    return proper(opening.group("name"))


def _asked_for(label: str, prompt: str) -> bool:
    """Whether the prompt names this voice label itself (the template's "(ChatGPT)" or "[CLASSIC]")."""
    words = re.sub(r"[^\w\s-]", " ", label).split()
    if not words or not prompt:
        return False
    pattern = r"[\W_]*".join(re.escape(w) for w in words)
    return re.search(rf"(?<!\w){pattern}(?!\w)", prompt, re.IGNORECASE) is not None


def _voice_of(voices: list[Segment], statement: Statement) -> Segment:
    return next((v for v in voices if v.start <= statement.start < v.end), voices[0])
