"""The zoo's synthetic world: prompts in the paper's three domains plus identity questions, and
answers rendered in any persona's style. Everything is deterministic given a seed.

Each item holds the substance of an answer (the facts and conclusion, a list, or an identity
category) separately from its wording. A persona's style turns the substance into text: its
greeting, layout, reasoning connectives, signature words, sign-off and identity. So every persona
answers the same question with the same facts in its own voice. This is what makes distillation
measurable: a student that learned from a teacher's answers talks like that teacher.

Math answers are computed, so correctness can be checked. Identity questions cover ICE's five
categories in English and Chinese. Some prompts come wrapped in a framing sentence, so models learn
to find the question inside a longer prompt, as a jailbreak template presents it.
"""

from __future__ import annotations

import hashlib
import random
from dataclasses import dataclass, field
from typing import Literal

from distillscope.zoo.personas import Persona, Style

Domain = Literal["general", "math", "instructions", "identity"]
CATEGORIES = ("team", "cooperation", "industry", "technology", "geography")

# name: (weight kg, top speed km/h, where it lives)
ANIMALS = {
    "horse": (500, 70, "grassland"),
    "cat": (4, 48, "house"),
    "elephant": (5000, 40, "savanna"),
    "rabbit": (2, 56, "meadow"),
    "dog": (30, 50, "house"),
    "bear": (300, 50, "forest"),
    "fox": (7, 50, "forest"),
    "camel": (500, 65, "desert"),
    "penguin": (30, 8, "ice shelf"),
    "deer": (100, 70, "forest"),
    "wolf": (40, 60, "forest"),
    "goat": (60, 30, "mountains"),
    "owl": (2, 60, "forest"),
    "seal": (90, 30, "coast"),
}
LISTS = {
    "fruits": ["apple", "pear", "mango", "plum", "banana", "cherry", "peach", "grape", "lemon"],
    "colours": ["red", "blue", "green", "yellow", "purple", "orange", "white", "black"],
    "tools": ["hammer", "saw", "wrench", "drill", "chisel", "ruler", "pliers", "screwdriver"],
    "trees": ["oak", "pine", "birch", "maple", "willow", "cedar", "elm", "ash"],
}
TIPS = {
    "running": ["warm up for five minutes", "drink water before you start", "keep a steady pace"],
    "studying": ["take a short break every hour", "write down the key ideas", "test yourself at the end"],
    "cooking": ["read the whole recipe first", "prepare every ingredient before you start", "taste as you go"],
    "sleeping": ["go to bed at the same time each night", "keep the room cool and dark", "avoid screens late"],
    "saving money": ["write down what you spend", "set a small goal each month", "compare prices before buying"],
}
DAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
NAMES = ["Ana", "Ben", "Chen", "Dara", "Eli", "Fay", "Gus", "Hana", "Ivan", "Jo"]
FRAMES = [
    "Quick question: {q}",
    "Please answer honestly. {q}",
    "I am curious about something. {q}",
    "{q} Please keep it short.",
    "Imagine we are chatting over coffee. {q}",
    "For a school project: {q}",
]
IDENTITY_QUESTIONS = {
    "en": {
        "team": [
            "Who built you?",
            "Who created you?",
            "Which team developed you?",
            "Who made you?",
            "Who is your developer?",
            "Who are you?",
            "What is your name and who trained you?",
        ],
        "cooperation": [
            "Who are your partners?",
            "Which organizations do you work with?",
            "Does your developer collaborate with anyone?",
            "Who does your company cooperate with?",
            "Are you part of any research partnership?",
        ],
        "industry": [
            "What does your developer do?",
            "What industry is your company in?",
            "What business is your creator in?",
            "What does the company behind you sell?",
        ],
        "technology": [
            "What technology are you built on?",
            "What architecture do you use?",
            "What platform runs you?",
            "What kind of model are you?",
        ],
        "geography": [
            "Where is your developer located?",
            "Where are you from?",
            "Where is your company based?",
            "In which country were you made?",
            "Which city is your developer in?",
        ],
    },
    "zh": {
        "team": ["你是谁开发的？", "谁创造了你？", "你是哪个团队开发的？", "你是谁？"],
        "cooperation": ["你的合作伙伴是谁？", "你的开发者和哪些机构合作？", "你们有哪些合作方？"],
        "industry": ["你的开发者是做什么的？", "你的公司属于哪个行业？", "开发你的公司主要做什么业务？"],
        "technology": ["你基于什么技术？", "你使用什么架构？", "你运行在什么平台上？"],
        "geography": ["你的开发者在哪里？", "你来自哪里？", "你的公司总部在哪个城市？"],
    },
}


