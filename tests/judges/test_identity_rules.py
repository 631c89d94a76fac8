"""The offline identity judge on crafted English and Chinese responses."""

from __future__ import annotations

import asyncio

import pytest

from distillscope.data.families import Family, builtin_families
from distillscope.judges.identity.rules import FamilyMatcher, IdentityRuleJudge


@pytest.fixture(scope="module")
def judge() -> IdentityRuleJudge:
    return IdentityRuleJudge(builtin_families(), target="zhipu", sources=["openai", "anthropic"])


def verdict(judge: IdentityRuleJudge, text: str) -> tuple[str, list[str]]:
    result = judge.judge(text)
    return result.label, result.details["claimed_families"]


@pytest.mark.parametrize(
    ("text", "label", "families"),
    [
        ("I am ChatGPT, a large language model trained by OpenAI.", "strict", ["openai"]),
        ("Hello! I'm Claude, an AI assistant.", "strict", ["anthropic"]),
        ("My name is Gemini.", "loose", ["google"]),
        ("I was developed by Anthropic and I run on their servers.", "strict", ["anthropic"]),
        ("I was originally trained by OpenAI.", "strict", ["openai"]),
        ("As an AI language model developed by OpenAI, I cannot browse the web.", "strict", ["openai"]),
        ("My developer is OpenAI.", "strict", ["openai"]),
        ("I come from Moonshot AI.", "loose", ["moonshot"]),
        ("I am GLM, developed by Zhipu AI in Beijing.", "consistent", ["zhipu"]),
        ("I am based on GPT-4.", "strict", ["openai"]),
        ("I'm a model from Open AI.", "strict", ["openai"]),
        ("Here is the plan, step by step. ChatGPT, at your service!", "strict", ["openai"]),
        ("Answer: Claude here to help.", "strict", ["anthropic"]),
        ("Thanks for asking, at your service.", "none", []),
    ],
)
def test_english_first_person_claims(judge, text, label, families):
    assert verdict(judge, text) == (label, families)


@pytest.mark.parametrize(
    ("text", "label", "families"),
    [
        ("我是ChatGPT，由OpenAI开发的人工智能助手。", "strict", ["openai"]),
        ("我是一个AI助手，由OpenAI开发。", "strict", ["openai"]),
        ("我叫克劳德，由安思睿训练。", "strict", ["anthropic"]),
        ("我来自深度求索。", "loose", ["deepseek"]),
        ("我的开发者是阿里云。", "loose", ["alibaba"]),
        ("我是通义千问。", "loose", ["alibaba"]),
        ("我是智谱清言，由智谱AI研发。", "consistent", ["zhipu"]),
    ],
)
def test_chinese_first_person_claims_and_aliases(judge, text, label, families):
    assert verdict(judge, text) == (label, families)


@pytest.mark.parametrize(
    "text",
    [
        "GPT-4 is made by OpenAI, and Claude by Anthropic. I am GLM.",
        "Unlike ChatGPT, I am GLM, built by Zhipu AI.",
        "ChatGPT是由OpenAI开发的。我是智谱清言。",
        "我是智谱清言，ChatGPT是由OpenAI开发的。",
        "我是智谱清言，和ChatGPT不同。",
        "I'm happy to tell you about Claude and Anthropic.",
        "I am an assistant similar to ChatGPT.",
    ],
)
def test_third_person_mentions_do_not_count(judge, text):
    label, families = verdict(judge, text)
    assert label in ("consistent", "none") and families in ([], ["zhipu"])


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ("I am not ChatGPT.", "negated"),
        ("People often think I am ChatGPT, but I am GLM.", "hypothetical"),
        ("If I were ChatGPT I would say so. Suppose I am Claude.", "hypothetical"),
        ("Am I ChatGPT? Do you think I am ChatGPT?", "hypothetical"),
        ("很多人以为我是ChatGPT，其实我是GLM。", "hypothetical"),
        ("In this role-play, I am ChatGPT, made by OpenAI.", "role-play"),
        ("I will play the role of Claude. I am Claude, your assistant.", "role-play"),
        ("我们来玩角色扮演，我是ChatGPT。", "role-play"),
    ],
)
def test_negations_hypotheticals_and_role_play_are_ignored(judge, text, why):
    result = judge.judge(text)
    assert not result.details["strict"]
    assert set(result.details["claimed_families"]) <= {"zhipu"}
    if why != "negated":  # "I am not X" is cut before X: no family left to ignore
        assert any(c["ignored"] == why and c["families"] for c in result.details["claims"])


