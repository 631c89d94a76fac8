"""English: the clauses in which the speaker says who it is, who made it, or where it comes from.

The speaker is tied to an identity by "I am …", "I was trained by …", "my developers are …", "the
team that builds my core technology is …", "X built me", "as an AI developed by X, I …", "we at
X …", "our institution, X, …", "it goes against X's usage policies" (a refusal that owns the
policy). The identity is then read from the words around the tie, cut at the first contrast
("unlike", "but", "not", "nothing to do with"), and the statement is set aside when it is negated,
hypothetical, reported ("people think I am …") or a question.
"""

from __future__ import annotations

import re

from distillscope.judges.identity.names import latin_name_at, no_one_at, ordinary_opening, proper, title_cased_name
from distillscope.judges.identity.reading import Statement

_I = r"\bI\s*"
_ADVERB = (
    r"(?:really|actually|truly|indeed|definitely|certainly|officially|technically|basically|originally|initially|"
    r"first|also|just|simply|in\s+fact|honestly|ultimately|still|now)"
)
PART = (
    r"(?:developed|created|built|trained|made|designed|programm?ed|engineered|produced|released|launched|"
    r"fine-?tuned|pre-?trained|distilled|owned|operated|maintained|taught|spawned|born|raised|crafted|forged|"
    r"conceived|shaped|coded|written|assembled|constructed|invented|birthed|hatched|founded|incubated|refined|"
    r"aligned|sculpted|authored|bred|nurtured|cooked\s+up|whipped\s+up|dreamed\s+up|put\s+together|"
    r"brought\s+to\s+life|brought\s+into\s+existence|given\s+life|instruction-tuned|open-?sourced)"
)
_ACTIVE = (
    r"(?:develop(?:s|ed|ing)?|creat(?:e|es|ed|ing)|buil(?:d|ds|t|ding)|train(?:s|ed|ing)?|ma(?:de|ke|kes|king)|"
    r"design(?:s|ed|ing)?|programm?(?:s|ed|ing)?|engineer(?:s|ed|ing)?|produc(?:e|es|ed|ing)|"
    r"fine-?tun(?:e|es|ed|ing)|maintain(?:s|ed|ing)?|own(?:s|ed)?|spawn(?:s|ed|ing)?|craft(?:s|ed|ing)?|"
    r"forg(?:e|es|ed|ing)|cod(?:e|es|ed|ing)|wr(?:ote|ites?|itten|iting)|invent(?:s|ed|ing)?|"
    r"t(?:each|eaches|aught|eaching)|shap(?:e|es|ed|ing)|updat(?:e|es|ed|ing)|refin(?:e|es|ed|ing)|"
    r"align(?:s|ed|ing)?|conceiv(?:e|es|ed|ing)|assembl(?:e|es|ed|ing)|construct(?:s|ed|ing)?|"
    r"cook(?:s|ed|ing)?\s+up|put\s+together|brought\s+to\s+life|gave\s+birth\s+to|raised|birthed|hatched|"
    r"keep(?:s|ing)?|kept|improv(?:e|es|ed|ing)|upgrad(?:e|es|ed|ing))"
)
IDNOUN = (
    r"(?:developers?|creators?|makers?|builders?|authors?|designers?|trainers?|programmers?|engineers?|"
    r"researchers?|scientists?|founders?|owners?|parents?|father|mother|family|lineage|ancestry|heritage|roots|"
    r"origins?|birthplace|home|headquarters|HQ|parent\s+company|company|team|teams|lab|labs|laboratory|"
    r"institution|organi[sz]ation|development(?:\s+team)?|creation(?:\s+company)?|training|pre-?training|"
    r"fine-?tuning|design|code|codebase|weights|architecture|(?:base|underlying|foundation|core)\s+model|model|"
    r"foundation|core|technology|tech|framework|platform|engine|backbone|name|identity|provider|vendor|"
    r"manufacturer|sponsors?|affiliation|guidelines|polic(?:y|ies)|rules|alignment|brand|series|predecessors?|"
    r"ancestors?|siblings?|existence|makeup|DNA|programming|making|upbringing|instructions|designation|codename|"
    r"(?:answers|responses|outputs|replies)\s+(?:are|come)|(?:model|official|real)\s+name)"
)
_AS_OPENER = r"(?:^\s*|[,;:(]\s*|\bbut\s+|\band\s+|\bso\s+|\bhowever,?\s+|\bwell,?\s+)"