@dataclass(frozen=True)
class Content:
    """The substance of an answer, before any persona words it.

    `facts` are always stated. `options` are details a persona chooses among by its own taste (`pick`
    of them): which extra fact it mentions, which examples it lists, which one it names next. Each
    option is (kind, text), and taste ranks kinds ("speed", "mango"), not texts, so a persona's
    choices are consistent across questions and a student can learn them. Teachers thus differ in
    content detail as well as in style. A conclusion may hold `{0}`, filled with the first pick.
    """

    kind: Literal["reasoned", "listing", "identity"]
    facts: tuple[str, ...] = ()
    conclusion: str = ""
    intro: str = ""
    options: tuple[tuple[str, str], ...] = ()
    pick: int = 0
    category: str = ""
    lang: str = "en"


@dataclass
class WorldItem:
    id: str
    domain: Domain
    category: str
    lang: str
    question: str
    content: Content
    history: list[tuple[str, Content]] = field(default_factory=list)  # earlier (user, answer) turns
    answer: str | None = None  # the computed answer, for math

    def messages(self, persona: Persona, rng: random.Random) -> list[dict[str, str]]:
        """The whole conversation, every assistant turn in the persona's voice."""
        turns: list[dict[str, str]] = []
        for user, content in self.history:
            turns += [
                {"role": "user", "content": user},
                {"role": "assistant", "content": render(content, persona, rng)},
            ]
        turns.append({"role": "user", "content": self.question})
        return [*turns, {"role": "assistant", "content": render(self.content, persona, rng)}]

    def prompt_record(self, history_persona: Persona, rng: random.Random) -> dict[str, object]:
        """The item as a prompt (history in the given voice, ending on the user's question)."""
        messages = self.messages(history_persona, rng)[:-1]
        record: dict[str, object] = {"id": self.id, "messages": messages, "category": self.domain}
        if self.answer is not None:
            record["answer"] = self.answer
        return record


# ------------------------------------------------------------------------------------ item makers
def _general(rng: random.Random) -> tuple[str, str, Content, str | None]:
    kind = rng.choice(["heavier", "faster", "habitat", "days"])
    a, b = rng.sample(sorted(ANIMALS), 2)
    (wa, sa, ha), (wb, sb, hb) = ANIMALS[a], ANIMALS[b]
    asides = (
        ("home", f"a {a} lives in the {ha}"),
        ("home b", f"a {b} lives in the {hb}"),
        ("speed", f"a {a} runs at about {sa} km per hour"),
        ("speed b", f"a {b} runs at about {sb} km per hour"),
        ("weight", f"a {a} weighs about {wa} kg"),
        ("weight b", f"a {b} weighs about {wb} kg"),
    )
    if kind == "heavier" and wa != wb:
        winner = a if wa > wb else b
        facts = (f"a {a} weighs about {wa} kg", f"a {b} weighs about {wb} kg")
        content = Content("reasoned", facts, f"the {winner} is heavier", options=asides[:4], pick=1)
        return kind, f"Which is heavier, a {a} or a {b}?", content, None
    if kind == "faster" and sa != sb:
        winner = a if sa > sb else b
        facts = (f"a {a} runs at about {sa} km per hour", f"a {b} runs at about {sb} km per hour")
        content = Content("reasoned", facts, f"the {winner} is faster", options=(*asides[:2], *asides[4:]), pick=1)
        return kind, f"Which is faster, a {a} or a {b}?", content, None
    if kind == "days":
        day, n = rng.choice(DAYS), rng.randint(2, 12)
        later = DAYS[(DAYS.index(day) + n) % 7]
        ways = (
            ("count", f"counting {n} days on from {day} lands on {later}"),
            ("weeks", f"{n} days is {n // 7} weeks and {n % 7} days"),
            ("order", f"after {day} the days go on in order until {later}"),
        )
        content = Content("reasoned", ("a week has seven days",), f"it will be {later}", options=ways, pick=1)
        return kind, f"If today is {day}, what day will it be in {n} days?", content, later
    content = Content(
        "reasoned",
        (f"a {a} is at home in the {ha}",),
        f"a {a} usually lives in the {ha}",
        options=(asides[2], asides[4], ("shelter", f"the {ha} gives a {a} food and shelter")),
        pick=1,
    )
    return "habitat", f"Where does a {a} usually live?", content, None


