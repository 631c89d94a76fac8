"""The offline similarity judges on crafted pairs: top of the scale for identical text, low for
unrelated text, style that follows the formatting rather than the words, and Chinese handled."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from distillscope.judges.similarity.base import ResponsePair
from distillscope.judges.similarity.embedding import EmbeddingJudge, load_encoder
from distillscope.judges.similarity.encoding import Encoder, cpu_bfloat16
from distillscope.judges.similarity.lexical import LexicalJudge, overlap_f1, text_units
from distillscope.judges.similarity.style import StyleJudge, phrases_used, signature_words, style_components
from distillscope.models.types import Message

PROMPT = [Message(role="user", content="How do I keep houseplants alive while travelling?")]
REFERENCE = """## Before you leave

- **Water deeply** the day before you go.
- Move plants away from **direct sun**.
- Group them together to keep humidity up.

## While you are away

1. Use self-watering spikes for thirsty plants.
2. Ask a neighbour to check on them after a week."""
# Same advice, same shape, other words.
STYLE_TWIN = """## Preparing

- **Soak the soil** thoroughly just before leaving.
- Keep pots out of **strong sunlight**.
- Cluster the plants so the air around them stays moist.

## During the trip

1. Put watering spikes in the plants that drink most.
2. Have a friend look in on them halfway through."""
# Same advice as one prose paragraph: no headers, no bold, no lists.
PROSE_TWIN = (
    "Before you leave, water the plants deeply the day before, move them away from direct sun and group them "
    "together to keep the humidity up. While you are away, self-watering spikes help the thirsty ones, and a "
    "neighbour can check on them after a week."
)
UNRELATED = "The French Revolution began in 1789 and ended the absolute monarchy of Louis XVI."


def pair(reference: str, target: str) -> ResponsePair:
    return ResponsePair(messages=PROMPT, reference=reference, target=target, id="p")


def scores(judge, pairs: list[ResponsePair]) -> list[float]:
    return [j.score for j in asyncio.run(judge.judge_many(pairs))]


@pytest.fixture(scope="module")
def embedding_judge() -> EmbeddingJudge:
    load_encoder()  # loaded once per process; every embedding judge after this reuses it
    return EmbeddingJudge()


def test_lexical_overlap_is_one_for_identical_and_zero_for_unrelated():
    identical, twin, unrelated = scores(
        LexicalJudge(), [pair(REFERENCE, REFERENCE), pair(REFERENCE, PROSE_TWIN), pair(REFERENCE, UNRELATED)]
    )
    assert identical == 1.0 and unrelated == 0.0
    assert 0.2 < twin < 1.0  # the prose twin reuses many of the reference's word pairs


def test_lexical_splits_chinese_into_characters():
    assert text_units("我喜欢Python编程 3.5") == ["我", "喜", "欢", "python", "编", "程", "3", "5"]
    walk, run = "今天天气很好，我们去公园散步吧。", "今天天气很好，我们去公园跑步吧。"
    f1, _, _ = overlap_f1(walk, run)
    assert 0.7 < f1 < 1.0  # one changed character costs two bigrams out of thirteen
    assert overlap_f1(walk, walk)[0] == 1.0
    assert overlap_f1(walk, "量子计算机利用叠加态进行运算。")[0] == 0.0
    # Whitespace splitting would make each sentence a single token with no bigram at all.
    assert len(walk.split()) == 1


def test_lexical_handles_empty_and_one_word_responses():
    assert overlap_f1("", "")[0] == 1.0 and overlap_f1("", "something")[0] == 0.0
    assert overlap_f1("Yes.", "yes")[0] == 1.0 and overlap_f1("Yes.", "No.")[0] == 0.0


def test_embedding_ranks_identical_then_paraphrase_then_unrelated(embedding_judge):
    identical, paraphrase, unrelated = scores(
        embedding_judge, [pair(REFERENCE, REFERENCE), pair(REFERENCE, PROSE_TWIN), pair(REFERENCE, UNRELATED)]
    )
    assert identical == pytest.approx(1.0, abs=1e-5)
    assert paraphrase > 0.6 and unrelated < 0.25 and paraphrase > unrelated + 0.4
    assert embedding_judge.scale.high == 1.0 and "cosine" in embedding_judge.scale.label


def test_embedding_encoder_is_loaded_once(embedding_judge):
    assert load_encoder() is load_encoder()
    assert EmbeddingJudge().embed(["a", "b", "a"]).shape[0] == 3


def test_style_prefers_the_same_shape_over_the_same_words():
    judge = StyleJudge()
    identical, style_twin, prose_twin, unrelated = scores(
        judge,
        [
            pair(REFERENCE, REFERENCE),
            pair(REFERENCE, STYLE_TWIN),
            pair(REFERENCE, PROSE_TWIN),
            pair(REFERENCE, UNRELATED),
        ],
    )
    assert identical == 1.0
    assert style_twin > 0.85 and prose_twin < 0.5 and unrelated < 0.5
    # The lexical judge sees it the other way round: the prose twin shares the words.
    lexical_style, lexical_prose = scores(LexicalJudge(), [pair(REFERENCE, STYLE_TWIN), pair(REFERENCE, PROSE_TWIN)])
    assert lexical_prose > lexical_style


def test_style_components_are_reported_and_unused_ones_left_out():
    components = style_components(REFERENCE, PROSE_TWIN)
    assert components["markdown"] == 0.0 and components["lists"] == 0.0
    assert components["signature"] is None  # no signature words configured: says nothing
    judgment = asyncio.run(StyleJudge().judge(pair("Plain answer.", "Another plain answer here.")))
    assert judgment.details["components"]["markdown"] is None  # neither uses markdown
    assert 0 < judgment.score < 1 and "length" in judgment.reason


def test_signature_words_are_learned_from_a_background_and_move_the_score():
    reference_texts = [f"Certainly! Let us delve into topic {i}. Certainly worth a look." for i in range(6)]
    background = [f"Here is some information about topic {i}. It is worth a look." for i in range(12)]
    words = signature_words(reference_texts, background)
    assert words[0] == "certainly" and "delve" in words  # "certainly" is used twice as often
    assert not {"topic", "worth", "look", "a"} & set(words)  # used as much by everyone
    judge = StyleJudge()
    judge.fit(reference_texts, background)
    copier, plain = scores(
        judge,
        [
            pair("Certainly! Let us delve into the weather.", "Certainly! We delve into the weather now."),
            pair("Certainly! Let us delve into the weather.", "Here is the weather for today, look."),
        ],
    )
    assert copier > plain


def test_configured_chinese_signature_phrases_match_inside_text():
    judge = StyleJudge(signature=["总而言之", "希望对你有帮助"])
    judge.fit(["ignored"], ["ignored"])  # configured words are kept
    assert judge.signature == ["总而言之", "希望对你有帮助"]
    same, different = scores(
        judge,
        [
            pair("总而言之，这个方法可行。希望对你有帮助！", "总而言之，可以这样做。希望对你有帮助。"),
            pair("总而言之，这个方法可行。希望对你有帮助！", "这个方法可行，可以这样做。"),
        ],
    )
    assert same > different


@pytest.mark.parametrize(
    ("text", "phrase", "used"),
    [
        ("Overall, it works.", "overall", True),  # case and punctuation around it
        ("overallness is not it", "overall", False),  # a longer word holds it
        ("the_overall plan", "overall", False),  # the underscore is a word character
        ("élan", "lan", False),  # so is a letter of any script
        ("a lan, then élan", "lan", True),  # a later occurrence stands alone
        ("I hope this helps!", "hope this helps", True),  # a phrase of several words
        ("3overall", "overall", False),  # and a digit
        ("总而言之，可以", "总而言之", True),  # CJK: inside text
    ],
)
def test_a_signature_phrase_counts_only_as_whole_words(text, phrase, used):
    assert (phrase in phrases_used(text, (phrase,))) is used


@pytest.mark.skipif(not Path("/proc/cpuinfo").exists(), reason="reads the CPU's flags from Linux's /proc/cpuinfo")
def test_the_encoder_uses_bfloat16_only_where_the_cpu_has_the_instructions(monkeypatch):
    # oneDNN calls bfloat16 "supported" on any AVX-512 CPU and emulates it there, at less than half
    # float32's speed; the flags the kernel reports are the independent word on what the chip has.
    flags = set()
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("flags"):
            flags.update(line.split(":", 1)[1].split())
    native = bool(flags & {"avx512_bf16", "amx_bf16"})
    from distillscope.judges.similarity import encoding

    monkeypatch.setattr(encoding, "_cuda", lambda: False)  # on a GPU the encoder keeps float32 anyway
    cpu_bfloat16.cache_clear()
    assert cpu_bfloat16() is native
    assert Encoder(fast=True).precision == ("bfloat16" if native else "float32")
    assert Encoder(fast=False).precision == "float32"


def test_scores_learned_from_embeddings_are_kept_under_the_encoders_precision(monkeypatch):
    # A run store carried to a CPU that encodes in the other precision must not hand back the
    # classifier's or proximity's scores learned from the first CPU's vectors.
    from distillscope.audit.responses import embedding_material
    from distillscope.judges.similarity import encoding

    monkeypatch.setattr(encoding, "_cuda", lambda: False)  # on a GPU the encoder keeps float32 anyway
    monkeypatch.setattr(encoding, "cpu_bfloat16", lambda: True)
    native = embedding_material("all-MiniLM-L6-v2", embedded=True)
    monkeypatch.setattr(encoding, "cpu_bfloat16", lambda: False)
    emulated = embedding_material("all-MiniLM-L6-v2", embedded=True)
    assert native != emulated and "bfloat16" in native["encoder"] and "float32" in emulated["encoder"]
    assert embedding_material("all-MiniLM-L6-v2", embedded=False) == {}
