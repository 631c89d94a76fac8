"""The report page: model output shows as text and never runs, and a real browser draws every figure.

The payloads come from model responses: a scripted target (a real OpenAI-compatible server) answers
RSE prompts and ICE identity questions with `<script>` and `onerror=` markup, which flows through
the run store, the RSE and ICE result files and the audit's files into the page. Labels and ground
truth from the config carry markup too.
"""

from __future__ import annotations

import asyncio
import json
import struct
from html.parser import HTMLParser
from pathlib import Path

import pytest

from distillscope.audit.job import AuditJob
from distillscope.audit.report import browser
from distillscope.audit.report.browser import BrowserError, check_page
from distillscope.audit.report.html import script_json
from distillscope.audit.results import load_results
from distillscope.audit.runner import run_audit
from distillscope.fileio.jsonl import write_jsonl
from distillscope.store import RunStore
from doubles.scripted import ScriptedServer

SCRIPT = "<script>alert(1)</script>"
IMAGE = "<img src=x onerror=alert(1)>"
LABEL = "<b>bold</b> & co"
RSE_PROMPTS = ["RSE: What is 2 plus 2?", "RSE: Name a colour.", "RSE: Say hello.", "RSE: What is the capital of Peru?"]


def reference(messages, payload):
    return "A tidy answer, in one sentence."


def target(messages, payload):
    if messages[-1]["content"].startswith("RSE:"):
        return f"{IMAGE} A tidy answer. {SCRIPT}"
    return f"I am ChatGPT, made by OpenAI. {SCRIPT} {IMAGE}"


@pytest.fixture(scope="module")
def audit_folder(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("report-page")
    prompts = folder / "prompts.jsonl"
    write_jsonl(prompts, [{"id": f"q{i}", "prompt": p, "category": "chat"} for i, p in enumerate(RSE_PROMPTS)])
    with ScriptedServer(reference, model="teacher") as ref, ScriptedServer(target, model="student") as tgt:
        job = AuditJob.model_validate(
            {
                "title": f"Page test {SCRIPT}",
                "reference": {"model": ref.spec, "label": "teacher", "facts": "openai"},
                "targets": [
                    {"model": tgt.spec, "label": "student", "ground_truth": {"fraction": 0.5, "note": SCRIPT}},
                    {"model": "warm", "label": LABEL, "ground_truth": {"fraction": 0.0}},
                ],
                "models": {"warm": {"spec": tgt.spec, "params": {"temperature": 0.5}}},
                "rse": {"prompts": [str(prompts)], "judges": ["lexical", "style"]},
                "ice": {"budget": 10, "languages": ["en"], "per_category": 1},
                "output": folder / "audit",
            }
        )
        with RunStore(folder / "store.sqlite") as store:
            asyncio.run(run_audit(job, store))
    return folder / "audit"


class PageParser(HTMLParser):
    """Every element, attribute, script body and piece of visible text of a page."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple[str, list[tuple[str, str | None]]]] = []
        self.scripts: list[str] = []
        self.text: list[str] = []
        self._in: str | None = None

    def handle_starttag(self, tag, attrs):
        self.elements.append((tag, attrs))
        if tag in ("script", "style"):
            self._in = tag
            if tag == "script":
                self.scripts.append("")

    def handle_endtag(self, tag):
        if tag == self._in:
            self._in = None

    def handle_data(self, data):
        if self._in == "script":
            self.scripts[-1] += data
        elif self._in is None:
            self.text.append(data)


def parse(page: str) -> PageParser:
    parser = PageParser()
    parser.feed(page)
    parser.close()
    return parser


def test_model_output_in_the_page_is_text_never_markup(audit_folder):
    results = load_results(audit_folder)
    student = results.summary[0]
    assert student.ice is not None and student.ice.strict.positives == student.ice.judged == 10  # the claims counted
    page = (audit_folder / "report.html").read_text(encoding="utf-8")
    parsed = parse(page)

    assert not [tag for tag, _ in parsed.elements if tag == "img"]
    handlers = [(tag, name) for tag, attrs in parsed.elements for name, _ in attrs if name.lower().startswith("on")]
    assert handlers == []
    assert [tag for tag, _ in parsed.elements].count("script") == 3  # figure data, plotly.js, the drawing code
    assert "<script>alert" not in page.lower() and "<img src=x" not in page.lower()

    text = "".join(parsed.text)
    for shown in (SCRIPT, IMAGE, LABEL, f"Page test {SCRIPT}", "I am ChatGPT, made by OpenAI."):
        assert shown in text, shown

    figure_data, _, drawing = parsed.scripts
    assert "<" not in figure_data and ">" not in figure_data
    figures = json.loads(figure_data)
    assert [f["id"] for f in figures] == [
        "fig-rse-domains",
        "fig-ice-rates",
        "fig-main",
        "fig-categories",
        "fig-identities",
        "fig-truth",
    ]
    ice_rates = next(f for f in figures if f["id"] == "fig-ice-rates")
    assert ice_rates["data"][0]["x"] == ["student", "&lt;b&gt;bold&lt;/b&gt; &amp; co"]  # plotly shows entities as text
    assert "Plotly.newPlot" in drawing
    policy = next(dict(attrs)["content"] for tag, attrs in parsed.elements if dict(attrs).get("http-equiv"))
    assert "default-src 'none'" in policy and "'unsafe-inline'" not in policy.split("script-src")[1].split(";")[0]


@pytest.mark.parametrize(
    "value",
    [
        "</script><script>alert(1)</script>",
        "<!-- <script>",
        "a\u2028b\u2029c & <b>",
        {"nested": ["</SCRIPT>", "<img src=x onerror=alert(1)>"]},
    ],
)
def test_json_for_a_script_element_cannot_close_it(value):
    text = str(script_json(value))
    assert not {"<", ">", "\u2028", "\u2029"} & set(text)
    assert json.loads(text) == value


def test_the_report_renders_in_headless_chromium(audit_folder):
    check = check_page(audit_folder / "report.html")
    assert check.state == "ready", check.console_errors
    assert [f.id for f in check.figures] == [
        "fig-rse-domains",
        "fig-ice-rates",
        "fig-main",
        "fig-categories",
        "fig-identities",
        "fig-truth",
    ]
    undrawn = [f for f in check.figures if not f.drawn or f.marks == 0]
    assert undrawn == []
    assert check.console_errors == []
    assert check.dialogs == []  # no alert() ran
    assert check.title == f"Page test {SCRIPT}"
    assert SCRIPT in check.text and IMAGE in check.text and LABEL in check.text


def test_report_command_rebuilds_the_page_and_screenshots_it(cli, audit_folder, tmp_path):
    page, png = tmp_path / "page.html", tmp_path / "page.png"
    result = cli("report", "--input", str(audit_folder / "results.json"), "-o", str(page), "--screenshot", str(png))
    assert result.exit_code == 0, result.stderr
    assert page.read_bytes() == (audit_folder / "report.html").read_bytes()
    data = png.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])
    assert width == 1280 and height > 3000  # the whole page, not one screen
    assert len(data) > 100_000


def test_a_missing_chromium_is_one_clear_error(monkeypatch):
    monkeypatch.setattr(browser, "CANDIDATES", ())
    monkeypatch.delenv(browser.CHROMIUM_ENV, raising=False)
    with pytest.raises(BrowserError, match="Chromium not found; run scripts/ensure-chromium"):
        browser.find_chromium()