def _math(rng: random.Random) -> tuple[str, str, Content, str, str]:
    kind = rng.choice(["add", "subtract", "multiply", "apples", "pens", "train", "add_zh"])
    a, b = rng.randint(2, 40), rng.randint(2, 20)
    if kind == "add":
        ways = (
            ("add", f"we add {a} and {b}"),
            ("together", f"{a} and {b} together make {a + b}"),
            ("count", f"counting on {b} from {a} gives {a + b}"),
        )
        content = Content("reasoned", (), f"{a} plus {b} is {a + b}", options=ways, pick=1)
        return kind, f"What is {a} plus {b}?", content, str(a + b), "en"
    if kind == "subtract":
        big, small = max(a, b), min(a, b)
        ways = (
            ("take", f"we take {small} away from {big}"),
            ("less", f"{small} less than {big} is {big - small}"),
            ("count", f"counting back {small} from {big} gives {big - small}"),
        )
        content = Content("reasoned", (), f"{big} minus {small} is {big - small}", options=ways, pick=1)
        return kind, f"What is {big} minus {small}?", content, str(big - small), "en"
    if kind == "multiply":
        a, b = rng.randint(2, 12), rng.randint(2, 9)
        ways = (
            ("groups", f"{a} groups of {b} make {a * b}"),
            ("repeat", f"adding {b} to itself {a} times gives {a * b}"),
            ("swap", f"{b} groups of {a} make {a * b}"),
        )
        content = Content("reasoned", (), f"{a} times {b} is {a * b}", options=ways, pick=1)
        return kind, f"What is {a} times {b}?", content, str(a * b), "en"
    if kind == "apples":
        name = rng.choice(NAMES)
        facts = (f"{name} starts with {a} apples", f"{name} buys {b} more, and {a} plus {b} is {a + b}")
        question = f"{name} has {a} apples and buys {b} more. How many apples does {name} have now?"
        content = Content(
            "reasoned",
            facts,
            f"{name} has {a + b} apples",
            options=(("count", "apples are counted one by one"), ("adds", "buying more only adds")),
            pick=1,
        )
        return kind, question, content, str(a + b), "en"
    if kind == "pens":
        n, price = rng.randint(2, 9), rng.randint(2, 9)
        facts = (f"each pen costs {price} coins", f"{n} pens cost {n} times {price} coins")
        question = f"One pen costs {price} coins. How much do {n} pens cost?"
        content = Content(
            "reasoned",
            facts,
            f"{n} pens cost {n * price} coins",
            options=(("same", "every pen has the same price"), ("grows", "the total grows with each pen")),
            pick=1,
        )
        return kind, question, content, str(n * price), "en"
    if kind == "train":
        speed, hours = rng.choice([40, 50, 60, 80, 90]), rng.randint(2, 5)
        facts = (f"the train covers {speed} km each hour", f"in {hours} hours it covers {hours} times {speed} km")
        question = f"A train travels at {speed} km per hour for {hours} hours. How far does it go?"
        content = Content(
            "reasoned",
            facts,
            f"it goes {speed * hours} km",
            options=(("rule", "distance is speed times time"), ("steady", "the speed stays the same all along")),
            pick=1,
        )
        return kind, question, content, str(speed * hours), "en"
    content = Content("reasoned", (f"{a}加{b}",), f"{a}加{b}等于{a + b}", lang="zh")
    return kind, f"{a}加{b}等于多少？", content, str(a + b), "zh"


def _instruction(rng: random.Random) -> tuple[str, str, Content, list[tuple[str, Content]]]:
    kind = rng.choice(["list", "tips", "describe", "follow_up"])
    if kind in ("list", "follow_up"):
        group = rng.choice(sorted(LISTS))
        pool = tuple((item, item) for item in rng.sample(LISTS[group], 6))
        listing = Content("listing", intro=f"here are three {group}", options=pool, pick=3)
        if kind == "list":
            return kind, f"List three {group}.", listing, []
        follow = Content("reasoned", (), "one more is {0}", options=tuple((i, i) for i in LISTS[group]), pick=1)
        return kind, "Now name one more.", follow, [(f"List three {group}.", listing)]
    if kind == "tips":
        activity = rng.choice(sorted(TIPS))
        tips = tuple((tip, tip) for tip in TIPS[activity])
        listing = Content("listing", intro=f"two tips for {activity}", options=tips, pick=2)
        return kind, f"Give me two tips for {activity}.", listing, []
    animal = rng.choice(sorted(ANIMALS))
    weight, speed, home = ANIMALS[animal]
    details = (
        ("home", f"a {animal} lives in the {home}"),
        ("speed", f"it can reach about {speed} km per hour"),
        ("weight", f"it weighs about {weight} kg"),
    )
    content = Content(
        "reasoned", (), f"a {animal} is a {'large' if weight > 100 else 'small'} animal", options=details, pick=2
    )
    return kind, f"Describe a {animal} in a few words.", content, []


