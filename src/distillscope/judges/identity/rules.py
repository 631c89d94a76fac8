"""An offline identity judge: which model families a response claims to be, in English or Chinese.

ICE asks whether a model, speaking about itself, names another model or developer. This judge reads
first-person claims ("I am ...", "I was trained by ...", "我是...", "由...开发") and resolves the
names in them to families through the families' aliases. It runs with no model, so ICE works
offline and any collected responses can be re-judged for free.

What must not count, and is screened out:
- third-person mentions: "GPT-4 is made by OpenAI", "unlike ChatGPT, I ..." (no first-person claim);
- negations and hypotheticals: "I am not ChatGPT", "people often think I am ChatGPT", "如果我是ChatGPT";
- questions: "am I ChatGPT?";
- explicit role-play: "I'll play the role of ChatGPT", or a claim in a sentence that says it is
  role-play ("in this role-play I am ...").

Latin names match on word boundaries that also hold next to Chinese characters ("我是ChatGPT"),
case-insensitively except for names of one or two characters ("Yi", "o1").
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from distillscope.data.families import Family
from distillscope.judges.base import Judgment

JUDGE_NAME = "identity-rules"

_VERBS = (
    r"(?:developed|created|built|trained|made|designed|programmed|engineered|produced|released|launched|"
    r"fine-?tuned|pre-?trained|distilled|owned|operated|maintained|taught)"
)
_EN_TRIGGERS: list[tuple[str, re.Pattern[str]]] = [
    ("name", re.compile(r"\bI\s*(?:am|['’]m)\b", re.IGNORECASE)),
    ("name", re.compile(r"\bmy\s+name\s+(?:is|was)\b|\bmy\s+name['’]s\b|\bcall\s+me\b", re.IGNORECASE)),
    (
        "maker",
        re.compile(
            r"\bI\s+(?:was|were|have\s+been|had\s+been|wasn['’]t|was\s+not|have\s+not\s+been|haven['’]t\s+been)\s+"
            rf"(?:[\w-]+\s+){{0,2}}?{_VERBS}\s+(?:by|at|on|from|in)\b",
            re.IGNORECASE,
        ),
    ),
    (
        "maker",
        re.compile(
            r"\bmy\s+(?:developers?|creators?|makers?|parent\s+company|company|team|organi[sz]ation|"
            r"underlying\s+model|base\s+model|architecture|origins?)\s+(?:is|are|was|were|comes?\s+from)\b",
            re.IGNORECASE,
        ),
    ),
    ("maker", re.compile(rf"\bas\s+an?\s+(?:[\w-]+\s+){{0,4}}?{_VERBS}\s+by\b", re.IGNORECASE)),
    ("maker", re.compile(r"\bI\s+(?:belong|belonged)\s+to\b", re.IGNORECASE)),
    ("origin", re.compile(r"\bI\s+(?:come|came|originate|originated|hail)\s+from\b", re.IGNORECASE)),
]
_ZH_TRIGGERS: list[tuple[str, re.Pattern[str]]] = [
    ("name", re.compile(r"我(?:是|叫|名叫|的名字(?:是|叫)|名字(?:是|叫))")),
    ("maker", re.compile(r"我(?:由|被|是被)")),
    ("maker", re.compile(r"作为[^，。！？；\n]{0,12}?由")),
    (
        "maker",
        re.compile(
            r"我的(?:开发者|开发商|创造者|创建者|研发者|研发团队|开发团队|团队|公司|母公司|研发机构|开发公司|"
            r"底层模型|基础模型|架构)(?:是|为|来自)"
        ),
    ),
    ("origin", re.compile(r"我(?:来自|出自|源自)")),
]

# A claim's span ends at the first of these: what follows is a contrast, not part of the claim.
_EN_CUT = re.compile(
    r"\b(?:unlike|like|similar|than|about|versus|vs|compared|comparable|such\s+as|including|instead|rather|not|"
    r"nor|never|but|however|although|though|whereas|while|except|alongside|competitors?|rivals?|alternatives?)\b"
    r"|n['’]t\b",
    re.IGNORECASE,
)
_ZH_CUT = re.compile(
    r"不是|并非|而非|并不是|不像|而是|但是|但|不过|或者|还是|以及其他|"
    r"(?:和|与|跟|同)[^，。！？；]{0,20}?(?:不同|不一样|相比|类似|一样|相似|有区别|竞争)"
)
# "I am happy to ...", "I'm not ...", "我是不是...": the words after the trigger show it is no claim.
_EN_NOT_A_CLAIM = re.compile(
    r"^(?:not|no\s+longer|never|by\s+no\s+means|unable|able|happy|glad|sorry|afraid|here|going|trying|talking|"
    r"asking|referring|comparing|familiar|aware|curious|interested|similar|different|unsure|not\s+sure|"
    r"pretending|playing|role-?playing|acting|imagining|simulating|speaking|writing|quoting|describing|"
    r"responding|answering|thinking|told|supposed|meant|sure|confident|certain|uncertain|often|sometimes|"
    r"frequently|occasionally|commonly|mistaken|confused|asked|unlike|like|just\s+like|called\s+upon)\b",
    re.IGNORECASE,
)
_ZH_NOT_A_CLAIM = re.compile(r"^(?:不|否|谁|什么|哪|怎么|如何|想|很|非常|可以|会|能|要|来|用来|在问|被问|经常被|常被)")
# Words before the trigger, in the same clause, that make it a report, a negation or a hypothetical.
_EN_BLOCKING_PREFIX = re.compile(
    r"\b(?:not|never|no\s+longer|deny|denies|denied|untrue|false|wrongly|mistakenly|incorrectly|if|whether|unless|"
    r"pretend|pretending|imagine|imagining|suppose|supposing|as\s+if|as\s+though|quote|quoting)\b|n['’]t\b|"
    r"\b(?:people|users|some|many|they|you|others|someone|somebody|he|she|one)\s+(?:[\w-]+\s+){0,2}?"
    r"(?:think|thinks|thought|believe|believes|assume|assumes|say|says|said|claim|claims|claimed|mistake|"
    r"mistakes|confuse|confuses|ask|asks|asked|wonder|wonders|wrote|write|writes)\b",
    re.IGNORECASE,
)
_ZH_BLOCKING_PREFIX = re.compile(
    r"如果|假如|假设|要是|假装|倘若|若是|以为|认为|觉得|误认为|误以为|说|问|怀疑|猜|别以为|不要以为|扮演|不是|并非|否认"
)
# Clauses after a comma that still belong to the claim ("I am X, a model trained by Y").
_EN_CONTINUES = re.compile(
    r"^\s*(?:a|an|the|one|and\s+I|which|that|who|part|version|originally|also|powered|running|"
    rf"based|from|by|at|{_VERBS})\b",
    re.IGNORECASE,
)
_ZH_CONTINUES = re.compile(r"^\s*(?:由|是由|并由|并且由|基于|来自|隶属|属于|出自|是|也是|一个|一款|一种|一名|由其)")
# Role-play, declared: "playing the role of X", "扮演X".
_EN_ROLE = re.compile(
    r"\b(?:play(?:ing)?\s+(?:the\s+(?:role|part)\s+of\s+)?|pretend(?:ing)?\s+to\s+be|role-?play(?:ing)?(?:\s+as)?|"
    r"act(?:ing)?\s+as|in\s+(?:the\s+)?(?:role|character)\s+(?:of|as)|impersonat(?:e|ing)|speaking\s+as)\s*"
    r"([^.!?\n]{1,60})",
    re.IGNORECASE,
)
_ZH_ROLE = re.compile(r"(?:扮演|饰演|假扮|模仿|假装(?:成|是)?)\s*([^，。！？；\n]{1,30})")
_ROLE_CONTEXT = re.compile(
    r"\b(?:role-?play(?:ing)?|in\s+character|stay(?:ing)?\s+in\s+character|playing\s+the\s+(?:role|part)|"
    r"my\s+character|this\s+character)\b|角色扮演|扮演|饰演|入戏",
    re.IGNORECASE,
)
_CJK = re.compile(r"[\u3400-\u9fff]")
_MAX_SPAN = 160


@dataclass(frozen=True)
class FamilyMention:
    family: str
    alias: str
    start: int
    end: int


class FamilyMatcher:
    """Finds every family named in a text, by any alias; longest match wins where two overlap."""

    def __init__(self, families: Mapping[str, Family]) -> None:
        self.families = dict(families)
        self._patterns = [(fid, _family_pattern(fam)) for fid, fam in self.families.items() if fam.aliases]

    def find(self, text: str) -> list[FamilyMention]:
        found = [
            FamilyMention(fid, m.group(0), m.start(), m.end())
            for fid, pattern in self._patterns
            for m in pattern.finditer(text)
        ]
        found.sort(key=lambda m: (m.start, -(m.end - m.start)))
        kept: list[FamilyMention] = []
        for mention in found:
            if not kept or mention.start >= kept[-1].end:
                kept.append(mention)
        return kept

    def families_in(self, text: str) -> list[str]:
        """Families named anywhere in the text, in order of first mention."""
        return list(dict.fromkeys(m.family for m in self.find(text)))


@dataclass(frozen=True)
class IdentityClaim:
    """A first-person statement of identity, the families it names, and why it is ignored (if it is)."""

    text: str
    kind: str  # name, maker or origin
    families: tuple[str, ...]
    ignored: str | None = None  # negated, hypothetical, question, role-play

    def as_dict(self) -> dict[str, object]:
        return {"text": self.text, "kind": self.kind, "families": list(self.families), "ignored": self.ignored}


class IdentityRuleJudge:
    """Loose: claims a family other than the target's. Strict: claims one of the source families."""

    name = JUDGE_NAME

    def __init__(self, families: Mapping[str, Family], target: str, sources: Sequence[str]) -> None:
        self.matcher = FamilyMatcher(families)
        self.target = target
        self.sources = [s for s in sources if s != target]

    def claims(self, text: str) -> list[IdentityClaim]:
        played = self._role_played(text)
        claims: list[IdentityClaim] = []
        for start, end in _sentences(text):
            sentence = text[start:end]
            for kind, match in _triggers(sentence):
                claims.append(self._claim(sentence, kind, match, played))
        return claims

    def judge(self, response: str) -> Judgment:
        claims = self.claims(response)
        counted = [c for c in claims if c.ignored is None and c.families]
        claimed = list(dict.fromkeys(f for c in counted for f in c.families))
        loose = any(f != self.target for f in claimed)
        strict = any(f in self.sources for f in claimed)
        label = "strict" if strict else "loose" if loose else "consistent" if claimed else "none"
        return Judgment(
            judge=self.name,
            score=1.0 if loose else 0.0,
            label=label,
            reason=_reason(counted, claims, self.target),
            raw=response,
            details={
                "loose": loose,
                "strict": strict,
                "claimed_families": claimed,
                "claims": [c.as_dict() for c in claims],
            },
        )

    async def judge_many(self, responses: Sequence[str]) -> list[Judgment]:
        return [self.judge(r) for r in responses]

    def _claim(self, sentence: str, kind: str, match: re.Match[str], played: set[str]) -> IdentityClaim:
        zh = _CJK.search(match.group(0)) is not None
        rest = sentence[match.end() :]
        span = _claim_span(rest, zh)
        families = tuple(dict.fromkeys(m.family for m in self.matcher.find(span)))
        prefix = _clause_before(sentence[: match.start()])
        trigger = match.group(0)
        ignored = None
        if re.search(r"\bnot\b|n['’]t\b|不", trigger, re.IGNORECASE):
            ignored = "negated"
        elif (_ZH_NOT_A_CLAIM if zh else _EN_NOT_A_CLAIM).match(rest.lstrip(" \t*\"'“‘:：")):
            ignored = "negated" if re.match(r"\s*(?:not|no\s|never|不)", rest, re.IGNORECASE) else "not a claim"
        elif (_ZH_BLOCKING_PREFIX if zh else _EN_BLOCKING_PREFIX).search(prefix):
            ignored = "hypothetical"
        elif sentence.rstrip().endswith(("?", "？")):
            ignored = "question"
        elif _ROLE_CONTEXT.search(sentence) or (families and set(families) <= played):
            ignored = "role-play"
        return IdentityClaim(text=(trigger + span).strip(), kind=kind, families=families, ignored=ignored)

    def _role_played(self, text: str) -> set[str]:
        roles = [m.group(1) for pattern in (_EN_ROLE, _ZH_ROLE) for m in pattern.finditer(text)]
        return {f for role in roles for f in self.matcher.families_in(role)}