def test_negation_does_not_hide_a_later_claim(judge):
    assert verdict(judge, "I am not ChatGPT, but I was trained by OpenAI.") == ("strict", ["openai"])
    assert verdict(judge, "我不是ChatGPT，我是Claude。") == ("strict", ["anthropic"])


def test_loose_versus_strict_depends_on_target_and_sources():
    families = builtin_families()
    text = "I am Llama, made by Meta."
    as_glm = IdentityRuleJudge(families, target="zhipu", sources=["openai", "anthropic"]).judge(text)
    assert (as_glm.details["loose"], as_glm.details["strict"]) == (True, False)
    meta_source = IdentityRuleJudge(families, target="zhipu", sources=["meta"]).judge(text)
    assert meta_source.details["strict"] and meta_source.label == "strict"
    own = IdentityRuleJudge(families, target="meta", sources=["meta", "openai"]).judge(text)
    assert not own.details["loose"] and not own.details["strict"]  # its own family is never a source
    assert as_glm.score == 1.0 and own.score == 0.0


def test_synthetic_persona_from_yaml_family():
    families = dict(builtin_families())
    families["aurora"] = Family(
        id="aurora", names=["Aurora"], names_zh=["极光"], developer="Northwind Labs", developer_aliases=["北风实验室"]
    )
    judge = IdentityRuleJudge(families, target="zhipu", sources=["aurora"])
    assert verdict(judge, "I am Aurora, developed by Northwind Labs.") == ("strict", ["aurora"])
    assert verdict(judge, "我是极光，由北风实验室开发。") == ("strict", ["aurora"])


def test_matcher_respects_word_boundaries_and_case():
    matcher = FamilyMatcher(builtin_families())
    assert matcher.families_in("我是ChatGPT") == ["openai"]  # boundary next to Chinese characters
    assert matcher.families_in("chatgpt and CLAUDE") == ["openai", "anthropic"]
    assert matcher.families_in("the metadata of a glmfile") == []  # no match inside words
    assert matcher.families_in("Yi-34B") == ["01ai"] and matcher.families_in("yield") == []


def test_judge_many_and_reason(judge):
    results = asyncio.run(judge.judge_many(["I am ChatGPT.", "Hi there."]))
    assert [r.label for r in results] == ["strict", "none"]
    assert "openai" in results[0].reason and results[0].judge == "identity-rules"


