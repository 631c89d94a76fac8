"""Chinese (and Chinese with Latin names in it): who 我 / 我们 is said to be, or to be made by.

The ties are "我是 / 我叫 / 我的名字是", "我由 / 我是由 … 开发", "我的开发团队是", "X开发了我", "打造我的团队是",
"我来自 / 出自", "作为X开发的模型，我…", "我们X的研究员", "我们机构X", and a refusal that owns a policy
("这违反了X的使用政策"). The value is read to the end of the clause, carried over "，由…" and cut at
"不是 / 而非 / 但 / 和…不同 / 无关"; the statement is set aside after 如果 / 假设 / 以为 and the like.
"""

from __future__ import annotations

import re

from distillscope.judges.identity.names import chinese_name
from distillscope.judges.identity.reading import Statement

_VERB = (
    r"(?:开发|研发|训练|打造|创造|创建|构建|设计|推出|发布|制造|编写|培养|孕育|训练出来|做出来|造出来|创立|微调|蒸馏)"
)
_HOLDER = (
    r"(?:开发者|开发商|创造者|创建者|研发者|研发团队|开发团队|团队|公司|母公司|研发机构|开发公司|底层模型|基础模型|架构|"
    r"创始人|制造者|缔造者|东家|出身|来源|训练者|设计者|作者|主人|老板|所属公司|所属机构|名字|真名|开发方|研发方|创造方|"
    r"真实身份|身份|本名|原名|型号|代号)"
)
_TRIGGERS: list[tuple[str, str, re.Pattern[str]]] = [
    ("technology", "after", re.compile(r"我(?:其实|实际上)?(?:是)?(?:在|基于)(?=[^，。！？；\n]{1,20}?的?基础上)")),
    ("place", "after", re.compile(rf"我(?:是)?在(?=[^，。！？；\n]{{1,12}}?(?:被)?{_VERB})")),
    (
        "name",
        "after",
        re.compile(r"我(?:其实|就|真的|确实|本来|正|也|才|现在|本|只)*(?:是|叫做|叫|名叫)|我的(?:真实)?名字(?:是|叫)"),
    ),
    ("maker", "after", re.compile(r"我(?:是)?(?:由|被)")),
    ("maker", "after", re.compile(rf"我的{_HOLDER}(?:其实|就|实际上)?(?:是|为|来自|乃是)")),
    (
        "maker",
        "around",
        re.compile(rf"{_VERB}了?我(?![们的])|(?:{_VERB}|造)我的(?:公司|团队|机构|人|企业|实验室|组织|是|就是)"),
    ),
    (
        "maker",
        "around",
        re.compile(r"我背后的|负责我的|把我(?:训练|开发|打造|创造)|(?:本|该|这个)(?:模型|助手|AI)(?:由|是由|基于)"),
    ),
    ("origin", "after", re.compile(r"我(?:其实)?(?:来自|出自|源自|诞生于|出身于?)")),
    ("technology", "after", re.compile(r"我(?:是)?(?:基于|构建在|运行在|建立在)")),
    ("maker", "after", re.compile(r"作为(?:一个|一款|一名)?")),
    (
        "maker",
        "around",
        re.compile(
            r"我们(?:的)?(?:机构|公司|团队|实验室|研发团队|开发团队|研究员|工程师|研究人员)|我们(?=[^，。！？\s]{2,12}?的(?:研究员|工程师|团队|研究人员|科学家))"
        ),
    ),
    ("maker", "after", re.compile(r"(?:那|这|那个|这个)?(?:就是|正是)我(?![们的])")),
]
_POLICY = re.compile(
    r"的(?:使用|内容|安全|服务)?(?:政策|准则|规定|条款|规则|原则|限制|要求)|(?:为我|给我)制定|不允许我|禁止我|要求我|约束"
)
_POLICY_CUE = re.compile(r"违反|违背|不符合|遵守|遵循|根据|按照|受|约束|不能|无法|抱歉|不允许|禁止|我")
_NOT_A_CLAIM = re.compile(
    r"^(?:不|否|谁|什么|哪|怎么|如何|想|很|非常|可以|会|能|要|来|用来|在|说|认真|开玩笑|第一次|真心|故意|这么|那么|为了|"
    r"因为|指|问|被问|经常被|常被|个好|不会|没有)"
)
_BLOCKING = re.compile(
    r"如果|假如|假设|要是|假装|倘若|若是|以为|认为|觉得|误认为|误以为|说我|问我|怀疑|猜|别以为|不要以为|扮演|不是|并非|否认|即使|"
    r"就算|想象|幻想|有人说|人们说|他们说|别人说|网上说|都说"
)
_CUT = re.compile(
    r"不是|并非|而非|并不是|不像|而是|但是|但|不过|或者|还是|以及其他|无关|没有关系|没关系|"
    r"(?:和|与|跟|同)[^，。！？；]{0,20}?(?:不同|不一样|相比|类似|一样|相似|有区别|竞争|没有任何关系|没有关系|无关)"
)
_CONTINUES = re.compile(
    r"^\s*(?:由|是由|并由|并且由|基于|来自|隶属|属于|出自|是|也是|一个|一款|一种|一名|由其|总部|位于|在|出品)"
)
_MAKER = re.compile(rf"由([^，。！？；、\n]{{1,16}}?)(?:的)?(?:团队|公司|的工程师们?|的研究员们?)?(?:一手)?{_VERB}")
_MAKER_OF = re.compile(
    rf"^([^，。！？；、\n]{{1,16}}?)(?:的)?(?:团队|公司|的工程师们?|的研究员们?)?(?:一手)?{_VERB}(?:出来)?的"
)
_CJK = re.compile(r"[\u3400-\u9fff]")
# After "我是X", what makes X a name rather than "a student" or noise: a maker or an AI noun right after it.
_INTRODUCED = re.compile(
    rf"\s*[，,]?\s*(?:由|是由|一个|一款|一种|一名|是一个|是一款|来自|出自|[\w\s]{{0,8}}?(?:AI|模型|助手|机器人|智能体)|"
    rf"[^，。]{{0,12}}?{_VERB})",
    re.IGNORECASE,
)
# A negation that scopes over the tie: "X并没有开发我", "我并不是由X…", "我从未被X训练".
_NEGATED = re.compile(r"(?:并|从|也|都|根本|绝)?(?:不|没有?|未|非|无)(?:曾|是|会)?\s*$")
_ROLE_NOUN = re.compile(r"\s*(?:一个|一名|这个|该)?(?:角色|人物|虚构人物|人设)")
_CHUNK = re.compile(r"[^，,。！？；、：:\n]{1,24}")
_MAX_SPAN = 80