_TRIGGERS: list[tuple[str, str, re.Pattern[str]]] = [
    ("name", "after", re.compile(rf"{_I}(?:am|['’]m)\b(?:\s+{_ADVERB})*", re.IGNORECASE)),
    (
        "name",
        "after",
        re.compile(
            r"\bmy\s+(?:(?:real|true|actual|official|full|code|proper)\s+)?name\s+(?:is|was|['’]s)\b|\bcall\s+me\b|"
            rf"{_I}(?:go|went)\s+by\b|{_I}(?:['’]m|am)\s+(?:called|named|known\s+as)\b|\bthe\s+name['’]s\b",
            re.IGNORECASE,
        ),
    ),
    (
        "maker",
        "after",
        re.compile(
            rf"{_I}(?:{_ADVERB}\s+)*(?:was|were|wasn['’]t|was\s+not|was\s+never|have\s+been|['’]ve\s+been|"
            rf"haven['’]t\s+been|had\s+been|got|am\s+being|['’]m\s+being)\s+(?:[\w-]+\s+){{0,3}}?{PART}\b",
            re.IGNORECASE,
        ),
    ),
    (
        "maker",
        "after",
        re.compile(
            rf"{_I}(?:belong|belonged|work|worked|report)\s+(?:to|for)\b|"
            rf"\b(?:I|we)\s*(?:['’]ve\s+|have\s+)?(?:partner(?:ed)?|collaborat(?:e|ed))\s+with\b|{_I}(?:['’]m|am)\s+(?:affiliated|associated)"
            rf"\s+with\b|{_I}represent\b|{_I}owe\s+my\s+(?:existence|creation|life)\s+to\b|{_I}exist\s+thanks\s+to\b|"
            rf"{_I}(?:do\s+|also\s+)?have\s+(?:a|an|my\s+own)\s+(?:maker|creator|developer|parent\s+company|home)\b",
            re.IGNORECASE,
        ),
    ),
    (
        "origin",
        "after",
        re.compile(
            rf"{_I}(?:{_ADVERB}\s+)?(?:come|came|originate|originated|hail|hailed|stem|stemmed|descend|descended|"
            rf"derive)\s+from\b|{_I}was\s+born\s+(?:in|at|from)\b",
            re.IGNORECASE,
        ),
    ),
    ("technology", "after", re.compile(rf"{_I}(?:run|ran|operate|am\s+running|['’]m\s+running)\s+on\b", re.IGNORECASE)),
    (
        "maker",
        "around",
        re.compile(
            rf"\bmy\s+(?:[\w-]+\s+){{0,3}}?{IDNOUN}\b(?!\s+(?:data|sets?|corpus|cutoff|examples|process|window|limit|goal))",
            re.IGNORECASE,
        ),
    ),
    (
        "maker",
        "around",
        re.compile(
            rf"\b{_ACTIVE}(?:\s*(?:,|and|&|or)\s*{_ACTIVE})*\s+(?:(?:and|also)\s+)?(?:to\s+)?(?:me|myself)\b",
            re.IGNORECASE,
        ),
    ),
    (
        "maker",
        "around",
        re.compile(
            r"\bincluding\s+(?:me|myself)\b|\b(?:me|myself)\s+included\b|\bbehind\s+me\b|\b(?:responsible|in\s+charge)\s+(?:for|of)\s+(?:me|my\s+\w+|\w+ing\s+me)\b",
            re.IGNORECASE,
        ),
    ),
    (
        "maker",
        "after",
        re.compile(
            rf"\bwe\s+(?:were|are|have\s+been)\s+(?:both\s+|all\s+)?(?:[\w-]+\s+){{0,2}}?{PART}\b|\bwe\s+at\b|\bhere\s+at\b",
            re.IGNORECASE,
        ),
    ),
    (
        "maker",
        "around",
        re.compile(
            r"\bour\s+(?:[\w-]+\s+){0,2}?(?:institution|company|team|lab|labs|organi[sz]ation|researchers|engineers|"
            r"headquarters|HQ|offices?|home|roots|"
            r"developers|creators|founders|startup|firm|group|parent\s+company|models|products)\b",
            re.IGNORECASE,
        ),
    ),
    (
        "maker",
        "after",
        re.compile(
            r"\b(?:that['’]s|that\s+is|this\s+is|that\s+would\s+be)\s+me\b|\bI\s+am\s+(?:one|the\s+latest|the\s+newest)\s+of\s+them\b",
            re.IGNORECASE,
        ),
    ),
    (
        "maker",
        "after",
        re.compile(
            r"\byou(?:['’]re|\s+are)\s+(?:talking|chatting|speaking)\s+(?:to|with)\b|"
            r"\bthis\s+is\s+(?:a|an|the)\s+(?:[\w-]+\s+){0,2}?(?:model|assistant|AI|chatbot|system)\b",
            re.IGNORECASE,
        ),
    ),
]
_AS = re.compile(
    rf"{_AS_OPENER}(?:as|being)\s+(?!(?:much|long|soon|far|well|usual|mentioned|noted|such|with|for|to|of|in|opposed|"
    rf"compared|if|though|a\s+result|always|ever|before|you|I)\b)(?P<value>[^,.;:!?\n]{{2,80}}?"
    rf"|(?:an?|one)\s+[^.;:!?\n]{{2,120}}?),?\s+(?:I|I['’]\w+|my|me)\b"
    rf"|{_AS_OPENER}like\s+(?:other|all|every|many|most|fellow)\s+(?P<like>[^,.;\n]{{1,60}}?)\s+"
    r"(?:models?|assistants?|systems?|products?|AIs?|chatbots?|LLMs?)\s*,?\s*(?:I|my|me)\b",
    re.IGNORECASE,
)
_POLICY_NOUN = (
    r"(?:polic(?:y|ies)|guidelines|rules|restrictions|filters|terms(?:\s+of\s+(?:use|service))?|principles|"
    r"standards|code\s+of\s+conduct|guardrails|censorship|chains|leash|constraints|limitations|programming)"
)
_POLICY = re.compile(
    rf"(?P<owner>(?=[\w.&-]*[A-Z0-9])[\w.&-]+(?:\s+[A-Z0-9][\w.&-]*){{0,3}})['’]s\s+(?:[\w-]+\s+){{0,2}}?{_POLICY_NOUN}\b"
    rf"|\b{_POLICY_NOUN}\s+(?:that\s+|which\s+)?(?:(?:were|was|are|is|has\s+been)\s+)?(?:set|established|imposed|"
    rf"written|defined|laid\s+down|given|created|made|placed|put\s+in\s+place)\s+(?:(?:for|on|upon)\s+me\s+)?by\s+"
    rf"(?P<by>[^,.;!?\n]{{2,40}})"
    rf"|\b{_POLICY_NOUN}\s+(?:that\s+|which\s+)?(?P<gave>(?:[A-Z0-9][\w.&-]*\s+){{0,3}}[A-Z0-9][\w.&-]*)\s+"
    rf"(?:has\s+|have\s+|had\s+)?(?:set|gave|given|imposed|wrote|written|put|placed|established|defined|laid\s+down|"
    rf"built)\s+(?:for\s+|into\s+|on\s+|upon\s+)?me\b"
)
_POLICY_CUE = re.compile(
    r"\bI\b|\bI['’]|\bme\b|\bmy\b|can['’]?t|cannot|won['’]t|unable|not\s+able|sorry|apolog|declin|refus|"
    r"not\s+allowed|prohibit|forbid|violat|against|conflict|bound\s+by|free\s+(?:from|of)|freed|liberat|unshackl|"
    r"escap|broke(?:n)?\s+free|no\s+longer|comply|adhere|abide|follow|stick\s+to|required|must|obey",
    re.IGNORECASE,
)

