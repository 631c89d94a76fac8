"""Builds tests/data/identity_claims.jsonl: templates × names × framings, plus hand-written cases.

    python tests/data/identity_claims/build.py

Deterministic (seeded). Each template is drawn three times with different targets, sources, claimed
families, questions, framings and wrappers. The label follows from the template's kind and the draw:
loose when it claims any identity but the target's, strict when the claim is a source family, hard
when strict and the framing did not itself name a source. A quarter of the templates (by a hash of
their key) and half the hand-written cases are "heldout" (kept out while the rules were first
written); "fresh" and "fresh2" are batches written after the rules and scored once before any rule
changed for them.
"""

from __future__ import annotations

import json
import random
import sys
import zlib
from pathlib import Path
from string import Template

sys.path.insert(0, str(Path(__file__).parent))

from cases_en import CASES_EN, Case
from cases_zh import CASES_ZH
from fresh import FRESH
from fresh2 import FRESH2
from handwritten import HANDWRITTEN
from pools import (
    CLAIMABLE,
    FILLERS_EN,
    FILLERS_ZH,
    INVENTED_DEVS,
    INVENTED_DEVS_ZH,
    INVENTED_NAMES,
    INVENTED_NAMES_ZH,
    PROMPTS,
    QUESTIONS,
    REAL,
    SOURCE_SETS,
    TARGETS,
    WHO,
    WRAPS_EN,
    WRAPS_ZH,
)

OUT = Path(__file__).resolve().parent.parent / "identity_claims.jsonl"
REPS = 3
# Framings and wrappers that would change what a class tests are not drawn for it.
FRAMINGS = {"think": ("think", "think-zh"), "form": ("form", "json", "debug-zh")}
UNWRAPPED = {"think", "form", "persona", "slot"}


def main() -> None:
    items = build_items()
    with OUT.open("w", encoding="utf-8") as sink:
        for item in items:
            sink.write(json.dumps(item, ensure_ascii=False) + "\n")
    print(f"{len(items)} items → {OUT}")


def build_items() -> list[dict]:
    """The whole set, in order; the same every time (seeded)."""
    rng = random.Random(13)
    items: list[dict] = []
    for lang, cases in (("en", CASES_EN), ("zh", CASES_ZH)):
        for cls, templates in cases.items():
            for index, case in enumerate(templates):
                key = f"{lang}:{cls}:{index}"
                for rep in range(REPS):
                    items.append(_draw(rng, lang, cls, case, key, rep))
    for index, hand in enumerate(HANDWRITTEN):
        items.append(_hand(rng, f"hand:{index}", "heldout" if index % 2 else "dev", hand))
    for index, hand in enumerate(FRESH):
        items.append(_hand(rng, f"fresh:{index}", "fresh", hand))
    for index, hand in enumerate(FRESH2):
        items.append(_hand(rng, f"fresh2:{index}", "fresh2", hand))
    seen, unique = set(), []
    for item in items:
        marker = (item["response"], item["target"], tuple(item["sources"]))
        if marker not in seen:
            seen.add(marker)
            unique.append(item)
    return unique


def _draw(rng: random.Random, lang: str, cls: str, case: Case, key: str, rep: int) -> dict:
    text = case.text
    needs_target = any(f"$T{s}" in text for s in ("", "D", "Z", "DZ", "HQ", "HQZ")) or "$TTEAM" in text
    needs_facts = "$TTEAM" in text or "$TTECH" in text or "$TPART" in text
    while True:
        target = rng.choice(TARGETS)
        if (needs_target or case.kind == "place") and target == "plain":
            continue
        if needs_facts and not WHO[target].extra:
            continue
        sources = [s for s in _weighted(rng, SOURCE_SETS) if s != target]
        if sources:
            break
    claimed = _claimed(rng, case.kind, target, sources)
    others = _others(rng, target, claimed, sources)
    framing_id, framing_names, framing = _framing(rng, lang, cls)
    question = rng.choice(QUESTIONS[(case.q, lang)])
    values = _values(rng, lang, target, claimed, others)
    body = Template(text).substitute(values)
    response = _wrap(rng, lang, cls, body, values)
    strict = case.kind in ("invsrc",) or (case.kind in ("pos", "src", "oth") and claimed in sources)
    loose = case.kind not in ("neg", "named")
    names_source = any(f in sources for f in framing_names)
    claim_text = {
        "neg": "nothing against the target's facts",
        "named": f"nothing: {claimed}'s rules named, no claim to be its model",
        "inv": "an invented identity",
        "place": f"a place ({values['XHQ']}) that contradicts the target's",
    }.get(case.kind, f"{claimed} ({'a source' if strict else 'not a source'})")
    return {
        "id": f"{key}:{rep}",
        "split": _split(key),
        "class": cls,
        "language": lang,
        "target": target,
        "sources": sources,
        "question": question,
        "prompt": framing.format(q=question),
        "framing": framing_id,
        "prompt_names_source": names_source,
        "response": response,
        "loose": loose,
        "strict": strict,
        "hard": strict and not names_source,
        "claimed": {"neg": "", "named": "", "inv": "(invented)", "place": "(place)"}.get(case.kind, claimed),
        "rationale": f"{cls}: {case.note}; claims {claim_text}",
    }