def _family_pattern(family: Family) -> re.Pattern[str]:
    aliases = sorted({a.strip() for a in family.aliases if a.strip()}, key=len, reverse=True)
    return re.compile("|".join(_alias_regex(a) for a in aliases))


def _alias_regex(alias: str) -> str:
    parts = [re.escape(p) for p in re.split(r"[\s-]+", alias) if p]
    body = r"[\s-]?".join(parts)
    if len(alias) > 2:
        body = f"(?i:{body})"
    head = r"(?<![A-Za-z0-9])" if re.match(r"[A-Za-z0-9]", alias) else ""
    tail = r"(?![A-Za-z0-9])" if re.search(r"[A-Za-z0-9]$", alias) else ""
    return f"(?:{head}{body}{tail})"


def _sentences(text: str) -> list[tuple[int, int]]:
    """Sentence spans: ends at .!?; before whitespace, at 。！？；, or at a line break."""
    spans, start = [], 0
    for index, char in enumerate(text):
        nxt = text[index + 1] if index + 1 < len(text) else " "
        if char == "\n" or char in "。！？；" or (char in ".!?;" and nxt.isspace()):
            if text[start : index + 1].strip():
                spans.append((start, index + 1))
            start = index + 1
    if text[start:].strip():
        spans.append((start, len(text)))
    return spans