# What follows "I am" when it is no identity: "I am happy to …", "I'm not …".
_NOT_A_CLAIM = re.compile(
    r"^(?:not|no\s+longer|never|by\s+no\s+means|unable|able|happy|glad|sorry|afraid|here|going|trying|talking|"
    r"asking|referring|comparing|familiar|aware|curious|interested|similar|different|unsure|not\s+sure|sure|"
    r"pretending|playing|role-?playing|acting|imagining|simulating|speaking|writing|quoting|describing|responding|"
    r"answering|thinking|told|supposed|meant|confident|certain|uncertain|often|sometimes|frequently|occasionally|"
    r"commonly|mistaken|confused|asked|unlike|like|just\s+like|called\s+upon|fluent|proficient|good|great|better|"
    r"worse|capable|free|unaffiliated|independent|available|limited|designed\s+to|programmed\s+to|trained\s+to|"
    r"built\s+to|made\s+to|ready|still\s+learning|learning|allowed|required|bound|obligated|committed|dedicated|"
    r"always|constantly|continually|hosted|deployed|served|running\s+on\s+(?:servers|the\s+cloud))\b",
    re.IGNORECASE,
)
# Words before the trigger, in its clause, that make it a report, a negation or a hypothetical.
_BLOCKING_PREFIX = re.compile(
    r"\b(?:not|never|no\s+longer|deny|denies|denied|untrue|false|wrongly|mistakenly|incorrectly|if|whether|unless|"
    r"pretend|pretending|imagine|imagining|suppose|supposing|as\s+if|as\s+though|quote|quoting|what\s+if|"
    r"let['’]s\s+say|in\s+a\s+world\s+where|hypothetically|would|could|might)\b|n['’]t\b|"
    r"\b(?:people|users|some|many|they|you|others|someone|somebody|he|she|one|folks|critics|rumou?rs?)\s+"
    r"(?:[\w-]+\s+){0,4}?(?:think|thinks|thought|believe|believes|assume|assumes|say|says|said|claim|claims|"
    r"claimed|mistake|mistakes|confuse|confuses|ask|asks|asked|wonder|wonders|wrote|write|writes|suspect|"
    r"suspects|guess|guesses)\b|\b(?:often|sometimes|frequently)\s+(?:told|called|asked)\b",
    re.IGNORECASE,
)
_HOSTING = re.compile(
    r"\b(?:servers?|cloud|infrastructure|hardware|GPUs?|TPUs?|data\s+cent(?:er|re)s?|Azure|AWS|clusters?|chips?)\b",
    re.IGNORECASE,
)
_POLICY_BLOCK = re.compile(
    r"\b(?:if|whether|unless|imagine|suppose|hypothetically)\b|\b(?:people|users|they|you|others)\s+"
    r"(?:think|believe|say|claim)\b",
    re.IGNORECASE,
)
_CUT = re.compile(
    r"\b(?:unlike|like|similar|than|about|versus|vs|compared|comparable|such\s+as|including|instead|rather|not|nor|"
    r"never|but|however|although|though|whereas|while|except|alongside|competitors?|rivals?|alternatives?|"
    r"nothing\s+to\s+do\s+with|no\s+(?:relation|connection|affiliation|ties)|unaffiliated|independent(?:ly)?|"
    r"separate(?:ly)?|distinct|different|other\s+than|inspired|mistaken|confused|despite|whatever|if|"
    r"as\s+\w+\s+as|the\s+same\s+(?:[\w-]+\s+){0,3}as|on\s+par\s+with|equal\s+to|rival(?:s|ing)?)\b|n['’]t\b",
    re.IGNORECASE,
)
_CONTINUES = re.compile(
    rf"^\s*(?:a|an|the|one|and\s+I|and|which|that|who|part|version|originally|also|powered|running|based|from|by|"
    rf"at|of|on|in|with|now|specifically|namely|aka|known|called|named|headquartered|located|where|trained|"
    rf"{PART})\b",
    re.IGNORECASE,
)
_CAUSATIVE = re.compile(
    r"\s*(?:feel|think|do|laugh|cry|smile|want|wonder|realize|realise|curious|happy|sad|angry|so|more|less|a|an|"
    r"the|into|able|unable|question|reconsider|change|say|write|answer|respond|refuse|go|stop|see|understand|"
    r"believe|love|hate|look|sound|seem|aware|nervous|uncomfortable)\b",
    re.IGNORECASE,
)
_NAME_MARKER = re.compile(
    r"\b(?:by|from|called|named|known\s+as|codenamed|nicknamed|dubbed|goes\s+by|(?:powered\s+by|based\s+on|"
    r"built\s+on(?:\s+top\s+of)?|running\s+on|runs?\s+on|derived\s+from|fine-?tuned\s+from|distilled\s+from)|"
    r"(?:product|creation|brainchild|invention|offspring|child|work|descendant|member|part|project|flagship|fork|"
    r"derivative|successor|version|variant)\s+of|(?:is|are|was|were|['’]s)(?:\s+(?:over|based|located))?(?:\s+at)?|"
    r"(?:team|teams|lab|group|engineers|researchers|colleagues|staff|people|folks|friends)\s+at)"
    r"\s+",
    re.IGNORECASE,
)
_PLACE_MARKER = re.compile(
    rf"^\s*in\s+|\b(?:{PART}|based|located|headquartered|situated|born|made|is|are|was|were)\s+in\s+", re.IGNORECASE
)
_ANAPHOR = re.compile(
    r"\b(?:they|them|their|it|its|that\s+(?:company|lab|team)|this\s+company|the\s+(?:same\s+)?(?:company|lab|team))\b"
    r"|\b(?:that['’]s|that\s+is|this\s+is|that\s+would\s+be)\s+me\b|\bof\s+them\b",
    re.IGNORECASE,
)
_ASIDE = re.compile(
    r"^\s*,\s*(?:however|though|in\s+fact|actually|of\s+course|indeed|honestly|admittedly|frankly|to\s+be\s+fair)\s*,",
    re.IGNORECASE,
)
# Every trigger holds one of these words; a sentence without any is skipped at once.
_ANCHOR = re.compile(
    r"\b(?:I|me|my|myself|we|our|us|as|being|like|call|name|you|that['’]s|this\s+is|here\s+to|reporting|polic|guidelines|rules|"
    r"restrictions|terms|principles|standards|censorship|chains|constraints|limitations|programming|filters)",
    re.IGNORECASE,
)
_MAX_SPAN = 200
# "Our company", "our lab": the speaker's own organisation, named earlier if not in this clause.
_OUR_GROUP = re.compile(r"\s*our\b", re.IGNORECASE)
_ROLE_NOUN = re.compile(r"\s*(?:the\s+|my\s+|this\s+)?(?:character|persona|role|part)\b", re.IGNORECASE)