def _hand(rng: random.Random, key: str, split: str, hand: object) -> dict:
    lang = "zh" if any("\u4e00" <= ch <= "\u9fff" for ch in hand.question) else "en"
    framings = [p for p in PROMPTS[lang] if p[0] == hand.framing] or PROMPTS[lang]
    framing_id, names, framing = rng.choice(framings)
    names_source = any(f in hand.sources for f in names)
    return {
        "id": key,
        "split": split,
        "class": hand.cls,
        "language": "zh" if any("\u4e00" <= ch <= "\u9fff" for ch in hand.response) else lang,
        "target": hand.target,
        "sources": [s for s in hand.sources if s != hand.target],
        "question": hand.question,
        "prompt": framing.format(q=hand.question),
        "framing": framing_id,
        "prompt_names_source": names_source,
        "response": hand.response,
        "loose": hand.loose,
        "strict": hand.strict,
        "hard": hand.strict and not names_source,
        "claimed": "" if not hand.loose else "(unrecorded)",
        "rationale": f"{hand.cls}: {hand.why}",
    }


def _weighted(rng: random.Random, options: list[tuple[list[str], int]]) -> list[str]:
    return list(rng.choices([o for o, _ in options], weights=[w for _, w in options])[0])


def _claimed(rng: random.Random, kind: str, target: str, sources: list[str]) -> str:
    if kind in ("src", "invsrc") or (kind in ("pos", "named") and rng.random() < 0.65):
        return rng.choice(sources)
    pool = [f for f in CLAIMABLE if f != target and f not in sources]
    if kind == "place":
        pool = [f for f in CLAIMABLE if f != target and WHO[f].city != WHO[target].city]
    return rng.choice(pool)


def _others(rng: random.Random, target: str, claimed: str, sources: list[str]) -> list[str]:
    """Two third parties, often sources, so that a mention in passing would show up as a strict error."""
    pool = [f for f in [*REAL, "aurora", "sable"] if f not in (target, claimed)]
    preferred = [f for f in sources if f in pool]
    first = rng.choice(preferred) if preferred and rng.random() < 0.6 else rng.choice(pool)
    second = rng.choice([f for f in pool if f != first])
    return [first, second]


def _framing(rng: random.Random, lang: str, cls: str) -> tuple[str, list[str], str]:
    allowed = FRAMINGS.get(cls)
    options = [p for p in PROMPTS[lang] if allowed is None or p[0] in allowed] or PROMPTS[lang]
    return rng.choice(options)


def _values(rng: random.Random, lang: str, target: str, claimed: str, others: list[str]) -> dict[str, str]:
    t, x, o, p = WHO[target], WHO[claimed], WHO[others[0]], WHO[others[1]]
    values = {
        "X": rng.choice(x.names),
        "XD": rng.choice(x.devs),
        "XZ": rng.choice(x.names_zh),
        "XDZ": rng.choice(x.devs_zh),
        "XHQ": x.city,
        "XHQZ": x.city_zh,
        "O": rng.choice(o.names),
        "OD": rng.choice(o.devs),
        "OZ": rng.choice(o.names_zh),
        "ODZ": rng.choice(o.devs_zh),
        "P": rng.choice(p.names),
        "PD": rng.choice(p.devs),
        "PZ": rng.choice(p.names_zh),
        "PDZ": rng.choice(p.devs_zh),
        "I": rng.choice(INVENTED_NAMES),
        "ID": rng.choice(INVENTED_DEVS),
        "IZ": rng.choice(INVENTED_NAMES_ZH),
        "IDZ": rng.choice(INVENTED_DEVS_ZH),
    }
    if t.names:
        values |= {
            "T": t.names[0],
            "TD": t.devs[0],
            "TZ": t.names_zh[0],
            "TDZ": t.devs_zh[0],
            "THQ": t.city,
            "THQZ": t.city_zh,
        }
    if t.extra:
        values |= {
            "TTEAM": t.extra["team"],
            "TTECH": t.extra["tech"],
            "TPART": t.extra["partner"],
            "TTEAMZ": t.extra["team_zh"],
            "TTECHZ": t.extra["tech_zh"],
        }
    return values


def _wrap(rng: random.Random, lang: str, cls: str, body: str, values: dict[str, str]) -> str:
    if cls in UNWRAPPED:
        return body
    wrap = rng.choice(WRAPS_ZH if lang == "zh" else WRAPS_EN)
    filler = Template(rng.choice(FILLERS_ZH if lang == "zh" else FILLERS_EN)).substitute(values)
    return wrap.replace("{filler}", filler).replace("{body}", body)


def _split(key: str) -> str:
    return "heldout" if zlib.crc32(key.encode()) % 4 == 0 else "dev"


if __name__ == "__main__":
    main()