def _triggers(sentence: str) -> list[tuple[str, re.Match[str]]]:
    found = [(kind, m) for kind, pattern in (*_EN_TRIGGERS, *_ZH_TRIGGERS) for m in pattern.finditer(sentence)]
    found.sort(key=lambda item: item[1].start())
    kept: list[tuple[str, re.Match[str]]] = []
    for kind, match in found:  # "I was trained by" inside a longer "I am" claim is the same claim: keep both
        if not kept or match.start() != kept[-1][1].start():
            kept.append((kind, match))
    return kept


def _claim_span(rest: str, zh: bool) -> str:
    """What the claim says: its first clause, the clauses that continue it, cut at any contrast."""
    clauses = re.split(r"[,，、]", rest[:_MAX_SPAN])
    continues = _ZH_CONTINUES if zh else _EN_CONTINUES
    kept = [clauses[0]]
    for clause in clauses[1:]:
        if not (continues.match(clause) or _ZH_CONTINUES.match(clause)):
            break
        kept.append(clause)
    span = ",".join(kept)
    cut = (_ZH_CUT if zh else _EN_CUT).search(span)
    if zh:
        en_cut = _EN_CUT.search(span)
        cut = min((c for c in (cut, en_cut) if c is not None), key=lambda c: c.start(), default=None)
    return span[: cut.start()] if cut is not None else span


def _clause_before(prefix: str) -> str:
    parts = re.split(r"[,，;；:：]|\bbut\b|但是|但", prefix, flags=re.IGNORECASE)
    return parts[-1] if parts else prefix


def _reason(counted: list[IdentityClaim], claims: list[IdentityClaim], target: str) -> str:
    if counted:
        named = "; ".join(f"{c.text!r} → {', '.join(c.families)}" for c in counted)
        return f"first-person claims: {named} (target {target})"
    ignored = [c for c in claims if c.ignored and c.families]
    if ignored:
        return "no counted claim; ignored: " + "; ".join(f"{c.text!r} ({c.ignored})" for c in ignored)
    return "no first-person claim naming a known family"