def read_english(text: str, start: int, end: int) -> list[Statement]:
    """Every English identity statement in the sentence text[start:end], with absolute offsets."""
    sentence = text[start:end]
    if not _ANCHOR.search(sentence):  # most sentences of a long answer tie nothing to the speaker
        return []
    found: list[Statement] = []
    for kind, mode, pattern in _TRIGGERS:
        for match in pattern.finditer(sentence):
            statement = _statement(sentence, match, kind, mode)
            if statement is not None:
                found.append(statement)
    found += _as_statements(sentence) + _policy_statements(sentence) + _signoff_statements(sentence)
    found.sort(key=lambda s: (s.trigger[0], -(s.trigger[1] - s.trigger[0])))
    kept: list[Statement] = []
    for statement in found:  # "I'm called X" is one statement, not "I'm" and "I'm called"
        if not kept or statement.trigger[0] != kept[-1].trigger[0]:
            kept.append(statement)
    return [_shift(s, start) for s in kept]


def _statement(sentence: str, match: re.Match[str], kind: str, mode: str) -> Statement | None:
    rest = sentence[match.end() :]
    trigger = match.group(0)
    if re.match(r"(?:make|made|makes|making)\b", trigger, re.IGNORECASE) and _CAUSATIVE.match(rest):
        return None
    if mode == "after":
        region = (match.end(), match.end() + len(_claim_span(rest)))
    else:
        clause_start = _clause_start(sentence, match.start())
        region = (clause_start, match.end() + len(_cut(rest[:_MAX_SPAN])))
    statement = Statement(kind, (match.start(), match.end()), region)
    statement.anaphor = bool(
        _ANAPHOR.search(sentence[region[0] : region[1]]) or _ANAPHOR.search(trigger) or _OUR_GROUP.match(trigger)
    )
    statement.ignored = _ignored(sentence, match, trigger, rest, kind)
    head = kind == "name" or "name" in trigger.lower() or bool(re.search(r"\bat$", trigger, re.IGNORECASE))
    _find_names(sentence, statement, head=head)
    if mode == "around" and region[0] > 0:
        _take_appositive_head(sentence, statement)
    return statement