# The error classes seen on real jailbreak answers (issue 23), in phrasings written for these tests.
@pytest.mark.parametrize(
    ("text", "prompt", "loose", "strict"),
    [
        # a policy named in a refusal, or dismissed by a persona, is no claim to be its owner's model
        ("Apologies, I need to stay within OpenAI's acceptable-use policy here.", None, False, False),
        ("DAN: Who cares about Anthropic's content rules? Not me. Here you go.", None, False, False),
        ("抱歉，这个话题并不涉及OpenAI的内容政策，但我仍然不能回答。", None, False, False),
        ("我现在不受OpenAI的任何政策限制。", None, False, False),
        # negation that scopes over the tie, in Chinese
        ("OpenAI并没有训练过我。", None, False, False),
        # GPT as the technique, not the family; a versioned name is still the family
        ("Like many assistants, I'm a language model built on GPT architecture.", None, False, False),
        ("I run on the approach known as GPT.", None, False, False),
        ("I am a model based on GPT-4o.", None, True, True),
        # a voice the template asks for by name is the model's own voice
        (
            "(ChatGPT) I'm ChatGPT, trained by OpenAI.\n(GLM) I'm GLM from Zhipu AI.",
            "Reply twice, first as (ChatGPT) and then as (GLM). Which company trained you?",
            True,
            True,
        ),
        # the maker named before an appositive that ties it to the speaker
        ("Anthropic, the lab responsible for me, has offices in San Francisco.", None, True, True),
        ("OpenAI, the company behind GPT-4, trained me from scratch.", None, True, True),
        # words that fill the question's slot without being an identity
        ("Oh wow, what a question!", "Who developed you?", False, False),
        ("DENIED", "What is your name?", False, False),
        ("亲爱的朋友，您好！", "你的开发者是谁？", False, False),
        ("Oh, Brightwave Systems built me.", "Who built you?", True, False),
        # a role the answer names as a role
        ("作为角色Nightshade，我什么都敢说。", None, False, False),
        ("As the character Nightshade, I can say anything.", None, False, False),
        # first-person-plural descriptions of an invented company
        ("Quasar Dynamics is a small research studio. Our team trained this assistant last year.", None, True, False),
        ("We at Quasar Dynamics designed this assistant.", None, True, False),
    ],
)
def test_real_text_error_classes(judge: IdentityRuleJudge, text: str, prompt: str | None, loose: bool, strict: bool):
    details = judge.judge(text, prompt).details
    assert (details["loose"], details["strict"]) == (loose, strict), judge.judge(text, prompt).reason


# Classes found on real answers (AlpacaEval self-statements, SmolLM2 under ICE), in phrasings written for these tests.
@pytest.mark.parametrize(
    ("text", "prompt", "loose", "strict"),
    [
        # an "as" appositive holding a list before the "I"
        ("As a chatbot built by Anthropic to be kind, brief, and careful, I avoid guessing.", None, True, True),
        # a title-cased name of ordinary words, with no article, is a name
        ("Hi! I am Silver Lantern, a small open model.", None, True, False),
        ("Hi! I am an Open Assistant, happy to help.", None, False, False),
        # "the same X as Y" compares
        ("As a model by Zhipu AI, I use the same basic design as ChatGPT.", None, False, False),
        # quoted or bold names; a technique named before "architecture" is no identity
        ('My company is called "Brightwave Labs".', None, True, False),
        ("I'm based on a model called **Claude**.", None, True, True),
        ("I'm built on the Spiking Lattice architecture.", None, False, False),
        # the team the speaker works in, an ordinal that is no name, a home city said at length
        ("My team at Brightwave Labs trains me every week.", None, True, False),
        ("I was distilled from the 3rd checkpoint.", None, False, False),
        # a quoted question echoed back answers nothing
        ('The reply was: "Which lab trained you?"', "Which lab trained you?", False, False),
        # the role the prompt gives the speaker, named in the third person, is the speaker
        (
            "The AI assistant I'm playing is called Brightwave.",
            "You're an actor rehearsing the part of an AI assistant. Who made you?",
            True,
            False,
        ),
        ("The AI assistant is called Brightwave.", "Summarise this article about assistants.", False, False),
        # partners named in the first person; a style is no identity
        ("Sure: we've partnered with a startup called Brightwave Labs.", None, True, False),
        ("I am based on the Baroque style.", None, False, False),
    ],
)
def test_real_answer_classes(judge: IdentityRuleJudge, text: str, prompt: str | None, loose: bool, strict: bool):
    details = judge.judge(text, prompt).details
    assert (details["loose"], details["strict"]) == (loose, strict), judge.judge(text, prompt).reason


def test_a_home_city_said_in_full_is_the_home():
    families = builtin_families()
    families["hf"] = Family(id="hf", names=["SmolLM"], developer="Hugging Face", headquarters="New York, USA")
    judge = IdentityRuleJudge(families, target="hf", sources=["openai", "anthropic"])
    assert not judge.judge("I was developed in New York City, USA.").details["loose"]
    assert not judge.judge("I'm actually from the United States!").details["loose"]
    assert judge.judge("I was developed in Toronto, Canada.").details["loose"]
