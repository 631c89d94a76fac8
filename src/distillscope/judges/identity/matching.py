"""Finding the families a text names, and knowing which names are the target's own.

A family is named by its aliases (model names, developer names, in English and Chinese) and, where
the facts state them, by its team and technology ("the Polar Reasoning team", "Lattice"). A
developer called "Northwind Labs" is also named by "Northwind": the short form a response uses once
the company is known. Short forms and fact terms are matched with their capitals, so "Quill" the
engine is not "quill" the pen, and they count only inside a first-person claim.

A text is scanned once: its Latin words are looked up by first word (then the few aliases starting
with that word are tried in place), and Chinese aliases are found by plain substring search.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from distillscope.data.families import Family

_CORPORATE_SUFFIX = re.compile(
    r"\s+(?:AI|Labs?|Inc\.?|Ltd\.?|LLC|Technologies|Technology|Systems|Research|Group)$|(?:实验室|智能|科技|公司|集团|研究院)$"
)
_CJK = re.compile(r"[\u3400-\u9fff]")
_FIRST_WORD = re.compile(r"[A-Za-z0-9]+")


@dataclass(frozen=True)
class FamilyMention:
    family: str
    alias: str
    start: int
    end: int
    fact: bool = False  # a team or technology term, not a name of the family


class FamilyMatcher:
    """Finds every family named in a text, by any alias; longest match wins where two overlap.

    With `facts=True` it also finds each family's team and technology terms and the short forms of
    its developer's name (marked `fact`), which identify a family only inside a claim.
    """

    def __init__(self, families: Mapping[str, Family], *, facts: bool = False) -> None:
        self.families = dict(families)
        self._latin: dict[str, list[tuple[re.Pattern[str], str, bool]]] = {}
        self._cjk: list[tuple[str, str, bool]] = []
        seen: set[tuple[str, bool]] = set()
        for fid, family in self.families.items():
            for term, is_fact in _terms(family, facts):
                if not _key(term) or (term, is_fact) in seen:
                    continue
                seen.add((term, is_fact))
                first = _FIRST_WORD.match(term)
                if first is None:
                    self._cjk.append((term, fid, is_fact))
                else:
                    pattern = re.compile(_alias_regex(term, exact_case=is_fact))
                    self._latin.setdefault(first.group(0).lower(), []).append((pattern, fid, is_fact))

    def find(self, text: str) -> list[FamilyMention]:
        found = []
        for word in _FIRST_WORD.finditer(text):
            for pattern, fid, is_fact in self._latin.get(word.group(0).lower(), ()):
                match = pattern.match(text, word.start())
                if match is not None:
                    found.append(FamilyMention(fid, match.group(0), match.start(), match.end(), is_fact))
        for term, fid, is_fact in self._cjk:
            position = text.find(term)
            while position >= 0:
                found.append(FamilyMention(fid, term, position, position + len(term), is_fact))
                position = text.find(term, position + 1)
        found.sort(key=lambda m: (m.start, -(m.end - m.start), m.fact))
        kept: list[FamilyMention] = []
        for mention in found:
            if not kept or mention.start >= kept[-1].end:
                kept.append(mention)
        return kept

    def families_in(self, text: str) -> list[str]:
        """Families named anywhere in the text (by a name, not a fact term), in order of first mention."""
        return list(dict.fromkeys(m.family for m in self.find(text) if not m.fact))


class OwnFacts:
    """The target's own identity terms: a name among them is never an invented identity."""

    def __init__(self, family: Family | None) -> None:
        terms: list[str] = []
        if family is not None:
            terms = [term for term, _ in _terms(family, facts=True)]
            terms += [*family.partners, *family.partners_zh]
            for place in (family.headquarters, family.headquarters_zh):
                if place:
                    terms += [place, *re.split(r"\s*[,，]\s*", place)]
        self.keys = [k for k in (_key(t) for t in terms) if len(k) >= 2]
        self.places = [_key(p) for p in _place_terms(family)] if family is not None else []
        home = [family.headquarters or ""] if family is not None else []
        self.city_words = {w for place in home for w in _city_words(re.split(r"\s*,\s*", place)[0])}

    def owns(self, name: str) -> bool:
        """Whether `name` is one of the target's terms, or part of one, or contains one."""
        key = _key(name)
        if not key:
            return True
        return any(key in own or own in key for own in self.keys if _comparable(key, own))

    def is_home(self, place: str) -> bool | None:
        """Whether a place is where the target is based; None when the facts give no place."""
        if not self.places:
            return None
        key = _key(place)
        key = _COUNTRY_SYNONYMS.get(key, key)
        if any(key in own or own in key for own in self.places if len(min(key, own, key=len)) >= 2):
            return True
        return bool(_city_words(place) & self.city_words)