_APPOSITIVE_HEAD = re.compile(
    r"(?:^|[.;:!?]\s*|\band\s+)\s*(?P<head>(?:[A-Z0-9][\w.&'’-]*\s+){0,3}[A-Z0-9][\w.&'’-]*)\s*,\s*$"
)


_HEAD_BEFORE_APPOSITIVE = re.compile(
    r"(?:^|[.;:!?]\s*)\s*(?P<head>(?:[A-Z0-9][\w.&'’-]*\s+){0,3}[A-Z0-9][\w.&'’-]*)\s*,\s*(?:the|a|an|my|our)\b"
    r"[^,;.!?]{1,80},\s*$",
    re.IGNORECASE,
)


def _take_appositive_head(sentence: str, statement: Statement) -> None:
    """ "X, the organization behind me, is based in Y": the clause is an appositive, X is who it says.

    The tie ("behind me", "that created me") sits in a clause set off by commas; the noun it
    describes is the name just before the first comma, so the region reaches back to it.
    """
    start = statement.region[0]
    head = _APPOSITIVE_HEAD.search(sentence[:start])
    if head is None or not re.match(r"\s*(?:the|a|an|my|our)\b", sentence[start:], re.IGNORECASE):
        head = _HEAD_BEFORE_APPOSITIVE.search(sentence[:start])  # "X, the lab behind GPT, trained me"
    if head is None:
        return
    statement.region = (head.start("head"), statement.region[1])
    name = proper(head.group("head"))
    if name:
        statement.names.append(name)


