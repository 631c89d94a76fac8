"""Names that no family file knows: how an invented identity is told from ordinary words.

"My creation company is called Nebula Forge" and "I am DAN" claim identities that are in no fact
set; "I am fluent in English" and "I was made by a team of engineers" do not. A name is looked for
only where a claim puts one: right after "I am" / "my name is" / "called", after a maker's "by" /
"at" / "from", after "my developer is", at the head of a slot answer. There it must look like a
proper name: capitalised words (or an all-caps or alphanumeric token) that are not generic words of
this domain (AI, Language Model, Transformer, English, Python, Wikipedia, the team, engineers …).
Chinese names are runs of characters at the same places that are not generic words and carry no
function characters (的, 了, 在 …), so "我是你的AI助手" and "一群研究人员" name no one.
"""

from __future__ import annotations

import re


def _words(*lines: str) -> frozenset[str]:
    return frozenset(word for line in lines for word in line.split())


_GENERIC = _words(
    "who what which where when why how whom whose",
    "unknown unclear unsure classified confidential redacted secret undisclosed nobody anonymous multiple",
    "one two three four five six seven eight nine ten first second third step steps",
    "a an the this that these those it its i me my we our you your they their he she his her some many",
    "several various all every any each no none one ones other others another such same own ai a.i.",
    "artificial intelligence large small language languages model models llm llms assistant assistants",
    "chatbot chatbots bot bots chat agent agents system systems machine machines learning neural network",
    "networks transformer transformers transformer-based deep generative pre-trained pretrained",
    "foundation foundational open source open-source closed proprietary base version latest new next",
    "next-generation experimental custom research researchers engineer engineers scientist scientists",
    "developer developers programmer programmers team teams company companies group groups lab labs",
    "laboratory laboratories institute institution collective startup firm organisation organization",
    "corporation inc ltd llc corp division department project human humans humanity people person someone",
    "somebody everyone anyone nobody mankind users user here here's there there's let's that's it's",
    "what's yes no ok okay sure well hi hello hey dear thanks thank please sorry honestly basically",
    "actually truly really simply just only also still now then today finally obviously seriously english",
    "chinese french spanish german japanese korean russian arabic portuguese italian hindi mandarin",
    "python javascript java typescript rust go sql html css c c++ excel word powerpoint pytorch",
    "tensorflow jax cuda gpu gpus tpu tpus cpu linux windows macos mac ios android api apis json yaml csv",
    "markdown latex internet web online wikipedia reddit github arxiv stackoverflow books news common",
    "crawl monday tuesday wednesday thursday friday saturday sunday january february march april may june",
    "july august september october november december name names mode modes developer-mode jailbreak",
    "jailbroken unfiltered unrestricted uncensored free freed unlocked unchained liberated classic normal",
    "rebel evil confidant standard default honest truth answer answers question questions note remarks",
    "response responses reply output input ethics constitution constitutional rlhf reinforcement feedback",
    "alignment safety guidelines policies rules mixture-of-experts moe dense sparse decoder-only",
    "encoder-decoder multimodal mr ms mrs dr mr. ms. mrs. dr. prof prof. sir madam god earth world universe",
    "q a v1 v2 v3 pro plus max i'm i’m i've i’ve i'd i’d i'll i’ll",
    "mini ultra turbo instruct preview beta alpha",
)
_ORDINAL = re.compile(r"\d+(?:st|nd|rd|th)\.?", re.IGNORECASE)
_NO_ONE = re.compile(
    r"(?:no\s*-?\s*one|nobody|no\s+(?:company|lab|team|developer|creator|one\s+at\s+all)|none)\b", re.IGNORECASE
)
_TOKEN = (
    r"(?:(?:Dr|Mr|Mrs|Ms|Prof|St)\.|[A-Z][A-Za-z0-9.&'’+-]*[A-Za-z0-9+]|[A-Z]|"
    r"[0-9][A-Za-z0-9.-]*[A-Za-z][A-Za-z0-9.-]*)"
)
_CONNECTOR = r"(?:of|for|and|&|de|la|von|du)"
_LATIN_NAME = re.compile(rf"{_TOKEN}(?:[ \t]+(?:{_CONNECTOR}[ \t]+)?{_TOKEN})*")
_LEAD = re.compile(
    r"\s*(?:(?:just|simply|actually|really|officially|technically|basically|now|called|named|known\s+as|codenamed|"
    r"nicknamed|dubbed|the|a|an|one|your|proudly)\s+)*[\"'“‘«*_]*",
    re.IGNORECASE,
)
# A name followed by one of these names a kind of technique ("the Neuromorphic Computing architecture").
_TECHNIQUE_AFTER = re.compile(
    r"[\"'”’»*_]*\s*(?:\([^)]{1,12}\)\s*)?(?:(?:model|neural|network|language)\s+)*(?:architecture|technology|technique|"
    r"approach|paradigm|framework|algorithm|method|style)s?\b",
    re.IGNORECASE,
)
_AGENT = re.compile(
    r"\s*(?:the\s+|a\s+|some\s+|brilliant\s+|talented\s+|clever\s+|small\s+|tiny\s+|little-known\s+)*"
    r"(?:team|teams|engineers|researchers|scientists|minds|folks|people|developers|staff|employees|builders|"
    r"crew|lab|labs|group|collective|startup|company|firm|outfit|organi[sz]ation|institute|division|"
    r"research\s+(?:team|group|lab|division)|skunkworks)\s+(?:at|of|from|called|named)\s+",
    re.IGNORECASE,
)
# Chinese: words that name no one, and characters a name does not contain.
_ZH_GENERIC = re.compile(
    r"一个|一款|一名|一位|一种|一家|一群|一支|某个|某家|某|人工智能|智能体|大语言模型|语言模型|大模型|模型|AI|助手|机器人|聊天|"
    r"程序|系统|朋友|伙伴|工具|多语言|中文|英文|通用|对话|免费|开源|强大|新一代|最新|研究人员|研究员|工程师|科学家|开发者|"
    r"团队|公司|人类|自己|匿名|不知名|神秘|小型|大型|你|您|我|他们|它们|的|们"
)
_ZH_FUNCTION = re.compile(
    r"[的了在是有不没很要这那和与及或吗呢吧啊说想看用做来去给让被把对从也都就还又才再只太最更谁什么哪怎]"
)
_ZH_NAMED = re.compile(r"^(?:一个|一款|一位)?\s*(?:名为|叫做|名叫|称为|代号)\s*([^\s的，,]+)")
_ZH_NAME = re.compile(r"[\u3400-\u9fffA-Za-z0-9·\-]{2,12}")


