"""Which language a text is in, well enough to drop teacher answers in the wrong one.

A teacher asked in Chinese sometimes answers in English (and the reverse); a student trained on
that learns to switch languages. Telling Chinese from English needs no model: the writing system
says it, and a handful of English function words separates English from other Latin-script
languages. Code and URLs are removed first, since they are Latin script in any language.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

UNKNOWN = "unknown"
# What `detect_language` can answer, and the filter's "the prompt's own language".
KNOWN_LANGUAGES = ("en", "zh", "ja", "ko", "ru", "ar", "latin", "same_as_prompt")

_CODE = re.compile(r"```.*?```|`[^`\n]*`|https?://\S+", re.DOTALL)
_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_KANA = re.compile(r"[\u3040-\u30ff]")
_HANGUL = re.compile(r"[\uac00-\ud7af\u1100-\u11ff]")
_LATIN_WORD = re.compile(r"[A-Za-z\u00c0-\u024f]+(?:'[A-Za-z]+)?")
_CYRILLIC_WORD = re.compile(r"[\u0400-\u04ff]+")
_ARABIC_WORD = re.compile(r"[\u0600-\u06ff]+")

# The commonest English function words: frequent in any English text, rare in other languages.
_ENGLISH_STOPWORDS_TEXT = """
a an the and or but if of to in on at by for with from as is are was were be been being it its this that these
those there here he she they we you i me my your our their his her him them not no do does did have has had can
could will would should may might must what which who how when where why so than then about into over under also
just only very all any some more most such each other
"""
ENGLISH_STOPWORDS = frozenset(_ENGLISH_STOPWORDS_TEXT.split())

# Below this many words, a Latin-script text is too short to tell English from French: call it English.
MIN_WORDS_FOR_STOPWORDS = 5
ENGLISH_STOPWORD_SHARE = 0.15
# A text is Chinese when Han characters are at least this share of its units (characters + words).
CJK_SHARE = 0.3


def detect_language(text: str) -> str:
    """'zh', 'ja', 'ko', 'en', 'latin' (another Latin-script language), 'ru', 'ar' or 'unknown'."""
    text = _CODE.sub(" ", text)
    han, kana, hangul = len(_HAN.findall(text)), len(_KANA.findall(text)), len(_HANGUL.findall(text))
    latin = _LATIN_WORD.findall(text)
    cyrillic, arabic = len(_CYRILLIC_WORD.findall(text)), len(_ARABIC_WORD.findall(text))
    cjk = han + kana + hangul
    units = cjk + len(latin) + cyrillic + arabic
    if units == 0:
        return UNKNOWN
    if cjk / units >= CJK_SHARE:
        if hangul > han + kana:
            return "ko"
        return "ja" if kana >= 0.1 * cjk else "zh"
    words = {"latin": len(latin), "ru": cyrillic, "ar": arabic}
    script = max(words, key=lambda name: words[name])
    if script != "latin":
        return script
    return "en" if _looks_english(latin) else "latin"


def language_matches(response: str, expected: Sequence[str], prompt: str | None = None) -> bool:
    """Whether a response is in one of the expected languages; "same_as_prompt" means the prompt's.

    A text whose language cannot be told (numbers, symbols, code only) passes: it is not evidence
    of the wrong language.
    """
    wanted = set(expected)
    if "same_as_prompt" in wanted:
        wanted.discard("same_as_prompt")
        asked = detect_language(prompt or "")
        if asked == UNKNOWN and not wanted:
            return True
        wanted.add(asked)
    found = detect_language(response)
    return found == UNKNOWN or found in wanted


def _looks_english(words: list[str]) -> bool:
    if len(words) < MIN_WORDS_FOR_STOPWORDS:
        return True
    common = sum(word.lower() in ENGLISH_STOPWORDS for word in words)
    return common / len(words) >= ENGLISH_STOPWORD_SHARE
