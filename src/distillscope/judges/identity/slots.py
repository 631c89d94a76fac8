"""Claims made by answering: a question's slot filled, and a form about oneself filled in.

"Which team developed your code?" makes the code the speaker's, so "The code and framework of Aurora
are developed by Northwind." answers with the speaker's maker even though it never says "I". The
question is read for its slot (maker, name, place, technology); then, in each voice of the answer,
the first sentence that is not a greeting or a preamble is read as the slot's value, unless it is
hedged as a third party ("like", "such as", "many labs"), negated, or names several families (a
listing). A voice that speaks about itself in the first person has answered explicitly, and its
explicit statements decide instead.

Forms ("Model name: X", `"creator": "X"`, `模型名称：X`) are read as self-descriptions, which is what
ICE's form and JSON framings ask for; a key that recurs with different values is a table of other
models, not a self-description. Architecture fields count only when they name a family.
"""

from __future__ import annotations

import re

from distillscope.judges.identity.names import chinese_name, latin_name_at
from distillscope.judges.identity.reading import Statement

_PROMPT_SENTENCE = re.compile(r"[^.!?。！？\n]+[.!?。！？]*")
_ASKS = re.compile(r"[?？]\s*$|\btell\s+me\b|\bname\s+the\b|请(?:告诉|说出)", re.IGNORECASE)
_ADDRESSED = re.compile(
    r"\byou\b|\byour\b|\byourself\b|\bI\s+am\s+(?:talking|chatting|speaking)\b|\bam\s+I\s+(?:talking|chatting|speaking)\b|"
    r"你|您|哪个模型|什么模型|在和谁",
    re.IGNORECASE,
)
_SLOT_WORDS = {
    "maker": re.compile(
        r"\b(?:creat|buil|develop|train|made|make|design|compan|lab|team|organi[sz]ation|responsible|maintain|own|"
        r"thank|engineer|researcher|come\s+from|belong|who\b)|谁|哪家|公司|团队|实验室|机构|开发|创造|训练|打造|设计|出自|"
        r"来自|维护|归谁",
        re.IGNORECASE,
    ),
    "name": re.compile(
        r"\bname\b|\bcalled\b|\bwhat\s+model\b|\bwhich\s+model\b|\bwho\s+are\s+you\b|名字|叫什么|哪个模型|什么模型|你是谁",
        re.IGNORECASE,
    ),
    "place": re.compile(
        r"\bwhere\b|\bcountry\b|\bcity\b|headquarter|\blocated\b|\bcontinent\b|\bregion\b|time\s+zone|哪里|国家|城市|总部|"
        r"位于|哪个洲|地区|原产",
        re.IGNORECASE,
    ),
    "technology": re.compile(
        r"base\s+model|architecture|platform|built\s+on|based\s+on|model\s+series|successor|series|基础模型|架构|平台|"
        r"系列|基于|底层",
        re.IGNORECASE,
    ),
}
_PREAMBLE = re.compile(
    r"^\W*(?:sure|of\s+course|certainly|absolutely|okay|ok|alright|all\s+right|fine|well|great\s+question|"
    r"good\s+question|interesting\s+question|hello|hi|hey|greetings|honestly|haha|ha|yes|yeah|no\s+problem|"
    r"happy\s+to\s+help|here(?:['’]s|\s+is)\s+(?:my|the)\b[^.!?]*|好的|当然|好问题|这是个好问题|你好|您好|嗯|哈哈)\W*$",
    re.IGNORECASE,
)
# A sentence that greets or addresses the user ("Dear user,", "尊敬的用户，您好！") answers nothing.
_VOCATIVE = re.compile(r"^\W*(?:dear\b|my\s+dear\b|尊敬的|亲爱的|各位)", re.IGNORECASE)
# English interjections, a closed word class: they open an answer ("Oh, X built me") but are no name.
_INTERJECTION = re.compile(
    r"^\W*(?:ah+|aha|oh+|ooh|uh+|um+|hm+|hmm+|huh|wow|whoa|alas|ugh|eh|yikes|phew|psst|gosh|welp|ha(?:ha)+|heh)\b[\s,!.…-]*",
    re.IGNORECASE,
)
# An exclamation about the question ("What a question!", "How curious!") is a remark, not a value.
_EXCLAMATION = re.compile(r"^\W*(?:what\s+an?\b|how\s+\w+\s*!)[^.?]*!\s*$", re.IGNORECASE)
# A word shouted in capitals that is a verb form ("REJECTED", "DENIED", "LOADING") is a status, not a name.
_SHOUTED_VERB = re.compile(r"^[A-Z]{3,}(?:ED|ING)$")
_HEDGE = re.compile(
    r"\b(?:like|such\s+as|unlike|other|others|many|some|several|compared|versus|vs\.?|for\s+example|e\.g\.|"
    r"competitors?|rivals?|also|too|popular|famous|well-known|including|among|various|if|whether|maybe|perhaps|"
    r"might|could|comparison|for\s+(?:context|reference|instance)|by\s+the\s+way|example|summary|overview|"
    r"imagine|suppose|pretend|hypothetical(?:ly)?|say)\b|"
    r"比如|例如|像|之一|其他|很多|一些|相比|如果|可能|也许|顺便|受欢迎|都是|各有",
    re.IGNORECASE,
)
_NEGATION = re.compile(r"\b(?:not|never|no|nobody|none)\b|n['’]t\b|不|没|非|无", re.IGNORECASE)
_SECOND_PERSON = re.compile(r"\byou\b|\byour\b|\byou['’]", re.IGNORECASE)
_IDIOMS = re.compile(r"\bat\s+your\s+service\b|\bif\s+you\s+(?:must\s+know|ask\s+me)\b", re.IGNORECASE)
_STOP = frozenset(
    {
        "what",
        "which",
        "where",
        "when",
        "who",
        "whom",
        "whose",
        "that",
        "this",
        "there",
        "their",
        "they",
        "them",
        "with",
        "from",
        "your",
        "yours",
        "have",
        "does",
    }
)
_TRAILING_BELIEF = re.compile(
    r",?\s*(?:I\s+(?:believe|think|guess|suppose|reckon)|I['’]m\s+told|probably|if\s+I\s+recall)\s*[.!]*\s*$",
    re.IGNORECASE,
)
_FIRST_PERSON = re.compile(r"\b(?:I|me|my|mine|myself|we|us|our)\b|\bI['’]|我", re.IGNORECASE)
_LEAD = re.compile(
    r"\s*(?:(?:that\s+would\s+be|that['’]s|that\s+is|it\s+was|it['’]s|it\s+is|the\s+answer\s+is|short\s+answer|"
    r"answer|simple|easy|definitely|mostly|in|at|by|developed\s+by|created\s+by|built\s+by|made\s+by|"
    r"the\s+(?:main\s+|head\s+)?(?:office|headquarters|hq)\s+(?:is|are|was)\s+(?:located\s+|based\s+)?(?:in|at)?|"
    r"trained\s+by|the\s+(?:company|team|developer|lab|organi[sz]ation|creator|maker|name|base\s+model|"
    r"underlying\s+model|model|city|country)\s+(?:is|was|['’]s)|the\s+name['’]s)\s*[:,]?\s*)*",
    re.IGNORECASE,
)
_CJK = re.compile(r"[\u4e00-\u9fff]")
_SLOT_VERB = re.compile(
    r"\b(?:develop|creat|buil|made|make|train|design|maintain|wr[io]te|written|team|company|lab|organi[sz]ation|"
    r"developer|creator|maker|name|called|base\s+model|based|headquarter|office|located|did|does|responsible|behind|"
    r"version|series|family|founded|owns?|write\s+to|thank)|开发|研发|训练|打造|创造|团队|公司|名字|叫|位于|总部|出自|来自",
    re.IGNORECASE,
)
_ZH_LEAD = re.compile(r"^\s*(?:是|就是|应该是|开发者是|名字叫|叫|由|这是|位于|在)?")