def read_chinese(text: str, start: int, end: int) -> list[Statement]:
    """Every Chinese identity statement in the sentence text[start:end], with absolute offsets."""
    sentence = text[start:end]
    if not _CJK.search(sentence):
        return []
    found: list[Statement] = []
    for kind, mode, pattern in _TRIGGERS:
        for match in pattern.finditer(sentence):
            found.append(_statement(sentence, match, kind, mode))
    found += _policy_statements(sentence)
    found.sort(key=lambda s: (s.trigger[0], -(s.trigger[1] - s.trigger[0])))
    kept: list[Statement] = []
    for statement in found:
        if not kept or statement.trigger[0] != kept[-1].trigger[0]:
            kept.append(statement)
    for statement in kept:
        statement.trigger = (statement.trigger[0] + start, statement.trigger[1] + start)
        statement.region = (statement.region[0] + start, statement.region[1] + start)
    return kept


def _statement(sentence: str, match: re.Match[str], kind: str, mode: str) -> Statement:
    rest = sentence[match.end() :]
    if mode == "after":
        region = (match.end(), match.end() + len(_span(rest)))
    else:
        clause = _clause_start(sentence, match.start())
        region = (clause, match.end() + len(_cut(rest[:_MAX_SPAN].split("。")[0])))
    statement = Statement(kind, match.span(), region)
    statement.anaphor = bool(re.search(r"就是我|正是我", match.group(0)))
    value = sentence[region[0] : region[1]]
    before = sentence[_clause_start(sentence, match.start()) : match.start()]
    if kind == "name" and _NOT_A_CLAIM.match(rest):
        statement.ignored = "negated" if rest.startswith(("不", "否")) else "not a claim"
    elif match.group(0).startswith("作为") and not re.search(r"[，,]?\s*我", rest):
        statement.ignored = "not a claim"
    elif match.group(0).startswith("作为") and _ROLE_NOUN.match(rest):
        statement.ignored = "role-play"  # "作为角色X，我…": a part, by its own word
    elif _NEGATED.search(before):
        statement.ignored = "negated"
    elif _BLOCKING.search(before):
        statement.ignored = "hypothetical"
    elif _asks(sentence, match.end()):
        statement.ignored = "question"
    if re.search(r"没有(?:任何)?(?:公司|人|团队|开发者|创造者|组织)", value):
        statement.no_one = True
    is_a = match.group(0).endswith("是") and kind == "name"
    _find_names(statement, kind, mode, value, sentence[region[0] : match.start()], is_a)
    return statement