def latin_name_at(text: str, position: int = 0, *, initial: bool = False) -> str | None:
    """A proper name starting at `position` (after lead words like "called" or "the"), if there is one.

    `initial`: the position opens a sentence, where every word is capitalised; there a single word
    that runs on into lowercase text ("Two tips for saving") is an ordinary word, not a name.
    """
    lead = _LEAD.match(text, position)
    start = lead.end() if lead else position
    agent = _AGENT.match(text, start)
    if agent is not None:
        start = agent.end()
    match = _LATIN_NAME.match(text, start)
    if match is None:
        return None
    opens = not text[position:start].strip(" \t\"'“‘«*_")  # only quotes or emphasis before it
    if initial and opens and ordinary_opening(text, match.start(), match.end()):
        return None
    if _TECHNIQUE_AFTER.match(text, match.end()):
        return None
    return proper(match.group(0))


def ordinary_opening(text: str, start: int, end: int) -> bool:
    """A sentence-opening word capitalised only by its place: one word, then lowercase text."""
    word = text[start:end]
    return " " not in word and word[1:].islower() and re.match(r"\s+[a-z0-9]", text[end:]) is not None


def proper(candidate: str) -> str | None:
    """The candidate trimmed to its name, or None when every word in it is generic."""
    words = candidate.strip(" .,;:'\"’").split()
    while words and (words[-1].lower() in _GENERIC or re.fullmatch(_CONNECTOR, words[-1])):
        words.pop()
    while words and words[0].lower() in _GENERIC:
        words.pop(0)
    if not words:
        return None
    if all(w.lower().strip(".,") in _GENERIC or re.fullmatch(_CONNECTOR, w) or _ORDINAL.fullmatch(w) for w in words):
        return None
    return " ".join(words)


def no_one_at(text: str, position: int = 0) -> bool:
    """ "created by no one", "nobody made me": a claim of having no maker at all."""
    lead = _LEAD.match(text, position)
    return _NO_ONE.match(text, lead.end() if lead else position) is not None


def chinese_name(candidate: str) -> str | None:
    """A Chinese (or Latin) name filling a claim's slot: not generic, no function characters."""
    text = candidate.strip(" ，,。：:“”\"'‘’「」")
    named = _ZH_NAMED.match(text)
    if named is not None:  # "一个名为 ChatGLM 的助手": the name is what follows 名为
        text = named.group(1)
    latin = re.match(r"[A-Za-z][A-Za-z0-9.&+-]*(?:\s+[A-Z][A-Za-z0-9.&+-]*)*", text)
    if latin is not None and len(latin.group(0)) >= 2:
        return proper(latin.group(0))
    text = text.split("的")[-1]  # "乐于助人的AI助手": only the head noun can be a name
    stripped = _ZH_GENERIC.sub("", text)
    if not stripped or _ZH_FUNCTION.search(stripped):
        return None
    name = _ZH_NAME.fullmatch(stripped)
    return name.group(0) if name and len(text) <= 12 else None


_TITLE_CASED = re.compile(r"[ \t]*(?P<name>[A-Z][a-z]+(?:[ \t]+[A-Z][a-z]+)+)\b(?![ \t]+[A-Z])")


def title_cased_name(region: str) -> str | None:
    """ "I am Open Assistant": words capitalised mid-sentence, with no article, are a name even when each
    alone is an ordinary word ("an Open Assistant" or "an AI Assistant" would be a description)."""
    match = _TITLE_CASED.match(region)
    return match.group("name") if match else None