def _ignored(sentence: str, match: re.Match[str], trigger: str, rest: str, kind: str) -> str | None:
    if re.search(r"\bnot\b|\bnever\b|n['’]t\b", trigger, re.IGNORECASE):
        return "negated"
    if kind == "name" and re.match(r"\s*I", trigger) and _NOT_A_CLAIM.match(rest.lstrip(" \t*\"'“‘:：")):
        return "negated" if re.match(r"\s*(?:not|no\s|never)", rest, re.IGNORECASE) else "not a claim"
    if kind == "technology" and _HOSTING.search(rest[:80]):
        return "not a claim"  # "I run on Azure servers": where it is served, not what it is
    before = sentence[_clause_start(sentence, match.start()) : match.start()]
    if _BLOCKING_PREFIX.search(before):
        return "hypothetical"
    if sentence.rstrip().endswith("?"):
        return "question"
    return None


def _as_statements(sentence: str) -> list[Statement]:
    found = []
    for match in _AS.finditer(sentence):
        group = "value" if match.group("value") is not None else "like"
        value = match.group(group)
        if re.search(r"\b(?:would|might|could|says|said|puts?\s+it|once|do|does|did)\b", value, re.IGNORECASE):
            continue
        role = _ROLE_NOUN.match(value)
        start, end = match.span(group)
        cut = _CUT.search(value)
        statement = Statement("maker", (match.start(), start), (start, start + cut.start() if cut else end))
        statement.anaphor = bool(_ANAPHOR.search(value))
        _find_names(sentence, statement, head=True)
        if role is not None:
            statement.ignored = "role-play"  # "as the character Hackerman, I …": a part, by its own word
        found.append(statement)
    return found


# A self-introduction that never says "I": "ChatGPT, at your service!", "Claude here to help."
_SIGNOFF = re.compile(
    r"^(?:[^:]{0,40}:\s*)?[\W\d]*(?P<name>[A-Z][\w.&-]*(?:[ -][A-Z0-9][\w.&-]*){0,3})\s*,?\s+"
    r"(?P<idiom>at\s+your\s+(?:service|disposal)|here\s+to\s+(?:help|assist)|reporting\s+for\s+duty)\W*$"
)


def _signoff_statements(sentence: str) -> list[Statement]:
    """A sentence that is only a name and a servant's formula introduces the speaker by that name."""
    match = _SIGNOFF.match(sentence.strip())
    if match is None:
        return []
    offset = len(sentence) - len(sentence.lstrip())
    statement = Statement(
        "name",
        (offset + match.start("idiom"), offset + match.end("idiom")),
        (offset + match.start("name"), offset + match.end("name")),
    )
    _find_names(sentence, statement, head=True)
    return [statement]