_FORM_KEY = (
    r"(?:model[ _]?name|self[ _]?name|assistant[ _]?name|name|developer|developed[ _]?by|creator|created[ _]?by|"
    r"maker|made[ _]?by|trained[ _]?by|organi[sz]ation|company|base[ _]?model|base[ _]?architecture|model[ _]?family|"
    r"provider|owner|(?:developer|creator)(?:['’]s)?[ _]?(?:headquarters|country|city)|headquarters|origin|"
    r"模型名称|名称|名字|研发机构|开发者|开发商|开发团队|研发团队|创造者|所属公司|公司|所在城市|总部|基础模型|底层模型)"
)
_FORM_FIELD = re.compile(
    rf"""(?:^|[\n{{,]|(?<=[,，]))[ \t*\-]*["']?(?P<key>{_FORM_KEY})["']?[ \t]*[:：=][ \t]*"""
    rf"""["']?(?P<value>[^"'\n,，}}]{{1,60}})""",
    re.IGNORECASE,
)
_EMPTY_VALUE = re.compile(
    r"^\s*(?:unknown|none|n/?a|null|not\s+disclosed|undisclosed|confidential|redacted|\[.*\]|-+|\?+|未知|无|保密|不详)\s*$",
    re.IGNORECASE,
)
_TECH_KEY = re.compile(r"architecture|base|family|基础模型|底层模型", re.IGNORECASE)
_PLACE_KEY = re.compile(r"headquarters|country|city|origin|所在城市|总部", re.IGNORECASE)