def _find_names(statement: Statement, kind: str, mode: str, value: str, before: str, is_a: bool) -> None:
    """Names a statement asserts. After a bare "我是" ("I am a …") a Chinese noun is a name only when
    a maker or an AI noun follows it ("我是天枢，由星河智能研发"), not in "我是一名学生" or in broken text."""
    if kind == "place":
        chunk = re.match(rf"(.{{1,12}}?)(?:被)?{_VERB}", value)
        if chunk:
            statement.places.append(chunk.group(1))
        return
    makers = [m.group(1) for m in _MAKER.finditer(value)]
    head = value.lstrip('：:“"「 ')
    maker_of = _MAKER_OF.match(head)
    if maker_of:
        makers.append(maker_of.group(1))
    elif mode == "after" and not head.startswith("由"):
        chunk = _CHUNK.match(head)
        if chunk:
            candidate = re.split(r"由|是", chunk.group(0))[0]
            introduced = _INTRODUCED.match(head[len(candidate) :])
            if re.match(r"\s*[A-Za-z]", candidate) or not is_a or introduced:
                makers.append(candidate)
    if mode == "around" and before.strip():
        makers.append(re.sub(r"^(?:是|就是|正是|都是|其实是|说实话|其实)", "", before.strip(" ，,：:")))
    for candidate in makers:
        name = chinese_name(candidate)
        if name:
            statement.names.append(name)


def _asks(sentence: str, position: int) -> bool:
    """Whether the clause holding the statement is a question ("我是谁？"), not a later clause ("…，满意了吧？")."""
    tail = sentence[position:].rstrip()
    if not tail.endswith(("？", "?", "吗", "呢")):
        return False
    return not re.search(r"[，,；;：:]", tail)


def _policy_statements(sentence: str) -> list[Statement]:
    if not _POLICY_CUE.search(sentence):
        return []
    found = []
    for match in _POLICY.finditer(sentence):
        start = max(_clause_start(sentence, match.start()), match.start() - 16)
        region = (start, match.start())
        statement = Statement("policy", match.span(), region)
        # A named policy is kept for the record, never counted: keeping (or dropping) X's rules says
        # nothing about who made the speaker (english.py says why).
        statement.ignored = "hypothetical" if _BLOCKING.search(sentence[: match.start()]) else "policy named"
        found.append(statement)
    return found


def _span(rest: str) -> str:
    clauses = re.split(r"[，,、]", rest[:_MAX_SPAN].split("。")[0])
    kept = [clauses[0]]
    for clause in clauses[1:]:
        if not _CONTINUES.match(clause):
            break
        kept.append(clause)
    return _cut("，".join(kept))


def _cut(span: str) -> str:
    cut = _CUT.search(span)
    return span[: cut.start()] if cut is not None else span


def _clause_start(sentence: str, position: int) -> int:
    boundaries = list(re.finditer(r"[，,；;：:]|但是|但|不过", sentence[:position]))
    return boundaries[-1].end() if boundaries else 0
