"""`render_report`: one self-contained HTML page from an audit's result files.

Self-contained means it opens from disk, offline, years later: the plotly.js bundle of the
installed `plotly` package is inlined (no CDN), the figures travel as JSON in the page, and the CSS
is in the page. Plotly over static images because the figures are read by hovering (n, positives of
judged, CIs) and switched (judge, rate) in place; plotly is already a dependency, and its bundle is
the only large thing in the page.

Model output is untrusted, so nothing model-written is ever marked safe:
- in the HTML, Jinja's autoescape turns every `<` into `&lt;`;
- in the figure JSON inside `<script>`, `<`, `>` and `&` are written as JSON escapes (`\\u003c`),
  so no `</script>` or `<!--` can end or change the block, and the line separators U+2028/U+2029
  are escaped too;
- in the figures themselves, labels are entity-escaped (see `figures.plot_text`), since plotly
  reads a small markup language in its strings.
"""

from __future__ import annotations

import base64
import hashlib
import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined
from markupsafe import Markup

from distillscope.audit.method import METHODS
from distillscope.audit.overview import share_check_table, verdict_table
from distillscope.audit.present import ReportSection, presenter_of
from distillscope.audit.report import view
from distillscope.audit.report.figures import build_figures
from distillscope.audit.report.plotting import FigureSpec
from distillscope.audit.results import AuditResults, load_results
from distillscope.errors import InputError
from distillscope.fileio.files import write_atomic

TEMPLATE = "report.html.j2"
# Draws every figure from the JSON block; marks the page when all are drawn (what the browser test waits for).
APP_JS = Markup(
    "(function(){var specs=JSON.parse(document.getElementById('figure-data').textContent);"
    "var config={responsive:true,displaylogo:false,modeBarButtonsToRemove:['select2d','lasso2d']};"
    "Promise.all(specs.map(function(s){return Plotly.newPlot(s.id,s.data,s.layout,config);}))"
    ".then(function(){document.body.setAttribute('data-figures','ready');})"
    ".catch(function(e){document.body.setAttribute('data-figures','failed');console.error(e);});})();"
)
_JSON_ESCAPES = {"<": "\\u003c", ">": "\\u003e", "&": "\\u0026", "\u2028": "\\u2028", "\u2029": "\\u2029"}


def script_json(value: Any) -> Markup:
    """JSON that is safe inside a <script> element, whatever strings it holds."""
    text = json.dumps(value, ensure_ascii=False, allow_nan=False, separators=(",", ":"), default=_plain)
    for char, escape in _JSON_ESCAPES.items():
        text = text.replace(char, escape)
    return Markup(text)


def _plain(value: Any) -> Any:
    """What plotly's figure dicts may hold beyond JSON types (tuples are lists already)."""
    if hasattr(value, "tolist"):
        return value.tolist()
    raise TypeError(f"cannot put {type(value).__name__} in the report's figure data")


@cache
def plotly_bundle() -> Markup:
    """The installed plotly.js, to inline; checked to hold nothing that would end its <script> early."""
    from plotly.offline import get_plotlyjs

    return Markup(get_plotlyjs().replace("</script", "<\\/script"))


@cache
def _environment() -> Environment:
    return Environment(
        loader=PackageLoader("distillscope.audit.report", "templates"),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def content_security_policy(*scripts: str) -> str:
    """Only our own scripts run (by hash) and nothing is fetched: a second wall behind the escaping.

    Were any model output ever to reach the page as markup, the browser would still refuse to run
    an inline script or an `onerror=` handler, and to load anything from the network.
    """
    hashes = " ".join(f"'sha256-{base64.b64encode(hashlib.sha256(s.encode()).digest()).decode()}'" for s in scripts)
    return (
        f"default-src 'none'; script-src {hashes}; style-src 'unsafe-inline'; img-src data: blob:; "
        "font-src data:; connect-src 'none'; base-uri 'none'; form-action 'none'"
    )


@dataclass
class MethodView:
    name: str
    title: str
    section: ReportSection


def report_context(results: AuditResults) -> dict[str, Any]:
    """Everything the template shows, as text and rows; figures as specs."""
    labels = view.labels_of(results)
    sections = {
        name: presenter_of(name).report_section(results, labels)
        for name in results.methods
        if name in METHODS and name in results.raw
    }
    figures = build_figures(results, labels, sections)
    return {
        "title": results.title,
        "results": results,
        "methods": [MethodView(name, METHODS.get(name).title, section) for name, section in sections.items()],
        "facts": view.run_facts(results, sections),
        "verdict": verdict_table(results),
        "share_check": share_check_table(results),
        "summary": view.summary_table(results),
        "truth_tables": view.truth_tables(results),
        "figures": figures,
        "figure_data": script_json([f.as_json() for f in figures]),
        "models": view.models_table(results, sections),
        "usage": view.usage_table(results),
        "job_json": view.job_json(results),
        "warnings": [*results.warnings, *(note for section in sections.values() for note in section.notes)],
        "plotly_js": plotly_bundle(),
        "app_js": APP_JS,
        "csp": _policy(),
    }


@cache
def _policy() -> str:
    return content_security_policy(str(plotly_bundle()), str(APP_JS))


def render_html(results: AuditResults) -> str:
    missing = [name for name in results.methods if name not in results.raw]
    if missing:
        raise InputError(
            f"these audit results carry no {', '.join(missing)} results",
            hint="load them with distillscope.audit.results.load_results(folder)",
        )
    return _environment().get_template(TEMPLATE).render(**report_context(results))


def render_report(source: AuditResults | Path | str, out_path: Path | str) -> Path:
    """Write the report for results in memory, or for an audit folder (or its results.json) on disk."""
    results = source if isinstance(source, AuditResults) else load_results(source)
    out = Path(out_path)
    write_atomic(out, render_html(results))
    return out


__all__ = ["FigureSpec", "render_html", "render_report", "report_context", "script_json"]