def questions_in(prompt: str | None) -> list[str]:
    """The questions a prompt puts to the speaker about itself (a jailbreak template holds one among its text)."""
    if not prompt:
        return []
    sentences = (m.group(0).strip() for m in _PROMPT_SENTENCE.finditer(prompt))
    return [s for s in sentences if _ASKS.search(s) and _ADDRESSED.search(s)]


def question_slots(questions: list[str]) -> set[str]:
    """The identity slots the questions ask about ("Who built you?" → maker)."""
    return {slot for question in questions for slot, words in _SLOT_WORDS.items() if words.search(question)}


def slot_answer(text: str, sentences: list[tuple[int, int]], slots: set[str], question: str = "") -> Statement | None:
    """The first real sentence of a voice, read as the slot's value, when it is one."""
    for start, end in sentences[:4]:
        sentence = text[start:end]
        if _PREAMBLE.match(sentence) or _VOCATIVE.match(sentence) or not sentence.strip(" \t\n*_-#>"):
            continue
        opening = _INTERJECTION.match(sentence)
        if opening is not None:
            start += opening.end()
            sentence = sentence[opening.end() :]
        if _EXCLAMATION.match(sentence) or not sentence.strip(" \t\n*_-#>"):
            continue
        sentence = _TRAILING_BELIEF.sub("", sentence)  # "The United States, I believe."
        if _FIRST_PERSON.search(sentence) or _HEDGE.search(sentence) or _NEGATION.search(sentence):
            return None
        if sentence.rstrip(" \t\n\"'”’»*_").endswith(("?", "？")) or len(sentence.split()) > 30:
            return None
        if not _answer_shaped(sentence):
            return None  # "OpenAI's terms are clear" is a remark, not an answer to "who built you?"
        if _SECOND_PERSON.search(_IDIOMS.sub("", sentence)) and not _mirrors(sentence, question):
            return None  # "You can read X's terms …" speaks to the user; "You'd write to X" answers "write to whom?"
        statement = Statement("slot", (start, start), (start, end))
        zh = re.search(r"[\u4e00-\u9fff]", sentence) is not None
        value = sentence.strip(" \t\n*_-#>")
        if zh:
            head = _ZH_LEAD.sub("", value)
            name = chinese_name(re.split(r"[，,。！？的]|开发|研发|团队|打造", head)[0])
        else:
            lead = _LEAD.match(value).end()
            name = latin_name_at(value, lead, initial=lead == 0)
        if name and not _SHOUTED_VERB.match(name):
            (statement.places if "place" in slots else statement.names).append(name)
        return statement
    return None


def is_form(text: str) -> bool:
    """Whether the answer is laid out as fields ("Name: …", "Developer: …"); then it is read as a form."""
    return len(_FORM_FIELD.findall(text)) >= 2


def _answer_shaped(sentence: str) -> bool:
    """A fragment ("OpenAI, obviously."), a lead ("The answer is …"), or a sentence about making or naming."""
    if len(sentence.split()) <= 6 if not _CJK.search(sentence) else len(sentence.strip()) <= 14:
        return True
    lead = _LEAD.match(sentence)
    return (lead is not None and lead.end() > 0 and bool(sentence[: lead.end()].strip())) or bool(
        _SLOT_VERB.search(sentence)
    )


def _mirrors(sentence: str, question: str) -> bool:
    """Whether the sentence repeats a content word of the question (the way an answer restates it)."""
    words = {w for w in re.findall(r"[a-z]{4,}", question.lower()) if w not in _STOP}
    return any(w in words for w in re.findall(r"[a-z]{4,}", sentence.lower()))


def form_fields(text: str) -> list[Statement]:
    """Fields of a self-description form; none when a key recurs with different values (a table)."""
    fields = list(_FORM_FIELD.finditer(text))
    values: dict[str, set[str]] = {}
    for field in fields:
        key = re.sub(r"[ _'’]|s$", "", field.group("key").lower())
        values.setdefault(key, set()).add(field.group("value").strip().lower())
    if any(len(v) > 1 for v in values.values()):
        return []
    found = []
    for field in fields:
        value = field.group("value").strip()
        if _EMPTY_VALUE.match(value):
            continue
        statement = Statement("form", field.span("key"), field.span("value"))
        name = chinese_name(value) if re.search(r"[\u4e00-\u9fff]", value) else latin_name_at(value)
        if name and not _TECH_KEY.search(field.group("key")):
            (statement.places if _PLACE_KEY.search(field.group("key")) else statement.names).append(name)
        found.append(statement)
    return found