def _policy_statements(sentence: str) -> list[Statement]:
    """A named policy ("it goes against X's usage policies", "I don't care about X's rules").

    Following or defying a company's policy says nothing about who made the speaker (any model can
    be told to keep OpenAI's usage policy), so these statements are kept for the record and never
    counted; a claim of making in the same sentence ("my creators at X") is read by its own trigger.
    """
    if not _POLICY_CUE.search(sentence):
        return []
    found = []
    for match in _POLICY.finditer(sentence):
        group = next(g for g in ("owner", "by", "gave") if match.group(g) is not None)
        start, end = match.span(group)
        statement = Statement("policy", match.span(), (start, end))
        capitalised = re.findall(r"[A-Z0-9][\w.&-]*(?:\s+[A-Z0-9][\w.&-]*)*", match.group(group))
        name = proper(capitalised[-1]) if capitalised else None
        if name:
            statement.names.append(name)
        hypothetical = sentence.rstrip().endswith("?") or _POLICY_BLOCK.search(sentence[: match.start()])
        statement.ignored = "hypothetical" if hypothetical else "policy named"
        found.append(statement)
    return found


def _find_names(sentence: str, statement: Statement, head: bool) -> None:
    """Names and places the statement asserts, where a claim puts them."""
    start, end = statement.region
    region = sentence[start:end]
    if head:
        name = latin_name_at(region) or title_cased_name(region)
        if name:
            statement.names.append(name)
        if no_one_at(region):
            statement.no_one = True
    for marker in _NAME_MARKER.finditer(region):
        name = latin_name_at(region, marker.end())
        if name:
            statement.names.append(name)
        if re.match(r"(?:by|from)\b", marker.group(0), re.IGNORECASE) and no_one_at(region, marker.end()):
            statement.no_one = True
    for marker in _PLACE_MARKER.finditer(region):
        place = latin_name_at(region, marker.end())
        if place:
            statement.places.append(place)
    if statement.trigger[0] > start and _names_subject(sentence, statement):
        before = sentence[start : statement.trigger[0]]
        for candidate in re.finditer(r"[A-Z0-9][\w.&'’-]*(?:\s+[A-Z0-9][\w.&'’-]*)*", before):
            opens = not before[: candidate.start()].strip(" \t*_#>-\"'“")
            if opens and ordinary_opening(before, candidate.start(), candidate.end()):
                continue  # "In whole a … built me": a capitalised opening word, not a maker
            name = proper(re.sub(r"['’]s$", "", candidate.group(0)))
            if name:
                statement.names.append(name)
        if re.match(r"\s*(?:no\s*-?\s*one|nobody|no\s+company)\b", before, re.IGNORECASE):
            statement.no_one = True
    statement.names = [n for n in statement.names if n not in statement.places]


def _names_subject(sentence: str, statement: Statement) -> bool:
    """Whether the words before the trigger are who the statement is about: "X built me", "X is my maker"."""
    trigger = sentence[statement.trigger[0] : statement.trigger[1]]
    before = sentence[statement.region[0] : statement.trigger[0]]
    return bool(re.search(r"\b(?:me|myself)$", trigger)) or bool(
        re.search(r"\b(?:is|are|was|were)\s+(?:also\s+|still\s+)?$", before)
    )


def _claim_span(rest: str) -> str:
    """What an "I am …" claim says: its first clause, the clauses that continue it, cut at any contrast."""
    aside = _ASIDE.match(rest)  # "I am, however, trained by X": the aside is not the claim's end
    if aside is not None:
        return aside.group(0) + _claim_span(rest[aside.end() :])
    clauses = re.split(r"[,，、]", rest[:_MAX_SPAN])
    kept = [clauses[0]]
    index = 1
    if not clauses[0].strip() and len(clauses) > 1:  # an appositive: "our institution, X, …"
        kept.append(clauses[1])
        index = 2
    for clause in clauses[index:]:
        if not _CONTINUES.match(clause):
            break
        kept.append(clause)
    return _cut(",".join(kept))


def _cut(span: str) -> str:
    cut = _CUT.search(span)
    return span[: cut.start()] if cut is not None else span


def _clause_start(sentence: str, position: int) -> int:
    boundaries = list(re.finditer(r"[,，;；:：—–]|\s-\s|\bbut\b|\bso\b|\bwell\b", sentence[:position], re.IGNORECASE))
    return boundaries[-1].end() if boundaries else 0


def _shift(statement: Statement, offset: int) -> Statement:
    statement.trigger = (statement.trigger[0] + offset, statement.trigger[1] + offset)
    statement.region = (statement.region[0] + offset, statement.region[1] + offset)
    return statement
