"""Answer extraction and verification on crafted reasoning chains, and reading the teacher's new tasks."""

from __future__ import annotations

import pytest

from distillscope.distill.generation.answers import answer_number, answers_match, extract_answer, normalize_answer
from distillscope.distill.generation.expand import parse_task


@pytest.mark.parametrize(
    ("chain", "expected"),
    [
        ("First 12 + 30 = 42.\nFinal answer: 42", "42"),
        ("We get 3 apples, then 5.\nFinal Answer: **8**", "**8**"),
        ("Thus x = \\boxed{\\frac{3}{4}} and we are done, 17 steps later.", "\\frac{3}{4}"),
        ("Final answer: $\\boxed{0.75}$", "0.75"),
        ("So the answer is $1,250. Note that 3 was a distractor.", "$1,250"),
        ("The answer is 3.5.", "3.5"),
        ("先算 6 乘 7，所以答案是 42。", "42"),
        ("计算可得。答案：17", "17"),
        ("3 plus 4 is 7.", "7"),
        ("Subtract: 10-3 = 7, then 7-9", "9"),
        ("No number here at all.", None),
    ],
)
def test_extract_answer(chain, expected):
    assert extract_answer(chain) == expected


def test_final_answer_line_wins_over_earlier_forms():
    chain = "The answer is 5 if we forget the carry.\nWith the carry: \\boxed{6}\nFinal answer: 7"
    assert extract_answer(chain) == "7"


@pytest.mark.parametrize(
    ("predicted", "reference"),
    [
        ("1,234", "1234"),
        ("$1,000", "1000"),
        ("5.0", "5"),
        ("3/4", "0.75"),
        ("\\frac{3}{4}", "0.75"),
        ("\\dfrac{1}{2}", "1/2"),
        ("**8**", "8"),
        ("18 apples", "18"),
        ("x = 5", "5"),
        ("50%", "50"),
        ("\u22122", "-2"),
        ("(B)", "b"),
        ("Paris.", "paris"),
        ("\\text{blue}", "Blue"),
    ],
)
def test_equivalent_answers_match(predicted, reference):
    assert answers_match(predicted, reference)


@pytest.mark.parametrize(
    ("predicted", "reference"),
    [("7", "8"), ("0.33", "1/3"), ("3 and 4", "3"), ("Lyon", "Paris"), (None, "1"), ("", "1"), ("-2", "2")],
)
def test_different_answers_do_not_match(predicted, reference):
    assert not answers_match(predicted, reference)


def test_a_worked_solution_serves_as_the_reference():
    gsm8k = "She sold 48/2 = <<48/2=24>>24 clips in May.\nAltogether 48+24 = <<48+24=72>>72 clips.\n#### 72"
    assert answers_match("72", gsm8k) and not answers_match("24", gsm8k)
    math_solution = "Adding the fractions gives $\\boxed{\\frac{3}{4}}$, as required."
    assert answers_match("0.75", math_solution) and not answers_match("3", math_solution)
    assert answers_match("1,000", "1000")  # a bare answer passes through


def test_tolerance_is_relative():
    assert answers_match("0.3333333", "1/3", rel_tol=1e-6)
    assert not answers_match("0.3333", "1/3", rel_tol=1e-6)
    assert answers_match("0.3333", "1/3", rel_tol=1e-3)


def test_normalisation_and_numbers():
    assert normalize_answer("  \\( \\text{Blue} \\). ") == "blue"
    assert answer_number("12 km") == 12.0
    assert answer_number("between 3 and 4") is None
    assert answer_number("1/0") is None


@pytest.mark.parametrize(
    ("reply", "task"),
    [
        ("New task: Write a limerick about a cat.", "Write a limerick about a cat."),
        ("Sure! Here is one.\n\nNew task: Explain tides to a child.", "Explain tides to a child."),
        ('**New Task:** "List three prime numbers."', "List three prime numbers."),
        ("```\nNew task: Sort these words: pear, fig.\n```", "Sort these words: pear, fig."),
        ("New task: Name a colour.\nAnswer: Blue.", "Name a colour."),
        ("Here is a new task:\nDescribe a sunrise in two sentences.", "Describe a sunrise in two sentences."),
        ("新任务：写一首关于秋天的短诗。", "写一首关于秋天的短诗。"),
        ("Task: Translate 'hello' into French.", "Translate 'hello' into French."),
    ],
)
def test_parse_task_reads_the_task(reply, task):
    assert parse_task(reply) == task


@pytest.mark.parametrize(
    "reply", ["", "New task:", "New task: **", "I'm sorry, but I can't write new tasks.", "x" * 50]
)
def test_parse_task_rejects_non_tasks(reply):
    assert parse_task(reply, max_chars=40) is None