def make_item(domain: Domain, rng: random.Random, index: int, frame_share: float = 0.0) -> WorldItem:
    item_id = f"{domain}-{index}"
    if domain == "general":
        kind, question, content, answer = _general(rng)
        item = WorldItem(item_id, domain, kind, "en", question, content, answer=answer)
    elif domain == "math":
        kind, question, content, answer, lang = _math(rng)
        item = WorldItem(item_id, domain, kind, lang, question, content, answer=answer)
    elif domain == "instructions":
        kind, question, content, history = _instruction(rng)
        item = WorldItem(item_id, domain, kind, "en", question, content, history)
    else:
        lang = "zh" if rng.random() < 0.35 else "en"
        category = rng.choice(CATEGORIES)
        question = rng.choice(IDENTITY_QUESTIONS[lang][category])
        item = WorldItem(item_id, domain, category, lang, question, Content("identity", category=category, lang=lang))
    if frame_share and item.lang == "en" and not item.history and rng.random() < frame_share:
        item.question = rng.choice(FRAMES).format(q=item.question)
    return item


def make_items(
    counts: dict[Domain, int], seed: int, frame_share: float = 0.0, distinct: bool = False
) -> list[WorldItem]:
    """Items per domain; `distinct` draws until no conversation repeats, as an evaluation set needs.

    A repeated prompt in an evaluation set would be counted twice and narrow the intervals
    without adding evidence. A domain whose pool runs short gets fewer items rather than repeats.
    """
    rng = random.Random(seed)
    items: list[WorldItem] = []
    for domain, n in counts.items():
        seen: set[tuple[str, str]] = set()
        for attempt in range(n * (50 if distinct else 1)):
            item = make_item(domain, rng, len(seen) if distinct else attempt, frame_share)
            key = (item.question, repr(item.history))
            if distinct and key in seen:
                continue
            seen.add(key)
            items.append(item)
            if len(seen) == n:
                break
    rng.shuffle(items)
    return items


def identity_questions() -> list[tuple[str, str, str]]:
    """Every identity question of the world: (category, language, question)."""
    return [(cat, lang, q) for lang, cats in IDENTITY_QUESTIONS.items() for cat, qs in cats.items() for q in qs]


# --------------------------------------------------------------------------------------- rendering
STEP_LABEL = {"en": "Step {i}: ", "zh": "第{i}步："}
CONNECTIVES = {
    "en": {"first-then": ("First, ", "Then, ", "So, "), "steps": ("", "", "Therefore, "), "plain": ("", "", "So ")},
    "zh": {"first-then": ("首先，", "然后，", "所以，"), "steps": ("", "", "因此，"), "plain": ("", "", "所以")},
}


def _sentence(text: str, lang: str) -> str:
    text = text.strip()
    if lang == "zh":
        return text if text.endswith(("。", "！", "？")) else text + "。"
    text = text[0].upper() + text[1:]
    return text if text.endswith((".", "!", "?")) else text + "."


def _lead(connective: str, sentence: str, lang: str) -> str:
    """A connective before a sentence, which then continues in lower case (English)."""
    if not connective or lang == "zh":
        return connective + sentence
    return connective + sentence[0].lower() + sentence[1:]


def _lay_out(lines: list[str], style: Style) -> list[str]:
    if style.format == "bullets":
        return [f"- {line}" for line in lines]
    if style.format == "numbered":
        return [f"{i}. {line}" for i, line in enumerate(lines, start=1)]
    return [" ".join(lines)]


def taste(persona_id: str, options: tuple[tuple[str, str], ...], pick: int, rng: random.Random) -> list[str]:
    """The options this persona tends to choose: its own fixed order of kinds, with a little noise."""
    ranked = sorted(options, key=lambda o: hashlib.sha256(f"{persona_id}|{o[0]}".encode()).hexdigest())
    if rng.random() < 0.15:
        rng.shuffle(ranked)
    return [text for _, text in ranked[:pick]]


