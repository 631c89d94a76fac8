"""The audit report: figures after the paper's, tables of every score and examples, in one HTML page.

`render_report(folder_or_results, out_path)` builds it from an audit's result files (or results in
memory); `browser` opens it in headless Chromium to check it and to take screenshots.
"""

from distillscope.audit.report.html import render_html, render_report

__all__ = ["render_html", "render_report"]
