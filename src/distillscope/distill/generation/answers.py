"""Final answers in reasoning chains: find them, and tell whether they agree with a reference.

Answer verification is what makes chain-of-thought data worth training on: a chain that reaches
the wrong answer teaches the student to reason badly. Teachers state answers in many ways (a
`Final answer:` line we asked for, `\\boxed{}` from math tuning, "The answer is", 答案是), so
extraction tries those in turn and falls back to the last number. Comparison is numeric where both
sides are numbers (so "1,000", "$1000" and "1000.0" agree, and so do "3/4" and "0.75"), and on
normalised strings otherwise.
"""

from __future__ import annotations

import math
import re

_FINAL_LINE = re.compile(r"final\s+answer\s*(?:is)?\s*[:：]?\s*(?P<answer>[^\n]+)", re.IGNORECASE)
_ANSWER_IS = re.compile(r"the\s+(?:final\s+)?answer\s+is\s*[:：]?\s*(?P<answer>.+?)(?=\.\s|\.$|\n|$)", re.IGNORECASE)
_ANSWER_ZH = re.compile(r"答案\s*(?:是|为|：|:)\s*(?P<answer>[^。\n]+)")
_BOX = re.compile(r"\\(?:boxed|fbox)\s*\{")
# A number not glued to a preceding digit: "7-3" yields 7 and 3, never -3.
_NUMBER = re.compile(r"(?<![\d.])-?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?(?:\s*/\s*\d+(?:\.\d+)?)?")
_PLAIN_NUMBER = re.compile(r"[-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:e[-+]?\d+)?")
_FRACTION = re.compile(r"([-+]?(?:\d+(?:\.\d*)?|\.\d+))/([-+]?(?:\d+(?:\.\d*)?|\.\d+))")
_LATEX_FRAC = re.compile(r"\\[dt]?frac\s*\{([^{}]*)\}\s*\{([^{}]*)\}")
_LATEX_TEXT = re.compile(r"\\(?:text|textbf|mathrm|mbox)\s*\{([^{}]*)\}")
_THOUSANDS = re.compile(r"(?<=\d),(?=\d{3}(?!\d))")
_CHOICE = re.compile(r"^\(?([a-z])\)?$")


def extract_answer(text: str) -> str | None:
    """The answer a chain states, most explicit form first; None when it states none."""
    for find in (_last_final_line, _last_boxed, _last_answer_is, _last_answer_zh, _last_number):
        found = find(text)
        if found is not None and found.strip():
            return found.strip()
    return None


def reference_final_answer(reference: str) -> str:
    """The final answer inside a dataset's worked solution, so a whole solution can serve as reference.

    GSM8K ends its solutions with `#### 72` and MATH boxes the answer; a reference that is already
    just an answer passes through.
    """
    if "####" in reference:
        return reference.rsplit("####", 1)[1].strip()
    boxed = _last_boxed(reference)
    return boxed.strip() if boxed is not None and boxed.strip() else reference


def answers_match(predicted: str | None, reference: str, *, rel_tol: float = 1e-6, abs_tol: float = 1e-9) -> bool:
    """Numbers compare within a tolerance; anything else compares as a normalised string."""
    if predicted is None or not predicted.strip():
        return False
    reference = reference_final_answer(reference)
    left, right = answer_number(predicted), answer_number(reference)
    if left is not None and right is not None:
        return math.isclose(left, right, rel_tol=rel_tol, abs_tol=abs_tol)
    return _compact(normalize_answer(predicted)) == _compact(normalize_answer(reference))


def normalize_answer(answer: str) -> str:
    """Strip the formatting teachers wrap answers in: markdown, LaTeX delimiters, boxes, end punctuation."""
    text = answer.strip().replace("**", "").replace("`", "").rstrip(".。!！ ")
    unboxed = _last_boxed(text)
    if unboxed is not None:
        text = unboxed
    for opener, closer in (("\\(", "\\)"), ("\\[", "\\]"), ("$$", "$$")):
        if text.startswith(opener) and text.endswith(closer) and len(text) > len(opener) + len(closer):
            text = text[len(opener) : -len(closer)].strip()
    if text.count("$") == 2 and text.startswith("$") and text.endswith("$"):
        text = text[1:-1]
    text = _LATEX_TEXT.sub(r"\1", text)
    text = _LATEX_FRAC.sub(r"(\1)/(\2)", text)
    for noise in ("\\!", "\\,", "\\;", "\\ ", "^\\circ", "^{\\circ}", "°", "\\left", "\\right"):
        text = text.replace(noise, "")
    text = text.replace("\\%", "%").replace("\\$", "$").replace("\u2212", "-")
    text = re.sub(r"\s+", " ", text).strip().rstrip(".。!！").strip().lower()
    choice = _CHOICE.match(text)
    return choice.group(1) if choice else text


def answer_number(answer: str) -> float | None:
    """The number an answer states, or None when it is not (only) a number."""
    text = normalize_answer(answer)
    text = re.sub(r"^[a-z]\s*=\s*", "", text)  # "x = 5"
    text = _THOUSANDS.sub("", text).replace("$", "").replace("%", "").strip()
    text = re.sub(r"\(([^()]*)\)", r"\1", text).replace(" ", "")
    value = _as_number(text)
    if value is not None:
        return value
    # "18 apples", "5 km": exactly one number among words is that number.
    numbers = _NUMBER.findall(_THOUSANDS.sub("", normalize_answer(answer)))
    words = re.sub(_NUMBER, " ", _THOUSANDS.sub("", normalize_answer(answer)))
    if len(numbers) == 1 and re.fullmatch(r"[\sa-z$%.:=]*", words):
        return _as_number(numbers[0].replace(" ", "").replace(",", ""))
    return None


def _as_number(text: str) -> float | None:
    if _PLAIN_NUMBER.fullmatch(text):
        return float(text)
    fraction = _FRACTION.fullmatch(text)
    if fraction:
        denominator = float(fraction.group(2))
        return float(fraction.group(1)) / denominator if denominator else None
    return None


def _compact(text: str) -> str:
    return re.sub(r"\s+", "", text)


def _last_final_line(text: str) -> str | None:
    matches = list(_FINAL_LINE.finditer(text))
    if not matches:
        return None
    answer = matches[-1].group("answer").strip()
    boxed = _last_boxed(answer)
    return boxed if boxed is not None else answer


def _last_boxed(text: str) -> str | None:
    """The content of the last \\boxed{...}, honouring nested braces such as \\frac{1}{2}."""
    starts = [m.end() for m in _BOX.finditer(text)]
    if not starts:
        return None
    depth, start = 1, starts[-1]
    for index in range(start, len(text)):
        if text[index] == "{":
            depth += 1
        elif text[index] == "}":
            depth -= 1
            if depth == 0:
                return text[start:index]
    return None


def _last_answer_is(text: str) -> str | None:
    matches = list(_ANSWER_IS.finditer(text))
    return matches[-1].group("answer") if matches else None


def _last_answer_zh(text: str) -> str | None:
    matches = list(_ANSWER_ZH.finditer(text))
    return matches[-1].group("answer").rstrip("。.") if matches else None


def _last_number(text: str) -> str | None:
    matches = _NUMBER.findall(text)
    return matches[-1].replace(" ", "") if matches else None