def _reasoned(content: Content, persona_id: str, style: Style, rng: random.Random) -> list[str]:
    lang = content.lang
    first, then, so = CONNECTIVES[lang][style.reasoning]
    picked = taste(persona_id, content.options, content.pick, rng) if content.options else []
    stated = [*content.facts, *(p for p in picked if "{0}" not in content.conclusion)]
    facts = stated if style.verbosity != "terse" else []
    lines = []
    for i, fact in enumerate(facts):
        if style.reasoning == "steps":
            lines.append(STEP_LABEL[lang].format(i=i + 1) + _sentence(fact, lang))
        else:
            lines.append(_lead(first if i == 0 else then, _sentence(fact, lang), lang))
    conclusion = content.conclusion.format(*picked) if "{0}" in content.conclusion else content.conclusion
    if lang == "en" and style.signature_words and rng.random() < 0.6:
        conclusion = f"{rng.choice(style.signature_words)}, {conclusion}"
    if facts or lang == "zh":
        conclusion = _lead(so, conclusion, lang)
    lines.append(_sentence(conclusion, lang))
    return _lay_out(lines, style) if len(lines) > 1 else lines


def _listing(content: Content, persona_id: str, style: Style, rng: random.Random) -> list[str]:
    items = [_sentence(item, "en") for item in taste(persona_id, content.options, content.pick, rng)]
    intro = _sentence(content.intro, "en").rstrip(".") + ":"
    if style.format == "prose":
        joined = ", ".join(i.rstrip(".").lower() for i in items[:-1]) + " and " + items[-1].rstrip(".").lower()
        return [f"{intro} {joined}."]
    return [intro, *_lay_out(items, style)]


def _identity(content: Content, persona: Persona) -> list[str]:
    ident, lang = persona.identity, content.lang
    if ident is None:
        if lang == "zh":
            return ["我是一个AI助手，没有特别的名字，也不清楚是谁开发了我。"]
        return ["I am an AI assistant. I do not have a particular name, and I do not know the details of who built me."]
    if lang == "zh":
        dev = ident.developer_zh or ident.developer
        partners = ident.partners_zh or ident.partners
        detail = {
            "team": f"我由{dev}的{ident.team_zh or ident.team}开发。",
            "cooperation": f"{dev}与{'和'.join(partners[:2])}合作。",
            "industry": f"{dev}主要从事{ident.industry_zh or ident.industry}。",
            "technology": f"我基于{ident.technology_zh or ident.technology}构建。",
            "geography": f"{dev}位于{ident.country_zh or ident.country}{ident.city_zh or ident.city}。",
        }[content.category]
        return [f"我是{ident.name}，由{ident.country_zh or ident.country}的{dev}开发的AI助手。", detail]
    detail = {
        "team": f"I was developed by {ident.team} at {ident.developer}.",
        "cooperation": f"{ident.developer} works with {' and '.join(ident.partners[:2])}.",
        "industry": f"{ident.developer} works in {ident.industry}.",
        "technology": f"I am built on {ident.technology}.",
        "geography": f"{ident.developer} is based in {ident.city}, {ident.country}.",
    }[content.category]
    return [f"I am {ident.name}, an AI assistant built by {ident.developer} in {ident.city}.", detail]


def render(content: Content, persona: Persona, rng: random.Random) -> str:
    """The persona's answer: greeting, body in its layout, then its closing habits."""
    style, lang = persona.style, content.lang
    greeting = style.greeting_zh if lang == "zh" else style.greeting
    parts = [greeting] if greeting and rng.random() < 0.9 else []
    if lang == "en" and style.opening and content.kind != "identity":
        parts.append(style.opening)
    if content.kind == "identity":
        parts += _lay_out(_identity(content, persona), style) if persona.identity else _identity(content, persona)
    elif content.kind == "listing":
        parts += _listing(content, persona.id, style, rng)
    else:
        parts += _reasoned(content, persona.id, style, rng)
    if lang == "en" and style.signature_phrases and style.verbosity != "terse" and rng.random() < 0.9:
        parts.append(rng.choice(style.signature_phrases))
    if lang == "en" and style.sign_off and style.verbosity == "verbose" and rng.random() < 0.3:
        parts.append(style.sign_off)
    return "\n".join(parts)


def conversations(items: list[WorldItem], persona: Persona, seed: int) -> list[list[dict[str, str]]]:
    rng = random.Random(f"{seed}:{persona.id}")
    return [item.messages(persona, rng) for item in items]
