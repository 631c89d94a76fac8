"""Error text loses every secret on its way out: registered key values, keys in the environment,
and anything shaped like a credential; ordinary words are left alone."""

from __future__ import annotations

import pytest

from distillscope.errors import DistillscopeError, InputError
from distillscope.redaction import REDACTED, redact, register_secret


def test_a_registered_key_is_replaced_wherever_it_appears():
    register_secret("k3y-0a1b2c3d4e5f")
    text = redact("echo: k3y-0a1b2c3d4e5f and again k3y-0a1b2c3d4e5f.")
    assert "k3y-0a1b2c3d4e5f" not in text and text.count(REDACTED) == 2


def test_a_key_in_an_environment_variable_is_replaced(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("SOME_PROVIDER_API_KEY", "zz-plain-looking-value")
    assert redact("the server said zz-plain-looking-value") == f"the server said {REDACTED}"


def test_a_key_changed_in_the_environment_mid_run_is_the_one_replaced(monkeypatch: pytest.MonkeyPatch):
    """The environment's secrets are remembered between calls (a result file redacts every cell), so
    a change to the environment must still be seen: a new value, a removed variable, a new one."""
    monkeypatch.setenv("ROTATING_API_KEY", "first-value-1234")
    assert redact("said first-value-1234") == f"said {REDACTED}"
    monkeypatch.setenv("ROTATING_API_KEY", "second-value-5678")  # same variables, new value
    assert redact("said second-value-5678") == f"said {REDACTED}"
    monkeypatch.delenv("ROTATING_API_KEY")
    assert redact("said second-value-5678") == "said second-value-5678"
    monkeypatch.setenv("ANOTHER_TOKEN", "third-value-9012")
    assert redact("said third-value-9012") == f"said {REDACTED}"


@pytest.mark.parametrize(
    ("text", "secret"),
    [
        ("got header 'Authorization: Bearer abc.def-123'", "abc.def-123"),
        ('{"authorization": "Bearer tok_42"}', "tok_42"),
        ("Authorization: Basic dXNlcjpwYXNz", "dXNlcjpwYXNz"),
        ('{"api_key": "opaque-777"}', "opaque-777"),
        ("x-api-key=opaque-888", "opaque-888"),
        ("invalid key sk-proj-ABCDEFGHijklmnop1234", "sk-proj-ABCDEFGHijklmnop1234"),
        ("token hf_ABCDEFGHIJKLMNOPQRSTUVWX", "hf_ABCDEFGHIJKLMNOPQRSTUVWX"),
        ("sk-proj-ABCDEFGHijkl at the very start", "sk-proj-ABCDEFGHijkl"),
        ("(AIzaSyA1234567890abcdefghijklmnopqrstu)", "AIzaSyA1234567890abcdefghijklmnopqrstu"),
    ],
)
def test_credential_shapes_are_replaced(text: str, secret: str):
    cleaned = redact(text)
    assert secret not in cleaned and REDACTED in cleaned


@pytest.mark.parametrize(
    "text",
    [
        "temperature must be at most 2",
        "a basic question",
        "the token limit was reached",
        "HTTP 500: upstream",
        "the disk-partition-table-v2 flag",  # a key's prefix inside a longer word is not a key
        "see path/to/chf_ABCDEFGHIJKLMNOPQRSTUVWX",
    ],
)
def test_ordinary_text_is_left_alone(text: str):
    assert redact(text) == text


def test_errors_are_redacted_as_they_are_made():
    register_secret("k3y-made-into-an-error")
    error = InputError("endpoint said k3y-made-into-an-error", hint="Bearer k3y-made-into-an-error")
    assert "k3y-made-into-an-error" not in str(error) and "k3y" not in DistillscopeError.__str__(error)