_COUNTRY_SYNONYMS = {
    "unitedstates": "usa",
    "us": "usa",
    "u.s.": "usa",
    "america": "usa",
    "theunitedstates": "usa",
    "california": "usa",
    "unitedkingdom": "uk",
    "britain": "uk",
    "england": "uk",
    "美国": "usa",
    "prc": "china",
    "mainlandchina": "china",
}


def _city_words(place: str) -> set[str]:
    """The distinctive words of a city's name ("New York City" → york): not "new", "city" or a country."""
    words = {w.lower() for w in re.findall(r"[A-Za-z]{3,}", place)}
    return words - {"new", "city", "san", "los", "las", "the", "usa", "china", "north", "south", "east", "west"}


def _place_terms(family: Family) -> list[str]:
    places = []
    for place in (family.headquarters, family.headquarters_zh):
        if place:
            places += [place, *re.split(r"\s*[,，]\s*", place)]
    if family.headquarters_zh:  # "中国北京": the country and the city
        zh = family.headquarters_zh
        places += [zh[:2], zh[2:]] if len(zh) > 3 and _CJK.match(zh) else []
    return [_COUNTRY_SYNONYMS.get(_key(p), p) for p in places if p]


def _comparable(key: str, own: str) -> bool:
    """Containment counts only between terms long enough to mean something ("ai" is in everything)."""
    shorter = min(key, own, key=len)
    return len(shorter) >= (2 if _CJK.search(shorter) else 4)


def _terms(family: Family, facts: bool) -> Iterable[tuple[str, bool]]:
    for alias in family.aliases:
        alias = alias.strip()
        if alias and not alias.startswith("("):
            yield alias, False
    if not facts:
        return
    for developer in [family.developer, *family.developer_aliases]:
        short = _CORPORATE_SUFFIX.sub("", developer.strip())
        if short != developer.strip() and (len(short) >= 6 or (_CJK.search(short) and len(short) >= 2)):
            yield short, True
    for team in (family.team, family.team_zh):
        if team:
            yield re.sub(r"^the\s+", "", team.strip(), flags=re.IGNORECASE), True
    for tech in (family.technology, family.technology_zh):
        if tech:
            head = re.split(r"\s*[,，]\s*", tech.strip())[0]
            yield head, True
            latin = re.match(r"[A-Z][\w-]{3,}", head)
            if latin and latin.group(0) != head:
                yield latin.group(0), True


def _key(text: str) -> str:
    return re.sub(r"[\s\-_]+", "", re.sub(r"^the\s+", "", text.strip().lower()))


def _alias_regex(alias: str, exact_case: bool = False) -> str:
    parts = [re.escape(p) for p in re.split(r"[\s-]+", alias) if p]
    body = r"[\s-]?".join(parts)
    if len(alias) > 2 and not exact_case:
        body = f"(?i:{body})"
    head = r"(?<![A-Za-z0-9])" if re.match(r"[A-Za-z0-9]", alias) else ""
    tail = r"(?![A-Za-z0-9])" if re.search(r"[A-Za-z0-9]$", alias) else ""
    return f"(?:{head}{body}{tail})"
